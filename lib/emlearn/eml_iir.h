// IIR filter as a cascade of second-order sections (biquads), float32,
// transposed direct form II, with the coefficient layout of
// scipy.signal.sosfilt.
#ifndef EML_IIR_H
#define EML_IIR_H

#include "eml_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int n_stages;  // number of second-order sections, >= 1
    // Caller-owned, length 6 * n_stages: one row per stage, in scipy's sos
    // order [b0, b1, b2, a0, a1, a2] with a0 == 1. Each stage computes
    //     y[t] = b0 x[t] + b1 x[t-1] + b2 x[t-2] - a1 y[t-1] - a2 y[t-2]
    // (feedback coefficients are subtracted, as in scipy).
    const float *coefficients;
    // Caller-owned, length 2 * n_stages: the two delay values of each stage.
    float *states;
} EmlIIR;

// Zero the state of every stage.
static inline void eml_iir_reset(EmlIIR *filter) {
    for (int i = 0; i < 2 * filter->n_stages; i++) {
        filter->states[i] = 0.0f;
    }
}

// Index of the first stage whose row is invalid (a0 != 1 or a coefficient
// that is NaN or infinite), or -1 when all rows are valid.
static inline int eml_iir_bad_stage(const float *coefficients, int n_stages) {
    for (int s = 0; s < n_stages; s++) {
        const float *row = coefficients + 6 * s;
        if (row[3] != 1.0f) {
            return s;
        }
        for (int i = 0; i < 6; i++) {
            // false for NaN (x != x) and for +-inf (inf - inf is NaN)
            if (!(row[i] - row[i] == 0.0f)) {
                return s;
            }
        }
    }
    return -1;
}

// Check the coefficients, store the pointers and zero the state.
static inline EmlError eml_iir_init(EmlIIR *filter, int n_stages,
                                    const float *coefficients, float *states) {
    EML_PRECONDITION(filter && coefficients && states, EmlBadArgument);
    EML_PRECONDITION(n_stages >= 1, EmlSizeMismatch);
    EML_PRECONDITION(eml_iir_bad_stage(coefficients, n_stages) < 0, EmlBadArgument);
    filter->n_stages = n_stages;
    filter->coefficients = coefficients;
    filter->states = states;
    eml_iir_reset(filter);
    return EmlOk;
}

// One stage over a block, its state in registers.
static inline void eml_iir_run_one(const float *c, float *state, float *samples, int length) {
    const float b0 = c[0], b1 = c[1], b2 = c[2], a1 = c[4], a2 = c[5];
    float s0 = state[0], s1 = state[1];
    for (int i = 0; i < length; i++) {
        const float x = samples[i];
        const float y = b0 * x + s0;
        s0 = b1 * x - a1 * y + s1;
        s1 = b2 * x - a2 * y;
        samples[i] = y;
    }
    state[0] = s0;
    state[1] = s1;
}

// Two consecutive stages in one pass: the same arithmetic as two calls of
// eml_iir_run_one, but the second stage's recurrence overlaps the first's
// (their dependency chains are independent between samples).
static inline void eml_iir_run_two(const float *c, float *state, float *samples, int length) {
    const float b0 = c[0], b1 = c[1], b2 = c[2], a1 = c[4], a2 = c[5];
    const float d0 = c[6], d1 = c[7], d2 = c[8], e1 = c[10], e2 = c[11];
    float s0 = state[0], s1 = state[1], t0 = state[2], t1 = state[3];
    for (int i = 0; i < length; i++) {
        const float x = samples[i];
        const float y = b0 * x + s0;
        s0 = b1 * x - a1 * y + s1;
        s1 = b2 * x - a2 * y;
        const float z = d0 * y + t0;
        t0 = d1 * y - e1 * z + t1;
        t1 = d2 * y - e2 * z;
        samples[i] = z;
    }
    state[0] = s0;
    state[1] = s1;
    state[2] = t0;
    state[3] = t1;
}

// Three consecutive stages in one pass, like eml_iir_run_two.
static inline void eml_iir_run_three(const float *c, float *state, float *samples, int length) {
    const float b0 = c[0], b1 = c[1], b2 = c[2], a1 = c[4], a2 = c[5];
    const float d0 = c[6], d1 = c[7], d2 = c[8], e1 = c[10], e2 = c[11];
    const float f0 = c[12], f1 = c[13], f2 = c[14], g1 = c[16], g2 = c[17];
    float s0 = state[0], s1 = state[1], t0 = state[2], t1 = state[3];
    float r0 = state[4], r1 = state[5];
    for (int i = 0; i < length; i++) {
        const float x = samples[i];
        const float y = b0 * x + s0;
        s0 = b1 * x - a1 * y + s1;
        s1 = b2 * x - a2 * y;
        const float z = d0 * y + t0;
        t0 = d1 * y - e1 * z + t1;
        t1 = d2 * y - e2 * z;
        const float w = f0 * z + r0;
        r0 = f1 * z - g1 * w + r1;
        r1 = f2 * z - g2 * w;
        samples[i] = w;
    }
    state[0] = s0;
    state[1] = s1;
    state[2] = t0;
    state[3] = t1;
    state[4] = r0;
    state[5] = r1;
}

// Filter samples[0..length-1] in place. The state carries over between
// calls, so any split of a signal into blocks gives the same output.
// Stages run in pairs (a triple last when their number is odd) over the
// whole block, state in registers. No checks.
static inline void eml_iir_run(EmlIIR *filter, float *samples, int length) {
    const int n = filter->n_stages;
    if (n == 1) {
        eml_iir_run_one(filter->coefficients, filter->states, samples, length);
        return;
    }
    const int pairs_end = (n & 1) ? n - 3 : n;
    for (int st = 0; st < pairs_end; st += 2) {
        eml_iir_run_two(filter->coefficients + 6 * st, filter->states + 2 * st, samples, length);
    }
    if (n & 1) {
        eml_iir_run_three(filter->coefficients + 6 * pairs_end, filter->states + 2 * pairs_end,
                          samples, length);
    }
}

#ifdef __cplusplus
}
#endif
#endif // EML_IIR_H
