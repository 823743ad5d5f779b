// IIR filter on int16 samples in fixed point, for boards without an FPU: a
// cascade of second-order sections (scipy's sos rows), direct form I.
// Formats:
// - coefficients in int32, quantized at init from the float32 rows: the
//   feedback ones (a1, a2) q24, the numerator (b0, b1, b2) q(24 + h) with a
//   per-stage h in 0..8, the largest that keeps them below 2^30 (a narrow
//   low-pass stage has a numerator near 1e-4 and a gain near 1e4: q24 alone
//   would leave it 12 bits). Before that, powers of two move between the
//   sections' numerators (exact in float32, the cascade is unchanged) so that
//   the response of the first k sections peaks near 1 for every k: scipy
//   puts the whole gain (1e-15 for narrow filters) in the first row.
// - signals between sections and the delayed x, y values: q12 in int32
//   (|value| < 2^18, 8 times full scale; clamped there).
// - products: q24 x q12 as four 16x16->32 partial products, accumulated as
//   a high part (units 2^-4) and a middle part (units 2^-17), so a sum needs
//   no 64-bit arithmetic; one rounding per section output, with first-order
//   error feedback: the residual of y[t-1]'s rounding is added to y[t]
//   (noise transfer 1 - z^-1, zero at DC) when the poles lie in the right
//   half plane (a1 < 0), subtracted (1 + z^-1) otherwise. Without it a
//   narrow low-pass stage (DC gain 1/(1 + a1 + a2) near 10^4) would hold a
//   constant offset of a few LSB after its input stops: a dead band.
// - output: rounded to an integer and saturated to +-32767.
#ifndef EML_IIR_Q_H
#define EML_IIR_Q_H

#include <stdbool.h>
#include <stdint.h>
#include "eml_common.h"

#ifdef __cplusplus
extern "C" {
#endif

// Per stage: b0 b1 b2 -a1 -a2 as (c >> 16, c & 0xffff) pairs of the
// quantized c, then h, 8 - h, and the error feedback's sign mask (0: add,
// -1: subtract).
#define EML_IIR_Q_COEFFICIENTS 13
// Per stage: x[t-1] x[t-2] y[t-1] y[t-2] in q12, then the rounding residual
// of y[t-1] in units 2^-17.
#define EML_IIR_Q_STATES 5
#define EML_IIR_Q_LIMIT ((int32_t)(1 << 30) - 1)  // q12 clamp: 2^18 - 2^-12

typedef struct {
    int n_stages;
    int32_t *coefficients;  // caller-owned, EML_IIR_Q_COEFFICIENTS per stage
    int32_t *states;        // caller-owned, EML_IIR_Q_STATES per stage
} EmlIIRQ;

// |P(e^iw)|^2 for the polynomial p0 + p1 z^-1 + p2 z^-2 at s = sin^2(w/2),
// in a form without cancellation near w = 0 and pi:
//     (p0 + p1 + p2)^2 - 4 (p1 (p0 + p2) + 4 p0 p2) s + 16 p0 p2 s^2
static inline float eml_iir_q_power(const float *p, float s) {
    const float sum = (p[0] + p[2]) + p[1], q = 4.0f * p[0] * p[2];
    return sum * sum - 4.0f * (p[1] * (p[0] + p[2]) + q) * s + 4.0f * q * s * s;
}

// floor(log2(v)) of a positive normal float, from its exponent bits.
static inline int eml_iir_q_log2(float v) {
    union { float f; uint32_t u; } bits = {v};
    return (int)((bits.u >> 23) & 0xff) - 127;
}

// 2^e as a float, -126 <= e <= 127.
static inline float eml_iir_q_pow2(int e) {
    union { uint32_t u; float f; } bits = {(uint32_t)(e + 127) << 23};
    return bits.f;
}

// About 1/d for a positive normal float (relative error below 1e-4: enough
// for a gain estimate), without float division: a power of two within a
// factor 2, then Newton steps x (2 - d x).
static inline float eml_iir_q_reciprocal(float d) {
    float x = eml_iir_q_pow2(-eml_iir_q_log2(d) - 1);
    for (int i = 0; i < 4; i++) {
        x = x * (2.0f - d * x);
    }
    return x;
}

// The k-th frequency, as s = sin^2(w/2), at which eml_iir_q_gains looks:
// w = pi k / n_cos for k = 0..n_cos (cos, sin at table[2k], table[2k+1]),
// then for each stage the peak of its resonance 1/|A|^2,
// cos w = -a1 (1 + a2) / (4 a2), which a grid misses for poles near the
// unit circle.
static inline float eml_iir_q_freq(const float *sos, const float *table, int n_cos, int k) {
    if (k < n_cos) {
        const float c = table[2 * k], sn = table[2 * k + 1];
        // (1 - c) / 2 = sin^2 / (2 (1 + c)): no cancellation near w = 0
        return c > 0.0f ? sn * sn * eml_iir_q_reciprocal(2.0f + 2.0f * c) : 0.5f - 0.5f * c;
    }
    if (k == n_cos) {
        return 1.0f;
    }
    const float a1 = sos[6 * (k - n_cos - 1) + 4], a2 = sos[6 * (k - n_cos - 1) + 5];
    if (!(a2 > 1e-6f)) {
        return 0.0f;
    }
    const float v = (4.0f * a2 + a1 * (1.0f + a2)) * 0.125f * eml_iir_q_reciprocal(a2);
    return v > 1.0f ? 1.0f : v < 0.0f ? 0.0f : v;
}

// The power-of-two exponent g[s] for each stage's numerator: the first
// stages' cumulative peak response |H_0..H_s| (largest over the
// frequencies of eml_iir_q_freq) is brought to (2^-1.5, 2^0.5]; the last
// stage takes the rest, so the g sum to 0. `table` is an EmlFFT twiddle
// table of size 2 n_cos; power[] (n_cos + 1 + n_stages floats) is scratch.
static inline void eml_iir_q_gains(const float *sos, int n_stages, const float *table, int n_cos,
                                   float *power, int *g) {
    const int n_freq = n_cos + 1 + n_stages;
    int total = 0;
    for (int k = 0; k < n_freq; k++) {
        power[k] = 1.0f;
    }
    for (int s = 0; s < n_stages - 1; s++) {
        const float a[3] = {1.0f, sos[6 * s + 4], sos[6 * s + 5]};
        float peak = 0.0f;
        for (int k = 0; k < n_freq; k++) {
            const float f = eml_iir_q_freq(sos, table, n_cos, k);
            const float den = eml_iir_q_power(a, f);
            const float num = eml_iir_q_power(sos + 6 * s, f);
            const bool usable = den > 1e-30f && den < 1e30f;
            power[k] *= usable ? num * eml_iir_q_reciprocal(den) : 1.0f;
            peak = power[k] > peak ? power[k] : peak;
        }
        const int e = peak > 1e-30f && peak < 1e30f ? -((eml_iir_q_log2(peak) + 1) >> 1) : 0;
        for (int k = 0; k < n_freq; k++) {
            power[k] *= eml_iir_q_pow2(2 * e);
        }
        g[s] = e;
        total += e;
    }
    g[n_stages - 1] = -total;
}

// Quantize c * 2^e into the pair at out; false when not below 2^30.
static inline bool eml_iir_q_quantize(float c, int e, int32_t *out) {
    const float v = c * eml_iir_q_pow2(e);
    if (!(v > -1073741823.0f && v < 1073741823.0f)) {
        return false;
    }
    // from 2^23 on a float is an integer, and adding 0.5 could round up
    const float r = (v >= 8388608.0f || v <= -8388608.0f) ? 0.0f : 0.5f;
    const int32_t q = v >= 0.0f ? (int32_t)(v + r) : -(int32_t)(r - v);
    out[0] = q >> 16;
    out[1] = q & 0xffff;
    return true;
}

// The numerator's extra bits h (0..8) for the row's b0, b1, b2 scaled by 2^g.
static inline int eml_iir_q_extra_bits(const float *row, int g) {
    float m = 0.0f;
    for (int i = 0; i < 3; i++) {
        const float v = row[i] < 0.0f ? -row[i] : row[i];
        m = v > m ? v : m;
    }
    int h = 8;
    while (h > 0 && m * eml_iir_q_pow2(24 + g + h) >= 1073741823.0f) {
        h--;
    }
    return h;
}

// Zero the state of every stage.
static inline void eml_iir_q_reset(EmlIIRQ *filter) {
    for (int i = 0; i < EML_IIR_Q_STATES * filter->n_stages; i++) {
        filter->states[i] = 0;
    }
}

// Quantize the float32 sos rows (6 per stage, a0 == 1, checked by
// eml_iir_bad_stage) with the numerator exponents g (eml_iir_q_gains).
// EmlOutOfRange when a scaled coefficient is not below 64 in magnitude.
static inline EmlError eml_iir_q_init(EmlIIRQ *filter, const float *sos, int n_stages, const int *g,
                                      int32_t *coefficients, int32_t *states) {
    EML_PRECONDITION(filter && sos && g && coefficients && states, EmlBadArgument);
    EML_PRECONDITION(n_stages >= 1, EmlSizeMismatch);
    for (int s = 0; s < n_stages; s++) {
        const float *row = sos + 6 * s;
        int32_t *c = coefficients + EML_IIR_Q_COEFFICIENTS * s;
        EML_PRECONDITION(g[s] > -90 && g[s] < 90, EmlOutOfRange);
        const int e = 24 + g[s] + eml_iir_q_extra_bits(row, g[s]);
        const bool ok = eml_iir_q_quantize(row[0], e, c) && eml_iir_q_quantize(row[1], e, c + 2) &&
                        eml_iir_q_quantize(row[2], e, c + 4) && eml_iir_q_quantize(-row[4], 24, c + 6) &&
                        eml_iir_q_quantize(-row[5], 24, c + 8);
        EML_PRECONDITION(ok, EmlOutOfRange);
        c[10] = e - 24 - g[s];
        c[11] = 8 - c[10];
        c[12] = row[4] < 0.0f ? 0 : -1;
    }
    filter->n_stages = n_stages;
    filter->coefficients = coefficients;
    filter->states = states;
    eml_iir_q_reset(filter);
    return EmlOk;
}

// Add the q24 coefficient (ch, cl) times the q12 value v: high part to hi
// (units 2^-4), the rest to mid (units 2^-17).
#define EML_IIR_Q_MAC(hi, mid, c, v) \
    do { \
        const int32_t vh_ = (v) >> 16; \
        const uint32_t vl_ = (uint32_t)(v) & 0xffffu; \
        hi += (c)[0] * vh_; \
        mid += ((c)[0] * (int32_t)vl_ + (c)[1] * vh_ + (int32_t)(((uint32_t)(c)[1] * vl_) >> 16)) >> 3; \
    } while (0)

// One stage on the q12 input x; returns its q12 output. The numerator sums
// are in units 2^-h of the feedback sums'.
static inline int32_t eml_iir_q_stage(const int32_t *c, int32_t *state, int32_t x) {
    const int h = c[10];
    int32_t hb = 0, mb = 0, ha = 0, ma = 0;
    EML_IIR_Q_MAC(hb, mb, c, x);
    EML_IIR_Q_MAC(hb, mb, c + 2, state[0]);
    EML_IIR_Q_MAC(hb, mb, c + 4, state[1]);
    EML_IIR_Q_MAC(ha, ma, c + 6, state[2]);
    EML_IIR_Q_MAC(ha, ma, c + 8, state[3]);
    const int32_t mid = (mb >> h) + ma + ((state[4] ^ c[12]) - c[12]);
    const int32_t low = (mid + 16) >> 5;
    int32_t y = (int32_t)(((uint32_t)hb << c[11]) + ((uint32_t)ha << 8) + (uint32_t)low);
    y = y > EML_IIR_Q_LIMIT ? EML_IIR_Q_LIMIT : y < -EML_IIR_Q_LIMIT ? -EML_IIR_Q_LIMIT : y;
    state[4] = mid - low * 32;
    state[1] = state[0];
    state[0] = x;
    state[3] = state[2];
    state[2] = y;
    return y;
}

// Filter samples[0..length-1] in place; the state carries over between
// calls, so any split of a signal into blocks gives the same output.
static inline void eml_iir_q_run(EmlIIRQ *filter, int16_t *samples, int length) {
    const int32_t *end = filter->coefficients + EML_IIR_Q_COEFFICIENTS * filter->n_stages;
    for (int i = 0; i < length; i++) {
        int32_t v = (int32_t)samples[i] * 4096;
        int32_t *state = filter->states;
        for (const int32_t *c = filter->coefficients; c < end; c += EML_IIR_Q_COEFFICIENTS) {
            v = eml_iir_q_stage(c, state, v);
            state += EML_IIR_Q_STATES;
        }
        v = (v + 2048) >> 12;
        samples[i] = (int16_t)(v > 32767 ? 32767 : v < -32767 ? -32767 : v);
    }
}

#ifdef __cplusplus
}
#endif
#endif // EML_IIR_Q_H
