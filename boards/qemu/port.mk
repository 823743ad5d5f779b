# The parts of the MicroPython port that every emulated board shares
# (boards/qemu for Cortex-M, boards/xtensa): sources relative to this folder
# or to MicroPython's tree, and those that hold qstrs. A board adds its HAL
# and startup code.
PORT_SRC_C = main.c store.c file.c modos.c modtime.c modsemihost.c \
	shared/readline/readline.c \
	shared/runtime/pyexec.c \
	shared/runtime/interrupt_char.c \
	shared/runtime/stdout_helpers.c \
	shared/runtime/sys_stdio_mphal.c \
	shared/libc/printf.c
PORT_SRC_QSTR = main.c file.c modos.c modtime.c modsemihost.c shared/readline/readline.c \
	shared/runtime/pyexec.c shared/runtime/sys_stdio_mphal.c
