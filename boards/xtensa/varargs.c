// Variadic functions compiled by tools/llvm-xtensa/esp32-gcc, called with 0
// to 10 variadic int, pointer, long long and double arguments after 1 to 3
// named ones; each reads its arguments back (directly, through va_copy and
// through a va_list passed on). Run on the emulated core (`make varargs`):
// it prints each failure and exits with their count. LLVM 22 lowers
// va_start and va_arg wrongly for Xtensa; the IR rewrite
// tools/llvm-xtensa/va_fix.py works around it (tests/test_xtensa.py).
#include <stdarg.h>
#include <stdint.h>

static void out(const char *s, int n) {
    register int a2 __asm__("a2") = 4;
    register int a3 __asm__("a3") = 1;
    register const char *a4 __asm__("a4") = s;
    register int a5 __asm__("a5") = n;
    __asm__ volatile (".byte 0x00, 0x51, 0x00" : "+r" (a2), "+r" (a3) : "r" (a4), "r" (a5) : "memory");
}

static void put_hex(uint32_t v) {
    char b[9];
    for (int i = 0; i < 8; i++) {
        b[i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 15];
    }
    b[8] = ' ';
    out(b, 9);
}

static void put_str(const char *s) {
    int n = 0;
    while (s[n]) {
        n++;
    }
    out(s, n);
}

// What a variadic function read: its named arguments, then one 64-bit slot
// per variadic argument.
static uint64_t got[16];
static int got_n;

// fmt: one letter per variadic argument: i int, p pointer, l long long, d double
static void read_args(const char *fmt, va_list ap) {
    got_n = 0;
    for (; *fmt; fmt++) {
        uint64_t v = 0;
        switch (*fmt) {
            case 'i': v = (uint32_t)va_arg(ap, int); break;
            case 'p': v = (uintptr_t)va_arg(ap, void *); break;
            case 'l': v = (uint64_t)va_arg(ap, long long); break;
            case 'd': { double d = va_arg(ap, double); __builtin_memcpy(&v, &d, 8); break; }
        }
        got[got_n++] = v;
    }
}

static int named[3];

__attribute__((noinline)) int va1(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    read_args(fmt, ap);
    va_end(ap);
    return got_n;
}

__attribute__((noinline)) int va2(int a, const char *fmt, ...) {
    named[0] = a;
    va_list ap, aq;
    va_start(ap, fmt);
    va_copy(aq, ap);
    read_args(fmt, aq);
    va_end(aq);
    va_end(ap);
    return got_n;
}

__attribute__((noinline)) int va3(int a, int b, const char *fmt, ...) {
    named[0] = a;
    named[1] = b;
    va_list ap;
    va_start(ap, fmt);
    read_args(fmt, ap);
    va_end(ap);
    return got_n;
}

// int only, read in the function itself (as MicroPython's mp_printf reads none
// but passes its va_list on, this is the other way).
__attribute__((noinline)) int sum(int n, ...) {
    va_list ap;
    va_start(ap, n);
    int s = 0;
    for (int i = 0; i < n; i++) {
        s = s * 3 + va_arg(ap, int);
    }
    va_end(ap);
    return s;
}

static int failures;

static void check(const char *what, int nnamed, const char *fmt, const uint64_t *want) {
    int bad = 0;
    for (int i = 0; fmt[i]; i++) {
        bad |= got[i] != want[i];
    }
    if (nnamed >= 2) {
        bad |= named[0] != 0x5a5a0001;
    }
    if (nnamed >= 3) {
        bad |= named[1] != 0x5a5a0002;
    }
    if (bad) {
        failures++;
        put_str(what);
        put_str(" ");
        put_str(fmt);
        put_str(": ");
        for (int i = 0; fmt[i]; i++) {
            put_hex((uint32_t)(got[i] >> 32));
            put_hex((uint32_t)got[i]);
        }
        put_str("\n");
    }
}

static double dbl(uint64_t bits) {
    double d;
    __builtin_memcpy(&d, &bits, 8);
    return d;
}

#define W(i) (0x1000000000000000ull * (i) + 0x0123456789ull * (i) + 0x11u * (i))
#define I(i) ((uint64_t)(uint32_t)W(i))

int main(void) {
    static const uint64_t ints[10] = {I(1), I(2), I(3), I(4), I(5), I(6), I(7), I(8), I(9), I(10)};
    static const char *const int_fmts[11] = {"", "i", "ii", "iii", "iiii", "iiiii", "iiiiii",
                                             "iiiiiii", "iiiiiiii", "iiiiiiiii", "iiiiiiiiii"};
    // 0..10 ints after 1, 2 and 3 named arguments
    va1(int_fmts[0]); check("va1", 1, int_fmts[0], ints);
    va1(int_fmts[1], (int)I(1)); check("va1", 1, int_fmts[1], ints);
    va1(int_fmts[2], (int)I(1), (int)I(2)); check("va1", 1, int_fmts[2], ints);
    va1(int_fmts[3], (int)I(1), (int)I(2), (int)I(3)); check("va1", 1, int_fmts[3], ints);
    va1(int_fmts[4], (int)I(1), (int)I(2), (int)I(3), (int)I(4)); check("va1", 1, int_fmts[4], ints);
    va1(int_fmts[5], (int)I(1), (int)I(2), (int)I(3), (int)I(4), (int)I(5)); check("va1", 1, int_fmts[5], ints);
    va1(int_fmts[6], (int)I(1), (int)I(2), (int)I(3), (int)I(4), (int)I(5), (int)I(6)); check("va1", 1, int_fmts[6], ints);
    va1(int_fmts[7], (int)I(1), (int)I(2), (int)I(3), (int)I(4), (int)I(5), (int)I(6), (int)I(7)); check("va1", 1, int_fmts[7], ints);
    va1(int_fmts[8], (int)I(1), (int)I(2), (int)I(3), (int)I(4), (int)I(5), (int)I(6), (int)I(7), (int)I(8)); check("va1", 1, int_fmts[8], ints);
    va1(int_fmts[9], (int)I(1), (int)I(2), (int)I(3), (int)I(4), (int)I(5), (int)I(6), (int)I(7), (int)I(8), (int)I(9)); check("va1", 1, int_fmts[9], ints);
    va1(int_fmts[10], (int)I(1), (int)I(2), (int)I(3), (int)I(4), (int)I(5), (int)I(6), (int)I(7), (int)I(8), (int)I(9), (int)I(10)); check("va1", 1, int_fmts[10], ints);
    va2(0x5a5a0001, int_fmts[1], (int)I(1)); check("va2", 2, int_fmts[1], ints);
    va2(0x5a5a0001, int_fmts[4], (int)I(1), (int)I(2), (int)I(3), (int)I(4)); check("va2", 2, int_fmts[4], ints);
    va2(0x5a5a0001, int_fmts[5], (int)I(1), (int)I(2), (int)I(3), (int)I(4), (int)I(5)); check("va2", 2, int_fmts[5], ints);
    va2(0x5a5a0001, int_fmts[10], (int)I(1), (int)I(2), (int)I(3), (int)I(4), (int)I(5), (int)I(6), (int)I(7), (int)I(8), (int)I(9), (int)I(10)); check("va2", 2, int_fmts[10], ints);
    va3(0x5a5a0001, 0x5a5a0002, int_fmts[3], (int)I(1), (int)I(2), (int)I(3)); check("va3", 3, int_fmts[3], ints);
    va3(0x5a5a0001, 0x5a5a0002, int_fmts[4], (int)I(1), (int)I(2), (int)I(3), (int)I(4)); check("va3", 3, int_fmts[4], ints);
    va3(0x5a5a0001, 0x5a5a0002, int_fmts[10], (int)I(1), (int)I(2), (int)I(3), (int)I(4), (int)I(5), (int)I(6), (int)I(7), (int)I(8), (int)I(9), (int)I(10)); check("va3", 3, int_fmts[10], ints);
    // pointers, long longs and doubles (8-byte aligned pairs), in registers and on the stack
    {
        static char x[4];
        uint64_t w[10] = {(uintptr_t)&x[0], W(2), (uintptr_t)&x[1], W(4), I(5), W(6), (uintptr_t)&x[2], W(8), I(9), W(10)};
        va1("plplilplil", (void *)&x[0], (long long)W(2), (void *)&x[1], (long long)W(4), (int)I(5),
            (long long)W(6), (void *)&x[2], (long long)W(8), (int)I(9), (long long)W(10));
        check("va1", 1, "plplilplil", w);
        va2(0x5a5a0001, "plplilplil", (void *)&x[0], (long long)W(2), (void *)&x[1], (long long)W(4), (int)I(5),
            (long long)W(6), (void *)&x[2], (long long)W(8), (int)I(9), (long long)W(10));
        check("va2", 2, "plplilplil", w);
        uint64_t d[6] = {0x3ff8000000000000ull, I(2), 0xc00c000000000000ull, 0x4059000000000000ull, I(5), 0x3fb999999999999aull};
        va1("didd" "id", dbl(d[0]), (int)d[1], dbl(d[2]), dbl(d[3]), (int)d[4], dbl(d[5]));
        check("va1", 1, "didid" "d", d);
        va3(0x5a5a0001, 0x5a5a0002, "didd" "id", dbl(d[0]), (int)d[1], dbl(d[2]), dbl(d[3]), (int)d[4], dbl(d[5]));
        check("va3", 3, "didid" "d", d);
        va2(0x5a5a0001, "idid" "di", (int)d[1], dbl(d[0]), (int)d[4], dbl(d[2]), dbl(d[3]), (int)d[1]);
        uint64_t e[6] = {d[1], d[0], d[4], d[2], d[3], d[1]};
        check("va2", 2, "ididdi", e);
    }
    // int sums: 1..10 arguments
    for (int n = 1; n <= 10; n++) {
        int s;
        switch (n) {
            case 1: s = sum(1, 1); break;
            case 2: s = sum(2, 1, 2); break;
            case 3: s = sum(3, 1, 2, 3); break;
            case 4: s = sum(4, 1, 2, 3, 4); break;
            case 5: s = sum(5, 1, 2, 3, 4, 5); break;
            case 6: s = sum(6, 1, 2, 3, 4, 5, 6); break;
            case 7: s = sum(7, 1, 2, 3, 4, 5, 6, 7); break;
            case 8: s = sum(8, 1, 2, 3, 4, 5, 6, 7, 8); break;
            case 9: s = sum(9, 1, 2, 3, 4, 5, 6, 7, 8, 9); break;
            default: s = sum(10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10); break;
        }
        int want = 0;
        for (int i = 1; i <= n; i++) {
            want = want * 3 + i;
        }
        if (s != want) {
            failures++;
            put_str("sum ");
            put_hex(n);
            put_hex(s);
            put_hex(want);
            put_str("\n");
        }
    }
    put_str(failures ? "varargs: FAILED\n" : "varargs: ok\n");
    return failures;
}
