// float32 helpers with an exactly defined result, for cores whose results
// a numpy float32 twin must reproduce bit for bit (on top of eml_math.h's
// bit casts and 1/sqrt): 1/m correctly rounded, 1/sqrt and sqrt for the whole
// float range, a blocked compensated sum, integer keys in float order, and
// selection of order statistics.
#ifndef EML_F32_H
#define EML_F32_H

#include <stdint.h>
#include "eml_math.h"

#ifdef __cplusplus
extern "C" {
#endif

// A blocked float32 sum: the terms are added plainly in blocks of
// EML_F32_BLOCK consecutive terms (each block from +0; the last block may be
// shorter) and the block sums are added in order with compensation (Kahan,
// eml_f32_add: y = b - c, t = s + y, c = (t - s) - y, s = t). The error stays
// near (EML_F32_BLOCK + 2) eps of the sum of |terms| whatever the count (a
// plain sum grows with the count: 4096 equal int16 squares lose 1e-4), for
// one float add per term. Callers that compute terms on the fly write the
// block loop themselves; eml_f32_sum does it for an array.
#define EML_F32_BLOCK 16

typedef struct {
    float s, c;
} EmlF32Sum;

static inline void eml_f32_add(EmlF32Sum *a, float block) {
    const float y = block - a->c;
    const float t = a->s + y;
    a->c = (t - a->s) - y;
    a->s = t;
}

// The end of the block that starts at i (of m terms).
static inline int eml_f32_block_end(int i, int m) {
    return m - i > EML_F32_BLOCK ? i + EML_F32_BLOCK : m;
}

static inline float eml_f32_sum(const float *x, int m) {
    EmlF32Sum sum = {0.0f, 0.0f};
    for (int i0 = 0; i0 < m; i0 += EML_F32_BLOCK) {
        const int i1 = eml_f32_block_end(i0, m);
        float b = 0.0f;
        for (int i = i0; i < i1; i++) {
            b += x[i];
        }
        eml_f32_add(&sum, b);
    }
    return sum.s;
}

// An int32 key with the order of float32 values (finite or infinite), -0
// just below +0: a total order whose comparisons cost integer instructions
// (no soft-float calls); eml_f32_from_key inverts it.
static inline int32_t eml_f32_key(float v) {
    const uint32_t b = eml_text_float_bits(v);
    return (int32_t)(b >> 31 ? b ^ 0x7fffffffu : b);
}

static inline float eml_f32_from_key(int32_t k) {
    const uint32_t b = (uint32_t)k;
    return eml_text_bits_float(b >> 31 ? b ^ 0x7fffffffu : b);
}

// 1/m correctly rounded, for 2 <= m <= 2^24, by binary long division
// (integer operations only).
static inline float eml_f32_reciprocal(int m) {
    int e = 0;
    while ((1 << (e + 1)) <= m) {
        e++;
    }
    // 1/m = 2^-(e+1) * (2^(e+1)/m), 2^(e+1)/m in [1, 2): 24 bits + round bit
    uint32_t rem = (uint32_t)1 << (e + 1), q = 0;
    for (int i = 0; i < 25; i++) {
        const uint32_t bit = rem >= (uint32_t)m;
        rem -= bit ? (uint32_t)m : 0;
        q = (q << 1) | bit;
        rem <<= 1;
    }
    if (q == (uint32_t)1 << 24) {  // m a power of two: exact
        return eml_text_bits_float((uint32_t)(127 - e) << 23);
    }
    // q has 25 bits (the quotient is in (1, 2)); the last is the round bit,
    // and a remainder is never 0 then (1/m is not dyadic): round half up
    const uint32_t mant = (q >> 1) + (q & 1);
    return eml_text_bits_float(((uint32_t)(126 - e) << 23) + (mant - ((uint32_t)1 << 23)));
}

// 1/sqrt(v) for v > 0 finite: eml_math_rsqrt, with values below 2^-64
// scaled by 2^64 first (and the result by 2^32).
static inline float eml_f32_rsqrt(float v) {
    const int tiny = v < 0x1p-64f;
    const float r = eml_math_rsqrt(tiny ? v * 0x1p64f : v);
    return tiny ? r * 0x1p32f : r;
}

// sqrt(v) correctly rounded (IEEE sqrt) for v >= 0 by integer operations:
// v = m 2^x with m in [2^24, 2^26) and x even, then the 25-bit root of
// m 2^24 digit by digit (two radicand bits per step, the remainder stays
// below 2^27): 24 bits and a round bit, which is never a tie. 0 and infinity
// are returned as they are.
static inline float eml_f32_sqrt_int(float v) {
    const uint32_t b = eml_text_float_bits(v);
    if (!(v > 0.0f) || b >= 0x7f800000u) {
        return v;
    }
    int e = (int)(b >> 23);
    uint32_t m = b & 0x7fffffu;
    if (e == 0) {  // subnormal
        e = 1;
        while (!(m & 0x800000u)) {
            m <<= 1;
            e--;
        }
    }
    m |= 0x800000u;
    int x = e - 150;  // v = m 2^x, m in [2^23, 2^24)
    const int shift = (x & 1) ? 1 : 2;
    m <<= shift;
    x -= shift;
    uint32_t src = m << 6, rem = 0, root = 0;
    for (int i = 0; i < 25; i++) {
        rem = (rem << 2) | (src >> 30);
        src <<= 2;
        const uint32_t trial = (root << 2) | 1u;
        root <<= 1;
        if (rem >= trial) {
            rem -= trial;
            root |= 1u;
        }
    }
    // sqrt(v) = root 2^((x - 24) / 2), root in [2^24, 2^25)
    const uint32_t mant = (root >> 1) + (root & 1u);  // may carry into the exponent
    return eml_text_bits_float(((uint32_t)((x - 24) / 2 + 151) << 23) + (mant - 0x800000u));
}

// The same IEEE sqrt, by the FPU where it has one.
static inline float eml_f32_sqrt(float v) {
#if defined(__GNUC__) && defined(__ARM_FP) && (__ARM_FP & 4)
    float r;
    __asm__("vsqrt.f32 %0, %1" : "=t"(r) : "t"(v));
    return r;
#elif defined(__GNUC__) && defined(__x86_64__)
    float r;
    __asm__("sqrtss %1, %0" : "=x"(r) : "x"(v));
    return r;
#else
    return eml_f32_sqrt_int(v);
#endif
}

// Order statistics of a[0..m-1] in ascending ranks, by selection (Hoare
// partitions around the middle) that reuses the partitions of the ranks
// before: splits[0..n-1] are indices s, decreasing, with no value in a[0..s]
// above one after s (splits[0] = m - 1); a rank right after the last one is
// the smallest of the values up to the next split.
#define EML_I32_SPLITS 24

typedef struct {
    int32_t *a;
    int lo;  // the ranks below lo are in place
    int n;
    int splits[EML_I32_SPLITS];
} EmlI32Ranks;

static inline void eml_i32_ranks_init(EmlI32Ranks *r, int32_t *a, int m) {
    r->a = a;
    r->lo = 0;
    r->n = 1;
    r->splits[0] = m - 1;
}

// Move the value of rank k (above the ranks before) to a[k], with no larger
// value before it and no smaller one after it.
static inline void eml_i32_rank(EmlI32Ranks *r, int k) {
    int32_t *a = r->a;
    while (r->splits[r->n - 1] < k) {
        r->n--;
    }
    int lo = r->lo, hi = r->splits[r->n - 1];
    r->lo = k + 1;
    if (k == lo) {
        int best = lo;
        for (int i = lo + 1; i <= hi; i++) {
            best = a[i] < a[best] ? i : best;
        }
        const int32_t t = a[lo];
        a[lo] = a[best];
        a[best] = t;
        return;
    }
    while (lo < hi) {
        const int32_t pivot = a[lo + (hi - lo) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) {
                i++;
            }
            while (a[j] > pivot) {
                j--;
            }
            if (i <= j) {
                const int32_t t = a[i];
                a[i++] = a[j];
                a[j--] = t;
            }
        }
        if (k <= j) {
            if (r->n < EML_I32_SPLITS) {
                r->splits[r->n++] = j;
            }
            hi = j;
        } else if (k >= i) {
            lo = i;
        } else {
            return;
        }
    }
}

#ifdef __cplusplus
}
#endif
#endif // EML_F32_H
