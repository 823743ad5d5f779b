// setjmp/longjmp of boards/xtensa (setjmp.s): the windowed-ABI jmp_buf.
// Found before the C library's <setjmp.h> (the build puts this folder first).
#ifndef XTENSA_SETJMP_H
#define XTENSA_SETJMP_H

typedef int jmp_buf[10];

int setjmp(jmp_buf env);
void longjmp(jmp_buf env, int value) __attribute__((noreturn));

#endif
