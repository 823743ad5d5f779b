// MicroPython on the emulated MPS2 boards: heap, REPL loop, soft reset.
//
// The heap size comes from the QEMU command line (-append "heap=65536"),
// so that tests can run a board with a deliberately small heap.
#include <stdlib.h>
#include <string.h>

#include "hal.h"
#include "py/compile.h"
#include "py/gc.h"
#include "py/mperrno.h"
#include "py/mphal.h"
#include "py/runtime.h"
#include "py/stackctrl.h"
#include "py/stream.h"
#include "shared/readline/readline.h"
#include "shared/runtime/gchelper.h"
#include "shared/runtime/pyexec.h"
#include "store.h"

#define HEAP_DEFAULT (256 * 1024)
#define HEAP_MIN (16 * 1024)

extern uint8_t _sheap, _eheap, _sstack, _estack;

// The value of "key=<integer>" in the command line, or def.
static uint32_t cmdline_int(const char *key, uint32_t def) {
    const char *s = hal_cmdline();
    size_t n = strlen(key);
    while (s && *s) {
        if (strncmp(s, key, n) == 0 && s[n] == '=') {
            return strtoul(s + n + 1, NULL, 0);
        }
        s = strchr(s, ' ');
        s = s ? s + 1 : NULL;
    }
    return def;
}

int main(void) {
    hal_init();
    store_init();
    size_t heap_size = cmdline_int("heap", HEAP_DEFAULT);
    size_t heap_room = &_eheap - &_sheap;
    heap_size = heap_size < HEAP_MIN ? HEAP_MIN : heap_size > heap_room ? heap_room : heap_size;

    for (;;) {
        mp_stack_set_top(&_estack);
        mp_stack_set_limit(&_estack - &_sstack - 1024);
        gc_init(&_sheap, &_sheap + heap_size);
        mp_init();
        mp_obj_list_append(mp_sys_path, MP_OBJ_NEW_QSTR(qstr_from_str("/lib")));
        readline_init0();

        for (;;) {
            if (pyexec_mode_kind == PYEXEC_MODE_RAW_REPL) {
                if (pyexec_raw_repl() != 0) {
                    break;
                }
            } else {
                if (pyexec_friendly_repl() != 0) {
                    break;
                }
            }
        }
        stdout_capture(-1);
        mp_printf(&mp_plat_print, "MPY: soft reboot\n");
        gc_sweep_all();
        mp_deinit();
    }
}

void gc_collect(void) {
    gc_collect_start();
    gc_helper_collect_regs_and_stack();
    gc_collect_end();
}

mp_lexer_t *mp_lexer_new_from_file(qstr filename);

void nlr_jump_fail(void *val) {
    static const char msg[] = "\r\nFATAL: uncaught NLR\r\n";
    hal_uart_tx(msg, sizeof(msg) - 1);
    hal_exit(4);
}

void NORETURN __fatal_error(const char *msg) {
    hal_uart_tx(msg, strlen(msg));
    hal_exit(5);
}

#ifndef NDEBUG
void MP_WEAK __assert_func(const char *file, int line, const char *func, const char *expr) {
    mp_printf(&mp_plat_print, "assertion '%s' failed, at %s:%d\n", expr, file, line);
    __fatal_error("\r\nFATAL: assertion failed\r\n");
}
#endif

// MicroPython HAL
int mp_hal_stdin_rx_chr(void) {
    return hal_uart_rx();
}

// Standard output may go to a host file instead (semihost.capture): the
// emulated UART costs the emulator a call per byte, a file write one per
// call here. Unbuffered, so nothing printed is lost if the firmware faults.
// The capture ends at the raw REPL's Ctrl-D that closes a script's output,
// at soft reset, or when a write fails (the UART then takes the rest).
static int capture_file = -1;

void stdout_capture(int handle) {
    if (capture_file >= 0) {
        hal_host_close(capture_file);
    }
    capture_file = handle;
}

mp_uint_t mp_hal_stdout_tx_strn(const char *str, size_t len) {
    if (capture_file >= 0) {
        const char *eot = memchr(str, 4, len);
        size_t n = eot ? (size_t)(eot - str) : len;
        if (n > 0 && hal_host_write(capture_file, str, n) != 0) {
            stdout_capture(-1);
        } else {
            str += n;
            len -= n;
            if (eot) {
                stdout_capture(-1);
            }
        }
    }
    hal_uart_tx(str, len);
    return len;
}

uintptr_t mp_hal_stdio_poll(uintptr_t poll_flags) {
    uintptr_t ret = 0;
    if ((poll_flags & MP_STREAM_POLL_RD) && hal_uart_rx_any()) {
        ret |= MP_STREAM_POLL_RD;
    }
    if (poll_flags & MP_STREAM_POLL_WR) {
        ret |= MP_STREAM_POLL_WR;
    }
    return ret;
}

void mp_hal_delay_ms(mp_uint_t ms) {
    uint32_t start = hal_ticks_ms();
    while (hal_ticks_ms() - start < ms) {
        mp_handle_pending(true);
        hal_wait();
    }
}

void mp_hal_delay_us(mp_uint_t us) {
    uint32_t start = hal_ticks_us();
    while (hal_ticks_us() - start < us) {
    }
}
