// Float32 maths without libm and without division, for cores that run on
// soft-float boards. Each function is a fixed sequence of float32
// operations, so the numpy twin (export/math32.py) reproduces it bit for bit.
// eml_math_exp: within 2 ulp of exp() for |x| <= 87 (inputs outside are
// clamped to +-87). eml_math_reciprocal: 1/y within 2 ulp for normal
// positive y whose reciprocal is normal. eml_math_log2 / eml_math_exp2:
// exponent bits plus a polynomial (coefficients fitted for this file).
// eml_math_rsqrt: 1/sqrt(x) by Newton steps; eml_math_sqrt: x * rsqrt(x).
#ifndef EML_MATH_H
#define EML_MATH_H

#include <stdint.h>
#include "eml_text.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef union {
    float f;
    uint32_t u;
} EmlFloatBits;

#define EML_MATH_EXP_LIMIT 87.0f

// exp(x) = 2^k * exp(r), k = round(x / ln 2), r = x - k ln 2 taken in two
// parts (ln 2's high part has few bits, so k * high is exact), |r| <= 0.35;
// exp(r) by its Taylor series to r^7 (truncation below 5e-9 relative).
static inline float eml_math_exp(float x) {
    x = (x > EML_MATH_EXP_LIMIT) ? EML_MATH_EXP_LIMIT : (x < -EML_MATH_EXP_LIMIT) ? -EML_MATH_EXP_LIMIT : x;
    const float t = x * 1.44269504f;
    const int32_t k = (int32_t)(t + (t >= 0.0f ? 0.5f : -0.5f));
    const float kf = (float)k;
    const float r = (x - kf * 0.693145751953125f) - kf * 1.42860677e-06f;
    float p = 1.0f / 5040;
    p = p * r + 1.0f / 720;
    p = p * r + 1.0f / 120;
    p = p * r + 1.0f / 24;
    p = p * r + 1.0f / 6;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    return p * eml_text_bits_float((uint32_t)(k + 127) << 23);
}

// Newton's iteration from a guess by the exponent bits: four steps take
// the guess's 12% error to float32 rounding.
static inline float eml_math_reciprocal(float y) {
    float g = eml_text_bits_float(0x7ef311c3u - eml_text_float_bits(y));
    for (int i = 0; i < 3; i++) {
        g = g * (2.0f - y * g);
    }
    return g + g * (1.0f - y * g);
}

// log2(x) for a normal x > 0: exponent plus t * P(t), t = m - 1 with the
// mantissa m in [sqrt(1/2), sqrt(2)); within 1e-7 of log2(x).
static inline float eml_math_log2(float x) {
    EmlFloatBits v = {x};
    int e = (int)((v.u >> 23) & 0xff) - 127;
    v.u = (v.u & 0x007fffffu) | 0x3f800000u;
    float m = v.f;
    if (m > 1.41421356f) {
        m *= 0.5f;
        e += 1;
    }
    const float t = m - 1.0f;
    float p = -0.143028796f;
    p = p * t + 0.235702544f;
    p = p * t - 0.25048995f;
    p = p * t + 0.28688693f;
    p = p * t - 0.360065609f;
    p = p * t + 0.480932236f;
    p = p * t - 0.721357524f;
    p = p * t + 1.44269478f;
    return (float)e + t * p;
}

// 2^x for -126 < x < 127: 2^floor(x) from the exponent bits times
// 1 + f * Q(f), f = x - floor(x); within 1e-7 relative.
static inline float eml_math_exp2(float x) {
    int i = (int)x;
    if ((float)i > x) {
        i -= 1;
    }
    const float f = x - (float)i;
    float q = 0.000208291909f;
    q = q * f + 0.00126893527f;
    q = q * f + 0.00965244044f;
    q = q * f + 0.0554959364f;
    q = q * f + 0.240227222f;
    q = q * f + 0.693147182f;
    EmlFloatBits v = {1.0f + f * q};
    v.u += (uint32_t)i << 23;
    return v.f;
}

// 1/sqrt(x) for a normal x > 0: the classic first guess from the bits, then
// three Newton steps y = y * (1.5 - ((0.5 x) * y) * y).
static inline float eml_math_rsqrt(float x) {
    float y = eml_text_bits_float(0x5f3759dfu - (eml_text_float_bits(x) >> 1));
    const float half = 0.5f * x;
    for (int k = 0; k < 3; k++) {
        y = y * (1.5f - half * y * y);
    }
    return y;
}

// sqrt(x) for x >= 0 as x * rsqrt(x) (sqrt(0) = 0).
static inline float eml_math_sqrt(float x) {
    return x * eml_math_rsqrt(x);
}

#ifdef __cplusplus
}
#endif
#endif // EML_MATH_H
