// Float32 exp and reciprocal without libm or division, for the link
// functions of boosted trees (sigmoid, softmax) and IsolationForest scores.
// eml_math_exp: within 2 ulp of exp() for |x| <= 87 (inputs outside are
// clamped to +-87: a link never needs more). eml_math_reciprocal: 1/y
// within 2 ulp for normal positive y whose reciprocal is normal.
#ifndef EML_MATH_H
#define EML_MATH_H

#include <stdint.h>
#include "eml_text.h"

#ifdef __cplusplus
extern "C" {
#endif

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

#ifdef __cplusplus
}
#endif
#endif // EML_MATH_H
