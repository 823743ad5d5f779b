// Hardware of the emulated MPS2 boards: CMSDK UART0, the FPGA counter and
// SysTick for time, semihosting.
#ifndef QEMU_HAL_H
#define QEMU_HAL_H

#include <stddef.h>
#include <stdint.h>

#if !defined(__xtensa__)
// The CMSDK UART0 receive interrupt number.
#define UART0_RX_IRQ (0)

// CPU clock of the MPS2 FPGA images (AN385/AN386): SysTick counts at it.
#define HAL_CPU_HZ (25000000)
#endif

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
// Files of the host computer, through QEMU's semihosting: a handle (< 0 when
// the file cannot be opened), the bytes read (0 at the end), close.
int hal_host_open(const char *path, size_t len);
size_t hal_host_read(int handle, void *buf, size_t len);
void hal_host_close(int handle);
// A host file created (or emptied) for writing: a handle, < 0 on failure;
// writing gives 0 when every byte was written.
int hal_host_create(const char *path, size_t len);
int hal_host_write(int handle, const void *buf, size_t len);
void hal_exit(int status) __attribute__((noreturn));

// Interrupt handlers (in the vector table of startup.c).
void SysTick_Handler(void);
void UART0_RX_Handler(void);

#endif
