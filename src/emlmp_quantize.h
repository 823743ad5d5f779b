// emlmp_quantize.h: Int16Scaler.transform on the device (eml_quantize.h)
// with the errors users read. Included after emlmp.h.
#ifndef EMLMP_QUANTIZE_H
#define EMLMP_QUANTIZE_H

#include "eml_quantize.h"

// out = round((x - offset) * scale) clipped to int16, n features; offset
// and scale are finite (the loaders refuse others), so a NaN result comes
// from x: ValueError "x[i] is nan", or "x[i] is inf: nan after scaling"
// (inf times a zero scale).
static inline void emlmp_quantize(const float *x, const float *offset, const float *scale, int16_t *out,
                                  int32_t n) {
    const int32_t bad = eml_quantize_int16(x, offset, scale, out, n);
    if (bad >= 0 && x[bad] != x[bad]) {
        EMLMP_RAISE(&mp_type_ValueError, "x[%d] is nan", EMLMP_INT(bad));
    } else if (bad >= 0) {
        EMLMP_RAISE(&mp_type_ValueError, "x[%d] is %r: nan after scaling", EMLMP_INT(bad),
                    EMLMP_OBJ(mp_obj_new_float(x[bad])));
    }
}

#endif // EMLMP_QUANTIZE_H
