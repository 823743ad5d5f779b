// Run-time functions that compiled C may call but that neither MicroPython's
// mpy_ld nor libgcc provide to a native module. The link step
// (host/emlearn_micropython/natmod_link.py) adds this object only when the
// module or its libgcc helpers need one of these names.
//
// - __aeabi_idiv0/__aeabi_ldiv0: called by libgcc's ARM integer division on
//   division by zero. libgcc defines them only weakly, and mpy_ld ignores
//   weak definitions. The result is the value passed in (the ARM run-time
//   ABI allows this); nothing traps.
// - memset/memcpy/memmove: gcc emits calls to them for big struct
//   initialisers and copies. Native modules have no libc. Plain byte loops:
//   keep them off hot paths (the build passes -fno-tree-loop-distribute-patterns
//   so that gcc does not turn our own loops into calls, including these).
#include <stddef.h>
#include <string.h>

int __aeabi_idiv0(int value);
long long __aeabi_ldiv0(long long value);

int __aeabi_idiv0(int value) {
    return value;
}

long long __aeabi_ldiv0(long long value) {
    return value;
}

void *memset(void *dest, int c, size_t n) {
    unsigned char *d = dest;
    while (n--) {
        *d++ = (unsigned char)c;
    }
    return dest;
}

void *memcpy(void *restrict dest, const void *restrict src, size_t n) {
    unsigned char *d = dest;
    const unsigned char *s = src;
    while (n--) {
        *d++ = *s++;
    }
    return dest;
}

void *memmove(void *dest, const void *src, size_t n) {
    unsigned char *d = dest;
    const unsigned char *s = src;
    if (d < s) {
        while (n--) {
            *d++ = *s++;
        }
    } else {
        while (n--) {
            d[n] = s[n];
        }
    }
    return dest;
}
