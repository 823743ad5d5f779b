// Devices of the emulated MPS2 boards (QEMU mps2-an385/an386): UART, clock,
// semihosting. A leaf: it calls nothing of main.c or startup.c.
// Register addresses: ARM CMSDK APB UART and the ARMv7-M system control
// space. Semihosting calls need QEMU's -semihosting flag.
#include <string.h>

#include "hal.h"
#include "py/mphal.h"
#include "py/mpstate.h"
#include "py/runtime.h"
#include "shared/runtime/interrupt_char.h"

#define REG(addr) (*(volatile uint32_t *)(addr))

// CMSDK UART0
#define UART0 (0x40004000u)
#define UART_DATA REG(UART0 + 0x00)
#define UART_STATE REG(UART0 + 0x04)
#define UART_CTRL REG(UART0 + 0x08)
#define UART_INT REG(UART0 + 0x0c)
#define UART_BAUDDIV REG(UART0 + 0x10)
#define UART_STATE_TXFULL (1u << 0)
#define UART_STATE_RXFULL (1u << 1)
#define UART_CTRL_TX_EN (1u << 0)
#define UART_CTRL_RX_EN (1u << 1)
#define UART_CTRL_RX_INT (1u << 3)
#define UART_INT_RX (1u << 1)

// System control space
#define SYST_CSR REG(0xe000e010)
#define SYST_RVR REG(0xe000e014)
#define SYST_CVR REG(0xe000e018)
#define NVIC_ISER0 REG(0xe000e100)

#define SYSTICK_RELOAD (HAL_CPU_HZ / 1000)

// MPS2 FPGA I/O: a free-running 32-bit counter at the 25 MHz clock (with
// PRESCALE 0). QEMU computes it from virtual time at each read, so it has
// none of SysTick's lag (a SysTick counter that reached 0 reads 0 until the
// emulator next handles its timers, which froze ticks_us for a while).
#define FPGAIO_COUNTER REG(0x40028018)
#define FPGAIO_PRESCALE REG(0x4002801c)

// Received bytes wait here until the REPL reads them; Ctrl-C raises
// KeyboardInterrupt instead, even while a script runs.
#define RX_SIZE (512)
static volatile uint8_t rx_buf[RX_SIZE];
static volatile uint32_t rx_head, rx_tail;
static uint32_t counter_last;
static uint64_t counter_high;

// Takes received bytes while the buffer has room. A byte is read from the
// UART only when it can be kept: reading the data register makes QEMU put
// the next waiting byte there at once, so a loop that read on with a full
// buffer dropped bytes whenever the host was more than RX_SIZE ahead (a
// raw-paste window is MICROPY_REPL_STDIN_BUFFER_MAX): scripts then failed
// with a SyntaxError at a random line. A byte left in the UART holds the
// host back (a Ctrl-C behind it waits for room too).
static void uart_drain(void) {
    while ((UART_STATE & UART_STATE_RXFULL) && rx_head - rx_tail < RX_SIZE) {
        int c = UART_DATA & 0xff;
        if (c == mp_interrupt_char) {
            mp_sched_keyboard_interrupt();
        } else {
            rx_buf[rx_head % RX_SIZE] = c;
            rx_head++;
        }
    }
}

static inline uint32_t irq_save(void) {
    uint32_t primask;
    __asm__ volatile ("mrs %0, primask\n cpsid i" : "=r" (primask) : : "memory");
    return primask;
}

static inline void irq_restore(uint32_t primask) {
    __asm__ volatile ("msr primask, %0" : : "r" (primask) : "memory");
}

void UART0_RX_Handler(void) {
    UART_INT = UART_INT_RX;
    uart_drain();
}

// The counter extended to 64 bits; call with interrupts masked, at least
// once per wrap (171 s): SysTick does every millisecond.
static uint64_t counter64(void) {
    uint32_t now = FPGAIO_COUNTER;
    if (now < counter_last) {
        counter_high += 1ull << 32;
    }
    counter_last = now;
    return counter_high | now;
}

void SysTick_Handler(void) {
    counter64();
}

static uint32_t hal_semihost(uint32_t op, void *arg) {
    register uint32_t r0 __asm__("r0") = op;
    register void *r1 __asm__("r1") = arg;
    __asm__ volatile ("bkpt 0xab" : "+r" (r0) : "r" (r1) : "memory");
    return r0;
}

#define SYS_OPEN (0x01)
#define SYS_CLOSE (0x02)
#define SYS_WRITE (0x05)
#define SYS_READ (0x06)
#define MODE_RB (1)
#define MODE_WB (5)

int hal_host_open(const char *path, size_t len) {
    uint32_t args[3] = { (uint32_t)path, MODE_RB, len };
    return (int32_t)hal_semihost(SYS_OPEN, args);
}

size_t hal_host_read(int handle, void *buf, size_t len) {
    // SYS_READ returns the number of bytes NOT read
    uint32_t args[3] = { (uint32_t)handle, (uint32_t)buf, len };
    return len - hal_semihost(SYS_READ, args);
}

int hal_host_create(const char *path, size_t len) {
    uint32_t args[3] = { (uint32_t)path, MODE_WB, len };
    return (int32_t)hal_semihost(SYS_OPEN, args);
}

int hal_host_write(int handle, const void *buf, size_t len) {
    // SYS_WRITE returns the number of bytes NOT written
    uint32_t args[3] = { (uint32_t)handle, (uint32_t)buf, len };
    return hal_semihost(SYS_WRITE, args) == 0 ? 0 : -1;
}

void hal_host_close(int handle) {
    uint32_t args[1] = { (uint32_t)handle };
    hal_semihost(SYS_CLOSE, args);
}

void hal_exit(int status) {
    // SYS_EXIT_EXTENDED with ADP_Stopped_ApplicationExit and a status code
    uint32_t block[2] = { 0x20026, (uint32_t)status };
    hal_semihost(0x20, block);
    for (;;) {
        __asm__ volatile ("wfi");
    }
}

static char cmdline[160];

const char *hal_cmdline(void) {
    return cmdline;
}

static void read_cmdline(void) {
    // SYS_GET_CMDLINE gives "kernel-path args..."; keep what follows the path.
    static char buf[sizeof(cmdline)];
    uint32_t block[2] = { (uint32_t)buf, sizeof(buf) - 1 };
    uint32_t ret = hal_semihost(0x15, block);
    cmdline[0] = '\0';
    if (ret == 0) {
        buf[sizeof(buf) - 1] = '\0';
        const char *args = strchr(buf, ' ');
        if (args) {
            strncpy(cmdline, args + 1, sizeof(cmdline) - 1);
        }
    }
}

void hal_init(void) {
    UART_BAUDDIV = 16;
    UART_CTRL = UART_CTRL_TX_EN | UART_CTRL_RX_EN | UART_CTRL_RX_INT;
    NVIC_ISER0 = 1u << UART0_RX_IRQ;
    FPGAIO_PRESCALE = 0;
    SYST_RVR = SYSTICK_RELOAD - 1;
    SYST_CVR = 0;
    SYST_CSR = 7; // processor clock, interrupt, enable
    read_cmdline();
}

int hal_uart_rx_any(void) {
    return rx_head != rx_tail || (UART_STATE & UART_STATE_RXFULL);
}

int hal_uart_rx(void) {
    for (;;) {
        uint32_t primask = irq_save();
        uart_drain();
        int c = -1;
        if (rx_head != rx_tail) {
            c = rx_buf[rx_tail % RX_SIZE];
            rx_tail++;
        }
        irq_restore(primask);
        if (c >= 0) {
            return c;
        }
        // Sleep until the next interrupt: a byte, or at worst the next
        // SysTick if the byte came just before the wfi. (QEMU does not
        // wake a wfi for an interrupt masked by PRIMASK.)
        __asm__ volatile ("wfi");
        mp_handle_pending(true);
    }
}

void hal_uart_tx(const char *buf, size_t len) {
    while (len--) {
        while (UART_STATE & UART_STATE_TXFULL) {
        }
        UART_DATA = (uint8_t)*buf++;
    }
}

uint64_t hal_time_us64(void) {
    uint32_t primask = irq_save();
    uint64_t ticks = counter64();
    irq_restore(primask);
    return ticks / (HAL_CPU_HZ / 1000000);
}

uint32_t hal_ticks_us(void) {
    return (uint32_t)hal_time_us64();
}

uint32_t hal_ticks_ms(void) {
    return (uint32_t)(hal_time_us64() / 1000);
}

void hal_wait(void) {
    __asm__ volatile ("wfi");
}
