// Devices of the emulated Xtensa board (QEMU xtensa -M sim, core de233_fpu):
// the simulator's calls (simcall) give the console (QEMU's first serial
// port), host files, the command line and exit; CCOUNT gives time. The
// rest of the port is boards/qemu's (main.c, store, files, os, time).
#include <string.h>

#include "hal.h"
#include "py/gc.h"
#include "py/mphal.h"
#include "py/runtime.h"
#include "shared/runtime/interrupt_char.h"

#define SYS_EXIT (1)
#define SYS_READ (3)
#define SYS_WRITE (4)
#define SYS_OPEN (5)
#define SYS_CLOSE (6)
#define SYS_ARGC (1000)
#define SYS_ARGV_SZ (1001)
#define SYS_ARGV (1002)

// Instructions per CCOUNT tick: QEMU counts CCOUNT at the core's 40 MHz of
// virtual time; with -icount shift=0 an instruction takes 1 ns.
#define CCOUNT_HZ (40000000)

extern uint8_t _estack;
void xtensa_spill_windows(void);

static int32_t simcall(int32_t op, int32_t a, int32_t b, int32_t c) {
    register int32_t a2 __asm__("a2") = op;
    register int32_t a3 __asm__("a3") = a;
    register int32_t a4 __asm__("a4") = b;
    register int32_t a5 __asm__("a5") = c;
    __asm__ volatile (".byte 0x00, 0x51, 0x00" : "+r" (a2), "+r" (a3) : "r" (a4), "r" (a5) : "memory");
    return a2;
}

static uint32_t ccount(void) {
    uint32_t c;
    __asm__ volatile ("rsr %0, ccount" : "=r" (c));
    return c;
}

static uint32_t ccount_last;
static uint64_t ccount_high;
static int rx_pending = -1;
static char cmdline[160];

// CCOUNT extended to 64 bits: called at least once per wrap (107 s) by
// anything that waits or reads the time.
static uint64_t ccount64(void) {
    uint32_t now = ccount();
    if (now < ccount_last) {
        ccount_high += 1ull << 32;
    }
    ccount_last = now;
    return ccount_high | now;
}

static void read_cmdline(void) {
    // argv is [firmware, words of -append...]: keep the words after argv[0]
    static char buf[256];
    int32_t argc = simcall(SYS_ARGC, 0, 0, 0);
    int32_t size = simcall(SYS_ARGV_SZ, 0, 0, 0);
    cmdline[0] = '\0';
    if (argc < 2 || size <= 0 || size > (int32_t)sizeof(buf)) {
        return;
    }
    simcall(SYS_ARGV, (int32_t)buf, 0, 0);
    char **argv = (char **)buf;
    size_t n = 0;
    for (int32_t i = 1; i < argc; i++) {
        size_t len = strlen(argv[i]);
        if (n + len + 2 > sizeof(cmdline)) {
            break;
        }
        memcpy(cmdline + n, argv[i], len);
        n += len;
        cmdline[n++] = ' ';
    }
    cmdline[n ? n - 1 : 0] = '\0';
}

void hal_init(void) {
    read_cmdline();
}

const char *hal_cmdline(void) {
    return cmdline;
}

static int poll_rx(void) {
    if (rx_pending < 0) {
        unsigned char c;
        if (simcall(SYS_READ, 0, (int32_t)&c, 1) == 1) {
            if (c == mp_interrupt_char) {
                mp_sched_keyboard_interrupt();
            } else {
                rx_pending = c;
            }
        }
    }
    return rx_pending >= 0;
}

int hal_uart_rx_any(void) {
    return poll_rx();
}

int hal_uart_rx(void) {
    while (!poll_rx()) {
        hal_wait();
        mp_handle_pending(true);
    }
    int c = rx_pending;
    rx_pending = -1;
    return c;
}

void hal_uart_tx(const char *buf, size_t len) {
    while (len > 0) {
        int32_t n = simcall(SYS_WRITE, 1, (int32_t)buf, len);
        if (n <= 0) {
            return;
        }
        buf += n;
        len -= n;
    }
}

// Sleep about 1 ms of virtual time: timer 0 (CCOMPARE0, interrupt 6) wakes
// the waiti; the user exception handler of start.s masks it again.
void hal_wait(void) {
    ccount64();
    uint32_t when = ccount() + CCOUNT_HZ / 1000;
    __asm__ volatile (
        "wsr %0, ccompare0\n"
        "movi a8, 1 << 6\n"
        "wsr a8, intenable\n"
        "rsync\n"
        "waiti 0\n"
        : : "r" (when) : "a8", "memory");
}

uint64_t hal_time_us64(void) {
    return ccount64() / (CCOUNT_HZ / 1000000);
}

uint32_t hal_ticks_us(void) {
    return (uint32_t)hal_time_us64();
}

uint32_t hal_ticks_ms(void) {
    return (uint32_t)(hal_time_us64() / 1000);
}

// The simcall opens a NUL-terminated name with the host's open() flags.
static int host_open(const char *path, size_t len, int32_t flags, int32_t mode) {
    char name[256];
    if (len >= sizeof(name)) {
        return -1;
    }
    memcpy(name, path, len);
    name[len] = '\0';
    return simcall(SYS_OPEN, (int32_t)name, flags, mode);
}

int hal_host_open(const char *path, size_t len) {
    return host_open(path, len, 0, 0);  // O_RDONLY
}

size_t hal_host_read(int handle, void *buf, size_t len) {
    int32_t n = simcall(SYS_READ, handle, (int32_t)buf, len);
    return n > 0 ? (size_t)n : 0;
}

int hal_host_create(const char *path, size_t len) {
    return host_open(path, len, 0x241, 0644);  // O_WRONLY | O_CREAT | O_TRUNC
}

int hal_host_write(int handle, const void *buf, size_t len) {
    return simcall(SYS_WRITE, handle, (int32_t)buf, len) == (int32_t)len ? 0 : -1;
}

void hal_host_close(int handle) {
    simcall(SYS_CLOSE, handle, 0, 0);
}

void hal_exit(int status) {
    for (;;) {
        simcall(SYS_EXIT, status, 0, 0);
    }
}

// The GC's roots: every register frame spilled to the stack, then the stack.
void gc_helper_collect_regs_and_stack(void) {
    xtensa_spill_windows();
    volatile uintptr_t sp = (uintptr_t)&sp;
    gc_collect_root((void **)(sp & ~3u), ((uintptr_t)&_estack - (sp & ~3u)) / sizeof(uintptr_t));
}
