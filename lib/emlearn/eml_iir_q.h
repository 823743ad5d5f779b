// IIR filter on int16 samples in fixed point, for boards without an FPU: a
// cascade of second-order sections (scipy's sos rows), direct form I, run
// stage by stage over chunks of EML_IIR_Q_CHUNK samples.
// Formats:
// - coefficients in int32, quantized at init from the float32 rows: the
//   feedback ones (a1, a2) q24, the numerator (b0, b1, b2) q(24 + h) with a
//   per-stage h in 0..16, the largest that keeps |b0| + |b1| + |b2| below
//   2^26 (a narrow low-pass stage has a numerator near 1e-4 and a gain near
//   1e4: q24 alone would leave it 12 bits, and an elliptic stage's
//   numerator b0 + b1 + b2 cancels 100-fold at DC: the float32 values must
//   stay exact). Before that, powers of two move between the sections'
//   numerators (exact in float32, the cascade is unchanged) so that the
//   response of the first k sections peaks near 1 for every k: scipy puts
//   the whole gain (1e-15 for narrow filters) in the first row.
// - signals (between sections, and their delayed values): q12, |v| <= 2^29
//   (4 times full scale; clamped there), stored as pairs v = v_h 2^12 + v_l.
// - products: coefficient pairs c = c_h 2^12 + c_l (-2048 <= c_l < 2048)
//   times signal pairs, three 32-bit multiplies (c_h v_h, c_h v_l, c_l v_h;
//   c_l v_l, below 2^-13 of an output unit, is dropped), summed as a high
//   part in q12 units and a middle part in units 2^-24: no 64-bit
//   arithmetic. The numerator's sums are moved from q(36 + h) to q36.
// - two roundings per section output, each with first-order error feedback
//   (the residual of the last rounding is added before the next one, so the
//   error is shaped by 1 - z^-1, zero at DC): from units 2^-24 to q12, and
//   from q12 to the pair's v_h (so v_l = e[t] - e[t-1], and the dropped
//   c_l v_l are shaped the same way). A narrow low-pass stage has a DC gain
//   1/(1 + a1 + a2) near 10^4: white rounding noise there would be
//   amplified 10^3-fold, and a plain rounding would leave a dead band.
// - output: v rounded half up to an integer and saturated to +-32767.
#ifndef EML_IIR_Q_H
#define EML_IIR_Q_H

#include <stdbool.h>
#include <stdint.h>
#include "eml_common.h"

#ifdef __cplusplus
extern "C" {
#endif

// Per stage: b0 b1 b2 -a1 -a2 as (c_h, c_l) pairs of the quantized c
// (c = c_h 2^12 + c_l, -2048 <= c_l < 2048), then h and 2^h - 1.
#define EML_IIR_Q_COEFFICIENTS 12
// Samples per pass: each stage filters a chunk of this many samples before
// the next stage runs (its coefficients and signals stay at hand).
#define EML_IIR_Q_CHUNK 64
// States: per stage the two rounding residuals of its last output, then per
// boundary (input, between stages, output) a signal buffer of 2 + CHUNK
// values (the two before the chunk, then the chunk) as (v_h, v_l) pairs.
#define EML_IIR_Q_BUFFER (2 * (EML_IIR_Q_CHUNK + 2))
#define EML_IIR_Q_STATES(n_stages) (2 * (n_stages) + ((n_stages) + 1) * EML_IIR_Q_BUFFER)
#define EML_IIR_Q_LIMIT ((int32_t)1 << 29)  // q12 clamp: [-2^17, 2^17 - 2^-12]

typedef struct {
    int n_stages;
    int32_t *coefficients;  // caller-owned, EML_IIR_Q_COEFFICIENTS per stage
    int32_t *states;        // caller-owned, EML_IIR_Q_STATES(n_stages)
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

// Quantize c * 2^e into the pair at out; false when not below 2^27.
static inline bool eml_iir_q_quantize(float c, int e, int32_t *out) {
    const float v = c * eml_iir_q_pow2(e);
    if (!(v > -134217727.0f && v < 134217727.0f)) {
        return false;
    }
    // from 2^23 on a float is an integer, and adding 0.5 could round up
    const float r = (v >= 8388608.0f || v <= -8388608.0f) ? 0.0f : 0.5f;
    const int32_t q = v >= 0.0f ? (int32_t)(v + r) : -(int32_t)(r - v);
    out[0] = (q + 2048) >> 12;
    out[1] = q - out[0] * 4096;
    return true;
}

// The numerator's extra bits h (0..16) for the row's b0, b1, b2 scaled by
// 2^g: the largest that keeps |b0| + |b1| + |b2| below 2^26 - 2^16 in
// q(24 + h), so that the high parts' sum of the numerator cannot wrap
// (|v_h| <= 2^17 + 1) when h > 0; 24 bits or more for the largest b.
static inline int eml_iir_q_extra_bits(const float *row, int g) {
    float m = 0.0f;
    for (int i = 0; i < 3; i++) {
        m += row[i] < 0.0f ? -row[i] : row[i];
    }
    int h = 16;
    while (h > 0 && m * eml_iir_q_pow2(24 + g + h) >= 67043328.0f) {
        h--;
    }
    return h;
}

// Zero the state of every stage.
static inline void eml_iir_q_reset(EmlIIRQ *filter) {
    for (int i = 0; i < EML_IIR_Q_STATES(filter->n_stages); i++) {
        filter->states[i] = 0;
    }
}

// Quantize the float32 sos rows (6 per stage, a0 == 1, checked by
// eml_iir_bad_stage) with the numerator exponents g (eml_iir_q_gains).
// EmlOutOfRange when a scaled coefficient is not below 8 in magnitude (so
// that one product of a full-scale input stays within the q12 range).
static inline EmlError eml_iir_q_init(EmlIIRQ *filter, const float *sos, int n_stages, const int *g,
                                      int32_t *coefficients, int32_t *states) {
    EML_PRECONDITION(filter && sos && g && coefficients && states, EmlBadArgument);
    EML_PRECONDITION(n_stages >= 1, EmlSizeMismatch);
    for (int s = 0; s < n_stages; s++) {
        const float *row = sos + 6 * s;
        int32_t *c = coefficients + EML_IIR_Q_COEFFICIENTS * s;
        EML_PRECONDITION(g[s] > -90 && g[s] < 90, EmlOutOfRange);
        const int h = eml_iir_q_extra_bits(row, g[s]);
        const int e = 24 + g[s] + h;
        const bool ok = eml_iir_q_quantize(row[0], e, c) && eml_iir_q_quantize(row[1], e, c + 2) &&
                        eml_iir_q_quantize(row[2], e, c + 4) && eml_iir_q_quantize(-row[4], 24, c + 6) &&
                        eml_iir_q_quantize(-row[5], 24, c + 8);
        EML_PRECONDITION(ok, EmlOutOfRange);
        c[10] = h;
        c[11] = (1 << h) - 1;
    }
    filter->n_stages = n_stages;
    filter->coefficients = coefficients;
    filter->states = states;
    eml_iir_q_reset(filter);
    return EmlOk;
}

// One stage over n samples: x and y are boundary buffers (pairs, the two
// values before the chunk first), residual[0..1] the two roundings'
// residuals carried from sample to sample. A product c v of pairs is taken
// as c_h v_h 2^24 + (c_h v_l + c_l v_h) 2^12: the dropped c_l v_l is below
// 2^-13 of an output unit. The high parts' sum may wrap: it is in output
// units, and only its value modulo 2^32 matters.
static inline void eml_iir_q_stage_c(const int32_t *c, int32_t *residual, const int32_t *x, int32_t *y, int n) {
    const int32_t h = c[10], mask = c[11];
    int32_t r = residual[0], e = residual[1];
    for (int i = 0; i < n; i++, x += 2, y += 2) {
        // numerator in q(36 + h), then in q36
        uint32_t hi = (uint32_t)c[0] * (uint32_t)x[4] + (uint32_t)c[2] * (uint32_t)x[2] +
                      (uint32_t)c[4] * (uint32_t)x[0];
        int32_t mid = c[0] * x[5] + c[1] * x[4] + c[2] * x[3] + c[3] * x[2] + c[4] * x[1] + c[5] * x[0];
        mid = (mid + (int32_t)((hi & (uint32_t)mask) << 12)) >> h;
        hi = (uint32_t)((int32_t)hi >> h);
        hi += (uint32_t)c[6] * (uint32_t)y[2] + (uint32_t)c[8] * (uint32_t)y[0];
        mid += c[6] * y[3] + c[7] * y[2] + c[8] * y[1] + c[9] * y[0];
        // round down, adding the last residual (first-order error
        // feedback: the rounding noise is shaped by 1 - z^-1, zero at DC)
        mid += r;
        r = mid & 4095;
        int32_t v = (int32_t)(hi + (uint32_t)(mid >> 12));
        v = v >= EML_IIR_Q_LIMIT ? EML_IIR_Q_LIMIT - 1 : v < -EML_IIR_Q_LIMIT ? -EML_IIR_Q_LIMIT : v;
        // the pair: v_h rounds v + e (e the last rounding's residual), so
        // that v_l = e_now - e, whose dropped products above are shaped by
        // 1 - z^-1 too (v_l white would dominate the noise near DC)
        const int32_t u = v + e;
        e = (int32_t)((uint32_t)u << 20) >> 20;
        y[4] = (u - e) >> 12;
        y[5] = v - y[4] * 4096;
    }
    residual[0] = r;
    residual[1] = e;
}

#if defined(__thumb__) && !defined(__thumb2__)
// eml_iir_q_stage_c for Thumb-1 (Cortex-M0/M0+, the armv6m build), the same
// operations in the same order (so the same results, bit for bit), with
// every value in r0-r7: GCC spills half of them, ~125 instructions a
// sample instead of these 85. The product c v of pairs is 11 instructions.
#define EML_IIR_Q_PRODUCT(c, p, v) \
    "ldr r5, [r2, #" #c "]\n ldr r6, [" #p ", #" #v "]\n movs r7, r6\n muls r7, r5\n adds r3, r7\n" \
    "ldr r7, [" #p ", #" #v "+4]\n muls r7, r5\n adds r4, r7\n" \
    "ldr r5, [r2, #" #c "+4]\n muls r5, r6\n adds r4, r5\n"
static inline void eml_iir_q_stage(const int32_t *c, int32_t *residual, const int32_t *x, int32_t *y, int n) {
    if (n <= 0) {
        return;
    }
    register const int32_t *px __asm__("r0") = x;
    register int32_t *py __asm__("r1") = y;
    register const int32_t *pc __asm__("r2") = c;
    register int32_t *end __asm__("r10") = y + 2 * n;
    register int32_t r __asm__("r8") = residual[0];
    register int32_t e __asm__("r11") = residual[1];
    __asm__ volatile(
        ".syntax unified\n"
        "1:\n"
        // numerator: b0 x0 (H and X start there), b1 x1, b2 x2
        "ldr r5, [r2, #0]\n ldr r3, [r0, #16]\n ldr r4, [r0, #20]\n muls r4, r5\n muls r3, r5\n"
        "ldr r5, [r2, #4]\n ldr r6, [r0, #16]\n muls r5, r6\n adds r4, r5\n"
        EML_IIR_Q_PRODUCT(8, r0, 8) EML_IIR_Q_PRODUCT(16, r0, 0)
        // from q(36 + h) to q36
        "ldr r5, [r2, #44]\n ands r5, r3\n lsls r5, r5, #12\n adds r4, r5\n"
        "ldr r5, [r2, #40]\n asrs r4, r5\n asrs r3, r5\n"
        // feedback: a1 y1, a2 y2
        EML_IIR_Q_PRODUCT(24, r1, 8) EML_IIR_Q_PRODUCT(32, r1, 0)
        // error feedback, rounding down
        "mov r5, %[r]\n adds r4, r5\n lsls r5, r4, #20\n lsrs r5, r5, #20\n mov %[r], r5\n"
        "asrs r4, r4, #12\n adds r3, r4\n"
        // clamp when outside [-2^29, 2^29 - 1]
        "lsls r5, r3, #2\n asrs r5, r5, #2\n cmp r5, r3\n beq 2f\n"
        "asrs r5, r3, #31\n movs r3, #1\n lsls r3, r3, #29\n subs r3, #1\n eors r3, r5\n"
        "2:\n"
        // the pair (v_h, v_l), v_h rounding v + e
        "mov r5, %[e]\n adds r6, r3, r5\n lsls r7, r6, #20\n asrs r7, r7, #20\n mov %[e], r7\n"
        "subs r6, r6, r7\n asrs r6, r6, #12\n str r6, [r1, #16]\n"
        "subs r7, r7, r5\n str r7, [r1, #20]\n"
        "adds r0, #8\n adds r1, #8\n cmp r1, %[end]\n bne 1b\n"
        ".syntax divided\n"
        : [r] "+r"(r), [e] "+r"(e), "+r"(px), "+r"(py)
        : "r"(pc), [end] "r"(end)
        : "r3", "r4", "r5", "r6", "r7", "cc", "memory");
    residual[0] = r;
    residual[1] = e;
}
#undef EML_IIR_Q_PRODUCT
#else
#define eml_iir_q_stage eml_iir_q_stage_c
#endif

// Filter samples[0..length-1] in place; the state carries over between
// calls, so any split of a signal into blocks gives the same output.
static inline void eml_iir_q_run(EmlIIRQ *filter, int16_t *samples, int length) {
    const int n_stages = filter->n_stages;
    int32_t *buffers = filter->states + 2 * n_stages;
    int32_t *out = buffers + n_stages * EML_IIR_Q_BUFFER;
    for (int start = 0; start < length; start += EML_IIR_Q_CHUNK) {
        const int n = length - start < EML_IIR_Q_CHUNK ? length - start : EML_IIR_Q_CHUNK;
        int16_t *chunk = samples + start;
        for (int i = 0; i < n; i++) {
            buffers[4 + 2 * i] = chunk[i];  // v_l stays 0 (reset)
        }
        for (int s = 0; s < n_stages; s++) {
            int32_t *x = buffers + s * EML_IIR_Q_BUFFER;
            eml_iir_q_stage(filter->coefficients + EML_IIR_Q_COEFFICIENTS * s, filter->states + 2 * s, x,
                            x + EML_IIR_Q_BUFFER, n);
        }
        for (int i = 0; i < n; i++) {
            const int32_t v = out[4 + 2 * i] + ((out[5 + 2 * i] + 2048) >> 12);  // rounded half up
            // one compare when in range
            chunk[i] = (int16_t)((uint32_t)(v + 32767) <= 65534u ? v : v < 0 ? -32767 : 32767);
        }
        // the last two values of each buffer precede the next chunk
        for (int b = 0; b <= n_stages; b++) {
            int32_t *buffer = buffers + b * EML_IIR_Q_BUFFER;
            for (int k = 0; k < 4; k++) {
                buffer[k] = buffer[2 * n + k];
            }
        }
    }
}

#ifdef __cplusplus
}
#endif
#endif // EML_IIR_Q_H
