// Hardware of the emulated MPS2 boards: CMSDK UART0, the FPGA counter and
// SysTick for time, semihosting.
#ifndef QEMU_HAL_H
#define QEMU_HAL_H

#include <stddef.h>
#include <stdint.h>

// The CMSDK UART0 receive interrupt number.
#define UART0_RX_IRQ (0)

// CPU clock of the MPS2 FPGA images (AN385/AN386): SysTick counts at it.
#define HAL_CPU_HZ (25000000)

void hal_init(void);
int hal_uart_rx_any(void);
int hal_uart_rx(void);
void hal_uart_tx(const char *buf, size_t len);

uint32_t hal_ticks_ms(void);
uint32_t hal_ticks_us(void);
uint64_t hal_time_us64(void);
void hal_wait(void);

// The QEMU command line after the kernel name (-append), or "".
const char *hal_cmdline(void);
// An ARM semihosting call (QEMU -semihosting): op in r0, arg block in r1.
uint32_t hal_semihost(uint32_t op, void *arg);
void hal_exit(int status) __attribute__((noreturn));

// Interrupt handlers (in the vector table of startup.c).
void SysTick_Handler(void);
void UART0_RX_Handler(void);

#endif
