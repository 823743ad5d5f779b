// Features of sensor windows: per-channel statistics, band energies of the
// power spectrum and Pearson correlation between channel pairs, over a
// window of `window` frames of `channels` interleaved int16 or float32
// values. Optional derived channels: the magnitude (L2 norm over the input
// channels, per frame) and the jerk (first differences) of every channel.
//
// Every result is a fixed sequence of float32 operations (eml_f32.h's
// blocked sums in order, no fused multiply-add, no libm, no division), so
// that a host twin in numpy float32 (emlearn_micropython/export/features.py)
// gives the same bits. Definitions (x: the m samples of a channel, n = window):
//   mean, min, max; std = sqrt(sum((x-mean)^2) / m) (ddof 0);
//   median, p10, p25, p75, p90: numpy.percentile's linear interpolation
//     between order statistics found by selection (eml_i32_rank) on integer
//     keys in float order (eml_f32_key: -0 sorts below +0), iqr = p75-p25;
//     min and max: the smallest and largest key;
//   energy = sum(x^2) / m, rms = sqrt(energy), abs_mean = sum(|x|) / m;
//   zcr: the count of i in 1..m-1 with (x[i-1] < 0) != (x[i] < 0), divided
//     by m; mcr: the same with x < mean;
//   skew = m3 / m2^1.5 and kurtosis = m4 / m2^2 - 3 (scipy.stats defaults:
//     biased, Fisher) with central moments from a two-pass mean;
//   corr: Pearson's r of each pair of input channels;
//   band (K bands): power |X[k]|^2 of the rFFT of (x - mean) * hann (the
//     periodic Hann window of length n), bins k = 1..n/2 (DC excluded) in K
//     equal-width bands: band b holds bins 1 + b*B/K .. 1 + (b+1)*B/K - 1
//     (integer division, B = n/2); dominant_freq: the first k in 1..n/2 of
//     the largest power. Spectral features need n a power of two.
// int16 samples become float32 exactly; every sum is an eml_f32 blocked sum,
// so int16 extremes cannot overflow (4096 * 2^30 = 2^42). The magnitude of int16
// frames is the sqrt of their exact integer sum of squares (rounded to float32
// once); of float32 frames, of the float32 sum of squares in channel order.
// A constant channel (max == min) has std, skew, kurtosis and corr 0.
// A jerk channel has m = n - 1 samples; its spectrum is that of the n-1
// differences at frames 1..n-1 (the Hann weight of frame 0 is 0).
// sqrt(v) (eml_f32_sqrt) and 1/m are correctly rounded (eml_f32.h).
#ifndef EML_FEATURES_H
#define EML_FEATURES_H

#include <stdint.h>
#include "eml_common.h"
#include "eml_f32.h"
#include "eml_fft.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EML_FEATURES_MIN_WINDOW 8
#define EML_FEATURES_MAX_WINDOW 4096
#define EML_FEATURES_MAX_CHANNELS 8

// Per-channel features, in the order the caller lists them; CORR is the
// pair feature (outputs after all per-channel ones) and BAND gives `bands`
// outputs.
typedef enum {
    EmlFeatureMean = 0,
    EmlFeatureStd,
    EmlFeatureMin,
    EmlFeatureMax,
    EmlFeatureMedian,
    EmlFeatureP10,
    EmlFeatureP25,
    EmlFeatureP75,
    EmlFeatureP90,
    EmlFeatureIqr,
    EmlFeatureRms,
    EmlFeatureEnergy,
    EmlFeatureAbsMean,
    EmlFeatureZcr,
    EmlFeatureMcr,
    EmlFeatureSkew,
    EmlFeatureKurtosis,
    EmlFeatureCorr,
    EmlFeatureBand,
    EmlFeatureDominantFreq,
    EmlFeatureKinds,
} EmlFeatureKind;

// The name of a kind as the Python API spells it ("band" takes ":K").
static inline const char *eml_features_kind_name(int kind) {
    switch (kind) {
        case EmlFeatureMean: return "mean";
        case EmlFeatureStd: return "std";
        case EmlFeatureMin: return "min";
        case EmlFeatureMax: return "max";
        case EmlFeatureMedian: return "median";
        case EmlFeatureP10: return "p10";
        case EmlFeatureP25: return "p25";
        case EmlFeatureP75: return "p75";
        case EmlFeatureP90: return "p90";
        case EmlFeatureIqr: return "iqr";
        case EmlFeatureRms: return "rms";
        case EmlFeatureEnergy: return "energy";
        case EmlFeatureAbsMean: return "abs_mean";
        case EmlFeatureZcr: return "zcr";
        case EmlFeatureMcr: return "mcr";
        case EmlFeatureSkew: return "skew";
        case EmlFeatureKurtosis: return "kurtosis";
        case EmlFeatureCorr: return "corr";
        case EmlFeatureBand: return "band";
        case EmlFeatureDominantFreq: return "dominant_freq";
        default: return "";
    }
}

typedef struct {
    int window;          // n frames
    int channels;        // input channels, interleaved
    int magnitude;       // 1: one more channel, the L2 norm of the inputs
    int jerk;            // 1: the first differences of every channel after them
    int total_channels;  // (channels + magnitude) * (1 + jerk)
    const uint8_t *kinds;  // n_kinds EmlFeatureKind values (caller-owned)
    int n_kinds;
    int bands;           // K for EmlFeatureBand
    int n_features;      // outputs of eml_features_compute
    float *data;         // total_channels * n: channel c at data + c * n
    float *stats;        // 2 * channels: mean and sum((x-mean)^2) (0 if constant) for corr
    float *scratch;      // n: a channel's keys, then the selection; spectral: 2n + 2 more after it (n windowed, n/2+1 real, n/2+1 imag)
    int32_t *keys;       // the first n of scratch, as eml_f32_key values
    float *hann;         // n (spectral only); the FFT twiddles (n) follow
    EmlFFT fft;          // twiddles: n floats (spectral only)
    float inv_n, inv_n1; // 1/n and 1/(n-1), correctly rounded
} EmlFeatures;

// Whether the kinds need the spectrum.
static inline int eml_features_spectral(const uint8_t *kinds, int n_kinds) {
    for (int i = 0; i < n_kinds; i++) {
        if (kinds[i] == EmlFeatureBand || kinds[i] == EmlFeatureDominantFreq) {
            return 1;
        }
    }
    return 0;
}

// Floats of caller memory that eml_features_init needs.
static inline int eml_features_buffer_length(int window, int channels, int magnitude, int jerk,
                                             int spectral) {
    const int total = (channels + magnitude) * (1 + jerk);
    return total * window + 2 * channels + window + (spectral ? 4 * window + 2 : 0);
}

// Check the sizes, set the tables: `buffer` holds
// eml_features_buffer_length(...) floats. The kinds stay the caller's.
static inline EmlError eml_features_init(EmlFeatures *f, int window, int channels, int magnitude,
                                         int jerk, const uint8_t *kinds, int n_kinds, int bands,
                                         float *buffer) {
    EML_PRECONDITION(f && buffer && kinds, EmlBadArgument);
    EML_PRECONDITION(window >= EML_FEATURES_MIN_WINDOW && window <= EML_FEATURES_MAX_WINDOW, EmlOutOfRange);
    EML_PRECONDITION(channels >= 1 && channels <= EML_FEATURES_MAX_CHANNELS, EmlOutOfRange);
    EML_PRECONDITION((magnitude == 0 || magnitude == 1) && (jerk == 0 || jerk == 1), EmlBadArgument);
    int per_channel = 0, pairs = 0;
    for (int i = 0; i < n_kinds; i++) {
        EML_PRECONDITION(kinds[i] < EmlFeatureKinds, EmlBadArgument);
        per_channel += kinds[i] == EmlFeatureBand ? bands : kinds[i] != EmlFeatureCorr;
        pairs = pairs || kinds[i] == EmlFeatureCorr;
    }
    const int spectral = eml_features_spectral(kinds, n_kinds);
    EML_PRECONDITION(!spectral || (window & (window - 1)) == 0, EmlUnsupported);
    EML_PRECONDITION(bands >= 1 && bands <= window / 2, EmlOutOfRange);
    EML_PRECONDITION(!pairs || channels >= 2, EmlSizeMismatch);
    f->window = window;
    f->channels = channels;
    f->magnitude = magnitude;
    f->jerk = jerk;
    f->total_channels = (channels + magnitude) * (1 + jerk);
    f->kinds = kinds;
    f->n_kinds = n_kinds;
    f->bands = bands;
    f->n_features = f->total_channels * per_channel + (pairs ? channels * (channels - 1) / 2 : 0);
    f->data = buffer;
    f->stats = buffer + f->total_channels * window;
    f->scratch = f->stats + 2 * channels;
    f->keys = (int32_t *)(void *)f->scratch;
    f->inv_n = eml_f32_reciprocal(window);
    f->inv_n1 = eml_f32_reciprocal(window - 1);
    f->hann = NULL;
    if (spectral) {
        f->hann = f->scratch + 3 * window + 2;
        float *twiddles = f->hann + window;
        EML_CHECK(eml_fft_init(&f->fft, window, twiddles));
        // w[i] = 0.5 - 0.5 cos(2 pi i / n), cos from the twiddle table
        for (int i = 0; i < window; i++) {
            const int k = i < window / 2 ? i : window - i;
            const float c = i == window / 2 ? -1.0f : twiddles[2 * k];
            f->hann[i] = 0.5f - 0.5f * c;
        }
    }
    return EmlOk;
}

// Sums of one channel's m samples x, and which features need them.
typedef struct {
    float mean, min, max, m2, m3, m4, squares, abs;
    int zero_crossings, mean_crossings;
} EmlFeatureSums;

#define EML_FEATURES_BIT(kind) (1u << (kind))
#define EML_FEATURES_CENTRED (EML_FEATURES_BIT(EmlFeatureStd) | EML_FEATURES_BIT(EmlFeatureSkew) | \
                              EML_FEATURES_BIT(EmlFeatureKurtosis) | EML_FEATURES_BIT(EmlFeatureCorr))
#define EML_FEATURES_ORDER (EML_FEATURES_BIT(EmlFeatureMedian) | EML_FEATURES_BIT(EmlFeatureP10) | \
                            EML_FEATURES_BIT(EmlFeatureP25) | EML_FEATURES_BIT(EmlFeatureP75) | \
                            EML_FEATURES_BIT(EmlFeatureP90) | EML_FEATURES_BIT(EmlFeatureIqr))

static inline uint32_t eml_features_needs(const EmlFeatures *f) {
    uint32_t needs = 0;
    for (int i = 0; i < f->n_kinds; i++) {
        needs |= EML_FEATURES_BIT(f->kinds[i]);
    }
    return needs;
}

// The central moments, as eml_f32 blocked sums: d = x - mean, d2 = d * d,
// m2 += d2, m3 += d2 * d, m4 += d2 * d2.
static inline void eml_features_moments(const float *x, int m, EmlFeatureSums *s) {
    EmlF32Sum m2 = {0.0f, 0.0f}, m3 = {0.0f, 0.0f}, m4 = {0.0f, 0.0f};
    for (int i0 = 0; i0 < m; i0 += EML_F32_BLOCK) {
        const int i1 = eml_f32_block_end(i0, m);
        float b2 = 0.0f, b3 = 0.0f, b4 = 0.0f;
        for (int i = i0; i < i1; i++) {
            const float d = x[i] - s->mean, d2 = d * d;
            b2 += d2;
            b3 += d2 * d;
            b4 += d2 * d2;
        }
        eml_f32_add(&m2, b2);
        eml_f32_add(&m3, b3);
        eml_f32_add(&m4, b4);
    }
    s->m2 = m2.s;
    s->m3 = m3.s;
    s->m4 = m4.s;
}

// The count of i in 1..m-1 with (x[i-1] < level) != (x[i] < level), from
// the keys of x: x < level is keys < t, with t the key of -0 for a level 0.
static inline int eml_features_crossings(const int32_t *keys, int m, float level) {
    const int32_t t = eml_f32_key(level == 0.0f ? -0.0f : level);
    int count = 0;
    for (int i = 1; i < m; i++) {
        count += (keys[i - 1] < t) != (keys[i] < t);
    }
    return count;
}

// One pass over x (m values): the blocked sums of x, and of x * x and |x|
// when `needs` asks for them (else 0), the smallest and largest key; keys
// gets eml_f32_key of each value.
static inline void eml_features_raw(const float *x, int32_t *keys, int m, uint32_t needs, EmlFeatureSums *s) {
    const int squares = (needs & (EML_FEATURES_BIT(EmlFeatureEnergy) | EML_FEATURES_BIT(EmlFeatureRms))) != 0;
    const int abs = (needs & EML_FEATURES_BIT(EmlFeatureAbsMean)) != 0;
    EmlF32Sum sum = {0.0f, 0.0f}, sq = {0.0f, 0.0f}, ab = {0.0f, 0.0f};
    int32_t lo = INT32_MAX, hi = INT32_MIN;
    for (int i0 = 0; i0 < m; i0 += EML_F32_BLOCK) {
        const int i1 = eml_f32_block_end(i0, m);
        float b = 0.0f, b2 = 0.0f, ba = 0.0f;
        for (int i = i0; i < i1; i++) {
            const float v = x[i];
            const int32_t k = eml_f32_key(v);
            keys[i] = k;
            lo = k < lo ? k : lo;
            hi = k > hi ? k : hi;
            b += v;
            if (squares) {
                b2 += v * v;
            }
            if (abs) {
                ba += v < 0.0f ? -v : v;
            }
        }
        eml_f32_add(&sum, b);
        if (squares) {
            eml_f32_add(&sq, b2);
        }
        if (abs) {
            eml_f32_add(&ab, ba);
        }
    }
    s->mean = sum.s;
    s->squares = sq.s;
    s->abs = ab.s;
    s->min = eml_f32_from_key(lo);
    s->max = eml_f32_from_key(hi);
}

// The sums of x (m values); keys gets eml_f32_key of each value.
static inline void eml_features_sums(const float *x, int32_t *keys, int m, float inv_m, uint32_t needs,
                                     EmlFeatureSums *s) {
    eml_features_raw(x, keys, m, needs, s);
    s->mean *= inv_m;
    s->m2 = s->m3 = s->m4 = 0.0f;
    if (needs & EML_FEATURES_CENTRED) {
        eml_features_moments(x, m, s);
    }
    s->zero_crossings = (needs & EML_FEATURES_BIT(EmlFeatureZcr)) ? eml_features_crossings(keys, m, 0.0f) : 0;
    s->mean_crossings = (needs & EML_FEATURES_BIT(EmlFeatureMcr)) ? eml_features_crossings(keys, m, s->mean) : 0;
}

// Percent P of the percentile kind (median: 50).
static inline int eml_features_percent(int kind) {
    switch (kind) {
        case EmlFeatureP10: return 10;
        case EmlFeatureP25: return 25;
        case EmlFeatureP75: return 75;
        case EmlFeatureP90: return 90;
        default: return 50;
    }
}

// Select the order statistics that the percentiles in `needs` read (ranks
// P(m-1)/100 and the next one when it has a weight) in the keys a, in
// ascending ranks (eml_i32_rank).
static inline void eml_features_order(int32_t *a, int m, uint32_t needs) {
    static const uint8_t kinds[5] = {EmlFeatureP10, EmlFeatureP25, EmlFeatureMedian, EmlFeatureP75, EmlFeatureP90};
    const uint32_t iqr = EML_FEATURES_BIT(EmlFeatureP25) | EML_FEATURES_BIT(EmlFeatureP75);
    needs |= (needs & EML_FEATURES_BIT(EmlFeatureIqr)) ? iqr : 0;
    EmlI32Ranks ranks;
    eml_i32_ranks_init(&ranks, a, m);
    for (int i = 0; i < 5; i++) {
        if (!(needs & EML_FEATURES_BIT(kinds[i]))) {
            continue;
        }
        const int pos = eml_features_percent(kinds[i]) * (m - 1), rank = pos / 100;
        const int last = pos % 100 ? rank + 1 : rank;
        for (int r = rank > ranks.lo ? rank : ranks.lo; r <= last; r++) {
            eml_i32_rank(&ranks, r);
        }
    }
}

// The percentile of `kind` from a after eml_features_order: numpy's linear
// interpolation lo + frac * (hi - lo) with frac = (P(m-1) mod 100) * 0.01.
static inline float eml_features_percentile(const int32_t *a, int m, int kind) {
    const int pos = eml_features_percent(kind) * (m - 1), rank = pos / 100, rem = pos % 100;
    const float lo = eml_f32_from_key(a[rank]);
    if (rem == 0) {
        return lo;
    }
    const float frac = (float)rem * 0.01f;
    return lo + frac * (eml_f32_from_key(a[rank + 1]) - lo);
}

// Band energies and dominant frequency of x (n samples, full window) after
// mean removal and the Hann window; `out` gets the outputs of `kind`.
static inline float *eml_features_spectrum(EmlFeatures *f, const float *x, float mean, int kind, float *out) {
    const int n = f->window, bins = n / 2;
    float *w = f->scratch + n, *re = w + n, *im = re + bins + 1;
    for (int i = 0; i < n; i++) {
        w[i] = (x[i] - mean) * f->hann[i];
    }
    eml_fft_rfft(&f->fft, w, re, im);
    for (int k = 1; k <= bins; k++) {
        re[k] = re[k] * re[k] + im[k] * im[k];
    }
    if (kind == EmlFeatureDominantFreq) {
        int best = 1;
        for (int k = 2; k <= bins; k++) {
            best = re[k] > re[best] ? k : best;
        }
        *out++ = (float)best;
        return out;
    }
    for (int b = 0; b < f->bands; b++) {
        const int k0 = 1 + b * bins / f->bands, k1 = 1 + (b + 1) * bins / f->bands;
        *out++ = eml_f32_sum(re + k0, k1 - k0);
    }
    return out;
}

// One statistic from the sums; r = rsqrt(variance), 0 for a constant channel.
static inline float eml_features_stat(const EmlFeatureSums *s, int kind, float inv_m, float r) {
    switch (kind) {
        case EmlFeatureMean: return s->mean;
        case EmlFeatureMin: return s->min;
        case EmlFeatureMax: return s->max;
        case EmlFeatureStd: return r > 0.0f ? eml_f32_sqrt(s->m2 * inv_m) : 0.0f;
        case EmlFeatureSkew: return r > 0.0f ? ((s->m3 * inv_m) * r) * r * r : 0.0f;
        case EmlFeatureKurtosis: return r > 0.0f ? (s->m4 * inv_m) * (r * r) * (r * r) - 3.0f : 0.0f;
        case EmlFeatureEnergy: return s->squares * inv_m;
        case EmlFeatureRms: return eml_f32_sqrt(s->squares * inv_m);
        case EmlFeatureAbsMean: return s->abs * inv_m;
        case EmlFeatureZcr: return (float)s->zero_crossings * inv_m;
        case EmlFeatureMcr: return (float)s->mean_crossings * inv_m;
        default: return 0.0f;
    }
}

// The per-channel outputs of channel c; keeps mean and m2 of input channels for corr.
static inline float *eml_features_channel(EmlFeatures *f, int c, uint32_t needs, float *out) {
    const int n = f->window, derived = c >= f->channels + f->magnitude;
    const float *full = f->data + c * n, *x = full + derived;
    const int m = n - derived;
    const float inv_m = derived ? f->inv_n1 : f->inv_n;
    EmlFeatureSums s;
    eml_features_sums(x, f->keys, m, inv_m, needs, &s);
    const int constant = !(s.max > s.min);
    const float r = constant || !(needs & EML_FEATURES_CENTRED) ? 0.0f : eml_f32_rsqrt(s.m2 * inv_m);
    if (c < f->channels) {
        f->stats[2 * c] = s.mean;
        f->stats[2 * c + 1] = constant ? 0.0f : s.m2;
    }
    if (needs & EML_FEATURES_ORDER) {
        eml_features_order(f->keys, m, needs);
    }
    for (int i = 0; i < f->n_kinds; i++) {
        const int kind = f->kinds[i];
        if (kind == EmlFeatureBand || kind == EmlFeatureDominantFreq) {
            out = eml_features_spectrum(f, full, s.mean, kind, out);
        } else if (kind == EmlFeatureIqr) {
            *out++ = eml_features_percentile(f->keys, m, EmlFeatureP75) -
                     eml_features_percentile(f->keys, m, EmlFeatureP25);
        } else if (EML_FEATURES_BIT(kind) & EML_FEATURES_ORDER) {
            *out++ = eml_features_percentile(f->keys, m, kind);
        } else if (kind != EmlFeatureCorr) {
            *out++ = eml_features_stat(&s, kind, inv_m, r);
        }
    }
    return out;
}

// Pearson's r of input channels a and b: sum(da db) * rsqrt(m2a) * rsqrt(m2b).
static inline float eml_features_corr(const EmlFeatures *f, int a, int b) {
    const float ma = f->stats[2 * a], mb = f->stats[2 * b];
    const float m2a = f->stats[2 * a + 1], m2b = f->stats[2 * b + 1];
    if (!(m2a > 0.0f) || !(m2b > 0.0f)) {
        return 0.0f;
    }
    const float *xa = f->data + a * f->window, *xb = f->data + b * f->window;
    EmlF32Sum sxy = {0.0f, 0.0f};
    for (int i0 = 0; i0 < f->window; i0 += EML_F32_BLOCK) {
        const int i1 = eml_f32_block_end(i0, f->window);
        float b = 0.0f;
        for (int i = i0; i < i1; i++) {
            b += (xa[i] - ma) * (xb[i] - mb);
        }
        eml_f32_add(&sxy, b);
    }
    return (sxy.s * eml_f32_rsqrt(m2a)) * eml_f32_rsqrt(m2b);
}

// The sum of squares of one frame of C int16 samples, exact, then rounded
// once: above 2^31 as hi 2^16 + lo, two exact floats whose sum rounds once
// (no 64-bit conversion helper, which some archs lack).
static inline float eml_features_squares16(const int16_t *frame, int C) {
    int64_t acc = 0;
    for (int c = 0; c < C; c++) {
        acc += (int32_t)frame[c] * frame[c];
    }
    if (acc < INT32_MAX) {
        return (float)(int32_t)acc;
    }
    return (float)(int32_t)(acc >> 16) * 65536.0f + (float)(int32_t)(acc & 0xffff);
}

// The float32 sum of squares, in channel order, of frame i of the channels.
static inline float eml_features_squares32(const float *data, int n, int C, int i) {
    float acc = 0.0f;
    for (int c = 0; c < C; c++) {
        acc += data[c * n + i] * data[c * n + i];
    }
    return acc;
}

// Channels from the interleaved frames (int16 s16 or float32 s32: the other
// NULL), then magnitude and jerk. Returns EmlOutOfRange for a NaN or an
// infinity among float samples.
static inline EmlError eml_features_load(EmlFeatures *f, const int16_t *s16, const float *s32) {
    const int n = f->window, C = f->channels;
    int bad = 0;
    for (int i = 0; i < n; i++) {
        for (int c = 0; s16 && c < C; c++) {
            f->data[c * n + i] = (float)s16[i * C + c];
        }
        for (int c = 0; s32 && c < C; c++) {
            const float v = s32[i * C + c];
            bad |= !(v - v == 0.0f);
            f->data[c * n + i] = v;
        }
    }
    for (int i = 0; f->magnitude && i < n; i++) {
        const float acc = s16 ? eml_features_squares16(s16 + i * C, C) : eml_features_squares32(f->data, n, C, i);
        f->data[C * n + i] = eml_f32_sqrt(acc);
    }
    const int base = C + f->magnitude;
    for (int c = 0; f->jerk && c < base; c++) {
        const float *x = f->data + c * n;
        float *d = f->data + (base + c) * n;
        d[0] = 0.0f;
        for (int i = 1; i < n; i++) {
            d[i] = x[i] - x[i - 1];
        }
    }
    return bad ? EmlOutOfRange : EmlOk;
}

// All features of one window into out (f->n_features floats): channel by
// channel in the kinds' order, then corr for pairs (a, b), a < b. No checks
// beyond the samples' finiteness.
static inline EmlError eml_features_compute(EmlFeatures *f, const int16_t *s16, const float *s32,
                                            float *out) {
    const EmlError err = eml_features_load(f, s16, s32);
    if (err != EmlOk) {
        return err;
    }
    const uint32_t needs = eml_features_needs(f);
    for (int c = 0; c < f->total_channels; c++) {
        out = eml_features_channel(f, c, needs, out);
    }
    for (int a = 0; (needs & EML_FEATURES_BIT(EmlFeatureCorr)) && a < f->channels; a++) {
        for (int b = a + 1; b < f->channels; b++) {
            *out++ = eml_features_corr(f, a, b);
        }
    }
    return EmlOk;
}

#ifdef __cplusplus
}
#endif
#endif // EML_FEATURES_H
