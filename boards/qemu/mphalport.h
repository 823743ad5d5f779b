// MicroPython HAL of the emulated MPS2 boards: see hal.c.
#include "hal.h"
#include "shared/runtime/interrupt_char.h"

#define mp_hal_ticks_ms() ((mp_uint_t)hal_ticks_ms())
#define mp_hal_ticks_us() ((mp_uint_t)hal_ticks_us())
#define mp_hal_ticks_cpu() ((mp_uint_t)hal_ticks_us())
#define mp_hal_time_ns() (hal_time_us64() * 1000ULL)

// No pins on this board (and no extmod/virtpin.h in the pinned sources).
#define mp_hal_pin_obj_t void *

// Standard output to a host file opened with hal_host_create (main.c), or
// back to the UART with -1: semihost.capture().
void stdout_capture(int handle);
