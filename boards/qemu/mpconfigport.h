// MicroPython configuration of the emulated MPS2 boards (QEMU).
#include <stdint.h>

#define MICROPY_CONFIG_ROM_LEVEL (MICROPY_CONFIG_ROM_LEVEL_EXTRA_FEATURES)

// Single-precision floats, as on most microcontrollers with MicroPython.
#define MICROPY_FLOAT_IMPL (MICROPY_FLOAT_IMPL_FLOAT)
#define MICROPY_LONGINT_IMPL (MICROPY_LONGINT_IMPL_MPZ)
#define MICROPY_ERROR_REPORTING (MICROPY_ERROR_REPORTING_DETAILED)

// Loading native .mpy files: the native emitter gives the native arch
// (armv7m on the M3, armv7emsp on the M4F, xtensawin on the emulated
// Xtensa of boards/xtensa) and mp_fun_table.
#define MICROPY_PERSISTENT_CODE_LOAD (1)
#if defined(__xtensa__)
#define MICROPY_EMIT_XTENSAWIN (1)
#else
#define MICROPY_EMIT_THUMB (1)
#define MICROPY_EMIT_INLINE_THUMB (0)
#define MICROPY_MAKE_POINTER_CALLABLE(p) ((void *)((uintptr_t)(p) | 1))
#endif
// Files come from our own store (store.c): reader, lexer, import stat.
#define MICROPY_READER_VFS (1)

#define MICROPY_ENABLE_GC (1)
#define MICROPY_STACK_CHECK (1)
#define MICROPY_HELPER_REPL (1)
#define MICROPY_KBD_EXCEPTION (1)
#define MICROPY_ENABLE_SCHEDULER (1)
#define MICROPY_REPL_INFO (1)
// Big raw-paste windows: fewer round trips per command from mpremote.
#define MICROPY_REPL_STDIN_BUFFER_MAX (8192)
#define MICROPY_USE_INTERNAL_PRINTF (1)
#define MICROPY_PY_SYS_PLATFORM "qemu"
#define MICROPY_PY_SYS_STDFILES (1)
#define MICROPY_PY_SYS_EXIT (1)
#define MICROPY_PY_IO (1)
#define MICROPY_PY_ERRNO (1)
#define MICROPY_USE_INTERNAL_ERRNO (1)
#define MICROPY_PY_MICROPYTHON_MEM_INFO (1)
#define MICROPY_PY_BUILTINS_HELP (0)
#define MICROPY_ROM_TEXT_COMPRESSION (0)
#define MICROPY_ALLOC_PATH_MAX (128)
#define MICROPY_PY_THREAD (0)
#define MICROPY_PY_UCTYPES (0)

#define MICROPY_HW_BOARD_NAME QEMU_BOARD_NAME
#define MICROPY_HW_MCU_NAME QEMU_MCU_NAME
#define MICROPY_BANNER_MACHINE QEMU_BOARD_NAME " with " QEMU_MCU_NAME

typedef int32_t mp_int_t;
typedef uint32_t mp_uint_t;
typedef long mp_off_t;

#define MP_SSIZE_MAX (0x7fffffff)
#define MICROPY_ENABLE_EXTERNAL_IMPORT (1)

#if defined(__xtensa__)
// Windowed ABI: setjmp/longjmp of boards/xtensa (they spill the register
// windows); no libm there, so no math module.
#define MICROPY_NLR_SETJMP (1)
#define MICROPY_PY_MATH (0)
#define MICROPY_PY_CMATH (0)
#define MICROPY_PY_BUILTINS_COMPLEX (0)
#else
// Cortex-M: thumb nlr and register scan
#define MICROPY_NLR_THUMB (1)
#endif

#include <alloca.h>

#define MP_STATE_PORT MP_STATE_VM
