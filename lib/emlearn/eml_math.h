// Float32 maths without libm and without division, for cores that run on
// soft-float boards: log2 and exp2 from the exponent bits plus a polynomial
// (coefficients fitted for this file), 1/x by Newton steps from a guess made
// of the bits, sqrt as x * rsqrt(x). Every function is a fixed sequence of
// float32 operations, so a numpy twin (export/mel.py) reproduces it exactly.
#ifndef EML_MATH_H
#define EML_MATH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef union {
    float f;
    uint32_t u;
} EmlFloatBits;

// log2(x) for a normal x > 0: exponent plus t * P(t), t = m - 1 with the
// mantissa m in [sqrt(1/2), sqrt(2)); within 1e-7 of log2(x).
static inline float eml_log2f(float x) {
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
static inline float eml_exp2f(float x) {
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

// 1/x for a normal x > 0: a first guess from the bits, then Newton steps.
static inline float eml_reciprocalf(float x) {
    EmlFloatBits v = {x};
    v.u = 0x7ef311c3u - v.u;
    float r = v.f;
    for (int k = 0; k < 4; k++) {
        r = r * (2.0f - x * r);
    }
    return r;
}

// sqrt(x) for x >= 0 as x * rsqrt(x) (sqrt(0) = 0).
static inline float eml_sqrtf(float x) {
    EmlFloatBits v = {x};
    v.u = 0x5f3759dfu - (v.u >> 1);
    float y = v.f;
    const float half = 0.5f * x;
    for (int k = 0; k < 3; k++) {
        y = y * (1.5f - half * y * y);
    }
    return x * y;
}

#ifdef __cplusplus
}
#endif
#endif // EML_MATH_H
