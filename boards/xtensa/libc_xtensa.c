// What MicroPython's core needs beyond shared/libc/string0.c on the emulated
// Xtensa board, where no C library or compiler run-time exists for the
// windowed ABI: a few C library functions, the float functions the VM calls
// (float division, floor, fmod, pow for formatting and parsing), the
// conversions that varargs and 'd' arrays make through double, and 64-bit
// unsigned division. Written from the IEEE 754 formats; division and the
// conversions round to nearest even like the hardware would.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

union f32 {
    float f;
    uint32_t u;
};
union f64 {
    double d;
    uint64_t u;
};

unsigned long strtoul(const char *s, char **end, int base);
char *strrchr(const char *s, int c);
int __fpclassifyf(float x);
float copysignf(float x, float y);
float nanf(const char *tag);
float floorf(float x);
float nearbyintf(float x);
float fmodf(float x, float y);
float powf(float x, float y);
float __divsf3(float a, float b);
double __extendsfdf2(float x);
float __truncdfsf2(double x);
double __floatsidf(int32_t i);
uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __fixunssfdi(float x);

unsigned long strtoul(const char *s, char **end, int base) {
    unsigned long v = 0;
    if (base == 0) {
        base = 10;
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
            base = 16;
            s += 2;
        }
    }
    for (;; s++) {
        int d = *s >= '0' && *s <= '9' ? *s - '0'
            : *s >= 'a' && *s <= 'z' ? *s - 'a' + 10
            : *s >= 'A' && *s <= 'Z' ? *s - 'A' + 10 : 99;
        if (d >= base) {
            break;
        }
        v = v * base + d;
    }
    if (end) {
        *end = (char *)s;
    }
    return v;
}

char *strrchr(const char *s, int c) {
    const char *last = NULL;
    do {
        if (*s == (char)c) {
            last = s;
        }
    } while (*s++);
    return (char *)last;
}

// picolibc's fpclassify values: FP_NAN 0, FP_INFINITE 1, FP_ZERO 2,
// FP_SUBNORMAL 3, FP_NORMAL 4.
int __fpclassifyf(float x) {
    union f32 v = { x };
    uint32_t e = (v.u >> 23) & 0xff, m = v.u & 0x7fffff;
    return e == 0xff ? (m ? 0 : 1) : e == 0 ? (m ? 3 : 2) : 4;
}

float copysignf(float x, float y) {
    union f32 a = { x }, b = { y };
    a.u = (a.u & 0x7fffffff) | (b.u & 0x80000000);
    return a.f;
}

float nanf(const char *tag) {
    (void)tag;
    union f32 v = { .u = 0x7fc00000 };
    return v.f;
}

// x with the fraction bits below 2**0 cleared (toward zero).
static float trunc_f(float x) {
    union f32 v = { x };
    int e = (int)((v.u >> 23) & 0xff) - 127;
    if (e >= 23) {
        return x;
    }
    v.u &= e < 0 ? 0x80000000 : ~(0x7fffffu >> e);
    return v.f;
}

float floorf(float x) {
    float t = trunc_f(x);
    return t > x ? t - 1.0f : t;
}

float nearbyintf(float x) {
    float t = trunc_f(x), r = x - t;  // exact
    if (r > 0.5f || (r == 0.5f && fmodf(t, 2.0f) != 0.0f)) {
        return t + 1.0f;
    }
    if (r < -0.5f || (r == -0.5f && fmodf(t, 2.0f) != 0.0f)) {
        return t - 1.0f;
    }
    return t;
}

// Exact remainder by long division of the significands, both normalised
// to [2**23, 2**24) first (so one subtraction per step suffices).
float fmodf(float x, float y) {
    union f32 a = { x }, b = { y };
    uint32_t sign = a.u & 0x80000000;
    int32_t ea = (a.u >> 23) & 0xff, eb = (b.u >> 23) & 0xff;
    uint32_t ma = a.u & 0x7fffff, mb = b.u & 0x7fffff;
    if (ea == 0xff || (b.u << 1) == 0 || (eb == 0xff && mb)) {
        return nanf("");
    }
    if ((a.u & 0x7fffffff) < (b.u & 0x7fffffff)) {
        return x;
    }
    for (ma = ea ? ma | 0x800000 : ma, ea = ea ? ea : 1; ma < 0x800000; ma <<= 1) {
        ea--;
    }
    for (mb = eb ? mb | 0x800000 : mb, eb = eb ? eb : 1; mb < 0x800000; mb <<= 1) {
        eb--;
    }
    for (; ea > eb; ea--) {
        if (ma >= mb) {
            ma -= mb;
        }
        ma <<= 1;
    }
    if (ma >= mb) {
        ma -= mb;
    }
    if (ma == 0) {
        a.u = sign;
        return a.f;
    }
    for (; ma < 0x800000; ma <<= 1) {
        eb--;
    }
    // exact: a remainder below |y| fits a float, even when subnormal
    a.u = sign | (eb >= 1 ? ((uint32_t)eb << 23) | (ma & 0x7fffff) : ma >> (1 - eb));
    return a.f;
}

// Round m * 2**(e - 153) to a float32 with the given sign and biased
// exponent e: once normalised m has its leading one at bit 26, then 23
// fraction bits and 3 guard bits (the lowest one sticky).
static float pack_f32(uint32_t sign, int32_t e, uint32_t m) {
    while (m >= (1u << 27)) {
        m = (m >> 1) | (m & 1);
        e++;
    }
    while (m && m < (1u << 26)) {
        m <<= 1;
        e--;
    }
    if (e >= 255) {
        union f32 inf = { .u = sign | 0x7f800000 };
        return inf.f;
    }
    if (e <= 0) {  // subnormal: shift right, keeping the sticky bit
        int shift = 1 - e;
        m = shift > 27 ? (m != 0) : (m >> shift) | ((m & ((1u << shift) - 1)) != 0);
        e = 0;
    }
    uint32_t keep = m >> 3, rest = m & 7;
    if (rest > 4 || (rest == 4 && (keep & 1))) {
        keep++;
    }
    // a carry out of the significand moves to the exponent by itself
    union f32 v = { .u = sign | (((uint32_t)e << 23) + keep - (e ? 0x800000 : 0)) };
    if (e == 0 && keep >= 0x800000) {
        v.u = sign | keep;  // rounded up to the smallest normal
    }
    return v.f;
}

float __divsf3(float x, float y) {
    union f32 a = { x }, b = { y };
    uint32_t sign = (a.u ^ b.u) & 0x80000000;
    int32_t ea = (a.u >> 23) & 0xff, eb = (b.u >> 23) & 0xff;
    uint32_t ma = a.u & 0x7fffff, mb = b.u & 0x7fffff;
    union f32 r;
    if ((ea == 0xff && ma) || (eb == 0xff && mb) || (ea == 0xff && eb == 0xff)
        || ((a.u << 1) == 0 && (b.u << 1) == 0)) {
        return nanf("");
    }
    if (ea == 0xff || (b.u << 1) == 0) {
        r.u = sign | 0x7f800000;
        return r.f;
    }
    if (eb == 0xff || (a.u << 1) == 0) {
        r.u = sign;
        return r.f;
    }
    for (ma = ea ? ma | 0x800000 : ma, ea = ea ? ea : 1; ma < 0x800000; ma <<= 1) {
        ea--;
    }
    for (mb = eb ? mb | 0x800000 : mb, eb = eb ? eb : 1; mb < 0x800000; mb <<= 1) {
        eb--;
    }
    // 27 quotient bits of ma / mb (ma, mb in [2**23, 2**24))
    uint32_t q = 0, rem = ma;
    for (int i = 0; i < 27; i++) {
        q <<= 1;
        if (rem >= mb) {
            rem -= mb;
            q |= 1;
        }
        rem <<= 1;
    }
    q |= rem != 0;
    // q = ma/mb * 2**26, in [2**25, 2**27): value = q * 2**(ea - eb - 26)
    return pack_f32(sign, ea - eb + 127 - 26 + 26, q);
}

double __extendsfdf2(float x) {
    union f32 v = { x };
    union f64 d;
    uint64_t sign = (uint64_t)(v.u >> 31) << 63;
    uint32_t e = (v.u >> 23) & 0xff, m = v.u & 0x7fffff;
    if (e == 0xff) {
        d.u = sign | 0x7ff0000000000000ull | ((uint64_t)m << 29);
    } else if (e == 0) {
        if (m == 0) {
            d.u = sign;
        } else {
            int32_t ed = 1 - 127 + 1023;
            while (!(m & 0x800000)) {
                m <<= 1;
                ed--;
            }
            d.u = sign | ((uint64_t)ed << 52) | ((uint64_t)(m & 0x7fffff) << 29);
        }
    } else {
        d.u = sign | ((uint64_t)(e - 127 + 1023) << 52) | ((uint64_t)m << 29);
    }
    return d.d;
}

float __truncdfsf2(double x) {
    union f64 d = { x };
    uint32_t sign = (uint32_t)(d.u >> 32) & 0x80000000;
    int32_t e = (int32_t)((d.u >> 52) & 0x7ff);
    uint64_t m = d.u & 0xfffffffffffffull;
    if (e == 0x7ff) {
        union f32 v = { .u = sign | 0x7f800000 | (m ? 0x400000 : 0) };
        return v.f;
    }
    if (e == 0) {  // double subnormals are far below float's range
        union f32 v = { .u = sign | (m ? 1u : 0u) };
        return m ? pack_f32(sign, -200, 1) : v.f;
    }
    // 1.m with 26 bits kept (bit 26 the leading one), the rest as sticky
    uint32_t top = (uint32_t)((m | (1ull << 52)) >> 26);
    top |= (m & ((1ull << 26) - 1)) != 0;
    return pack_f32(sign, e - 1023 + 127, top);
}

double __floatsidf(int32_t i) {
    union f64 d = { .u = 0 };
    if (i == 0) {
        return d.d;
    }
    uint64_t sign = i < 0 ? 1ull << 63 : 0;
    uint64_t m = i < 0 ? (uint64_t)(-(int64_t)i) : (uint64_t)i;
    int32_t e = 1023 + 52;
    while (m < (1ull << 52)) {
        m <<= 1;
        e--;
    }
    d.u = sign | ((uint64_t)e << 52) | (m & 0xfffffffffffffull);
    return d.d;
}

uint64_t __udivdi3(uint64_t n, uint64_t d) {
    uint64_t q = 0, r = 0;
    for (int i = 63; i >= 0; i--) {
        r = (r << 1) | ((n >> i) & 1);
        if (r >= d) {
            r -= d;
            q |= 1ull << i;
        }
    }
    return q;
}

uint64_t __fixunssfdi(float x) {
    union f32 v = { x };
    int32_t e = (int32_t)((v.u >> 23) & 0xff) - 127;
    if ((v.u >> 31) || e < 0) {
        return 0;
    }
    if (e >= 64) {
        return ~0ull;
    }
    uint64_t m = (v.u & 0x7fffff) | 0x800000;
    return e >= 23 ? m << (e - 23) : m >> (23 - e);
}

// x**y. Integer y: by squaring; powers of ten (float formatting and parsing)
// are kept within a rounding or two of the exact value by doing the
// squaring on the largest exactly representable steps. Other y: through
// exp2(y * log2(x)) with float polynomials, a few 1e-6 relative.
static float pow_int(float x, int32_t n) {
    float r = 1.0f;
    int neg = n < 0;
    uint32_t k = neg ? (uint32_t)(-n) : (uint32_t)n;
    while (k) {
        if (k & 1) {
            r *= x;
        }
        x *= x;
        k >>= 1;
    }
    return neg ? __divsf3(1.0f, r) : r;
}

// x**n in two halves when x**|n| alone would overflow (10**-40).
static float pow_int_split(float x, int32_t n) {
    float r = pow_int(x, n);
    if ((r == 0.0f || r - r != 0.0f) && (n > 1 || n < -1)) {
        return pow_int(x, n / 2) * pow_int(x, n - n / 2);
    }
    return r;
}

static float log2_f(float x) {
    union f32 v = { x };
    int32_t e = (int32_t)((v.u >> 23) & 0xff) - 127;
    v.u = (v.u & 0x7fffff) | 0x3f800000;  // m in [1, 2)
    float m = v.f;
    if (m > 1.41421356f) {
        m *= 0.5f;
        e++;
    }
    float t = __divsf3(m - 1.0f, m + 1.0f), t2 = t * t;
    // 2*atanh(t)/ln 2 series
    float s = t * (2.88539008f + t2 * (0.961796694f + t2 * (0.577078016f + t2 * 0.412198595f)));
    return (float)e + s;
}

static float exp2_f(float y) {
    if (y > 128.0f) {
        return __divsf3(1.0f, 0.0f);
    }
    if (y < -150.0f) {
        return 0.0f;
    }
    float n = floorf(y), f = (y - n) * 0.693147181f;
    float p = 1.0f + f * (1.0f + f * (0.5f + f * (0.166666667f + f * (0.0416666667f
        + f * (0.00833333333f + f * (0.00138888889f + f * 0.000198412698f))))));
    return p * pow_int(2.0f, (int32_t)n);
}

float powf(float x, float y) {
    if (y == 0.0f) {
        return 1.0f;
    }
    if (y == trunc_f(y) && y > -1e9f && y < 1e9f) {
        return pow_int_split(x, (int32_t)y);
    }
    if (x < 0.0f) {
        return nanf("");
    }
    if (x == 0.0f) {
        return y > 0.0f ? 0.0f : __divsf3(1.0f, 0.0f);
    }
    return exp2_f(y * log2_f(x));
}
