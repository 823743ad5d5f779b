// Float features to int16 by a per-feature affine map, as the host's
// Int16Scaler: v = (x - offset) * scale in float32, rounded half away from
// zero, clipped to [-32768, 32767].
#ifndef EML_QUANTIZE_H
#define EML_QUANTIZE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Returns the index of the first NaN input (out is then incomplete), or -1.
static inline int32_t eml_quantize_int16(const float *x, const float *offset, const float *scale, int16_t *out,
                                         int32_t n) {
    for (int32_t j = 0; j < n; j++) {
        float v = (x[j] - offset[j]) * scale[j];
        if (v != v) {
            return j;
        }
        v = (v >= 0.0f) ? v + 0.5f : v - 0.5f;
        out[j] = (v >= 32767.0f) ? 32767 : (v <= -32768.0f) ? -32768 : (int16_t)(int32_t)v;
    }
    return -1;
}

#ifdef __cplusplus
}
#endif
#endif // EML_QUANTIZE_H
