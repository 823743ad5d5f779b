// Log-mel spectrogram frames of a streamed signal, as librosa computes them:
// center=False frames of n_fft samples every hop samples, periodic Hann
// window, |rfft|^power, the mel filterbank of librosa.filters.mel (Slaney or
// HTK mel scale, Slaney area norm or none), then 10*log10(max(S, 1e-10)).
// Everything is float32, without libm and without float division: log2 and
// exp2 from the exponent bits plus a polynomial, reciprocals by Newton steps
// (eml_math.h).
// host/emlearn_micropython/export/mel.py repeats these operations in numpy,
// in the same order, and gives the same float32 results.
#ifndef EML_MEL_H
#define EML_MEL_H

#include <stdint.h>
#include "eml_common.h"
#include "eml_fft.h"
#include "eml_math.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EML_MEL_MIN_FFT 32
#define EML_MEL_MAX_FFT 4096
#define EML_MEL_AMIN 1e-10f
#define EML_MEL_INT16_SCALE (1.0f / 32768.0f)

typedef struct {
    float sr;        // sample rate, Hz, > 0
    int n_fft;       // power of two, EML_MEL_MIN_FFT..EML_MEL_MAX_FFT
    int hop;         // >= 1 (may exceed n_fft: samples between frames are skipped)
    int n_mels;      // >= 1
    float fmin;      // 0 <= fmin < fmax
    float fmax;      // <= sr / 2
    int htk;         // 1: HTK mel scale; 0: Slaney's
    int slaney_norm; // 1: each filter times 2 / (its width in Hz); 0: none
    int magnitude;   // 1: |X| (power=1); 0: |X|^2 (power=2)
    int log;         // 1: 10*log10(max(S, 1e-10)); 0: S
} EmlMelConfig;

typedef struct {
    EmlMelConfig config;
    int n_bins;          // n_fft / 2 + 1
    EmlFFT fft;          // twiddles: n_fft floats (cos, sin pairs)
    float *samples;      // n_fft: the samples of the frame being filled
    // n_fft + 2: re[0..n_bins) then im[0..n_bins). The windowed frame goes
    // in packed (even samples in re, odd in im), the rfft runs in place,
    // then the power (or magnitude) of bin k is in re[k].
    float *spectrum;
    // The filterbank. Band j (0..n_mels) holds the bins k with
    // bands[j] <= k < bands[j + 1] (edge j <= k * sr / n_fft < edge j + 1),
    // and ramps[k] is where bin k lies in its band, 0..1. Filter m rises over
    // band m (weights ramps[k]) and falls over band m + 1 (weights
    // 1 - ramps[k]), its sum then times scales[m] (Slaney norm; NULL: none).
    uint16_t *bands;     // n_mels + 2
    float *ramps;        // n_bins
    float *scales;       // n_mels, or NULL when !slaney_norm
    int fill;            // samples held in `samples`, < n_fft between calls
    int skip;            // samples still to drop when hop > n_fft
} EmlMel;

// Constants in double, rounded once to float (host twin: the same).
#define EML_MEL_HTK_M2L (float)(1.0 / (2595.0 * 0.30102999566398120))
#define EML_MEL_HTK_L2M (float)(2595.0 * 0.30102999566398120)
#define EML_MEL_SLANEY_L2M (float)(27.0 * 0.69314718055994531 / 1.8562979903656263)
#define EML_MEL_SLANEY_M2L (float)(1.8562979903656263 / (27.0 * 0.69314718055994531))

// Hz to mel (librosa.hz_to_mel).
static inline float eml_mel_from_hz(float hz, int htk) {
    if (htk) {
        return EML_MEL_HTK_L2M * eml_math_log2(1.0f + hz * (float)(1.0 / 700.0));
    }
    if (hz < 1000.0f) {
        return hz * (float)(3.0 / 200.0);
    }
    return 15.0f + eml_math_log2(hz * 0.001f) * EML_MEL_SLANEY_L2M;
}

// Mel to Hz (librosa.mel_to_hz).
static inline float eml_mel_to_hz(float mel, int htk) {
    if (htk) {
        return 700.0f * (eml_math_exp2(mel * EML_MEL_HTK_M2L) - 1.0f);
    }
    if (mel < 15.0f) {
        return mel * (float)(200.0 / 3.0);
    }
    return 1000.0f * eml_math_exp2((mel - 15.0f) * EML_MEL_SLANEY_M2L);
}

// Edge i (0..n_mels+1) of the filterbank in Hz: n_mels + 2 points evenly
// spaced in mel from fmin to fmax (numpy.linspace: the last one is fmax's).
static inline float eml_mel_edge(const EmlMelConfig *c, int i) {
    const float lo = eml_mel_from_hz(c->fmin, c->htk), hi = eml_mel_from_hz(c->fmax, c->htk);
    if (i == c->n_mels + 1) {
        return eml_mel_to_hz(hi, c->htk);
    }
    const float step = (hi - lo) * eml_math_reciprocal((float)(c->n_mels + 1));
    return eml_mel_to_hz(lo + (float)i * step, c->htk);
}

// The spacing of the FFT bins in Hz: sr / n_fft (1/n_fft is exact).
static inline float eml_mel_bin_width(const EmlMelConfig *c) {
    float inv_n = 1.0f;
    for (int n = 1; n < c->n_fft; n <<= 1) {
        inv_n *= 0.5f;
    }
    return c->sr * inv_n;
}

static inline EmlError eml_mel_check(const EmlMelConfig *c) {
    EML_PRECONDITION(c->n_fft >= EML_MEL_MIN_FFT && c->n_fft <= EML_MEL_MAX_FFT, EmlUnsupported);
    EML_PRECONDITION((c->n_fft & (c->n_fft - 1)) == 0, EmlUnsupported);
    EML_PRECONDITION(c->hop >= 1 && c->n_mels >= 1 && c->n_mels <= 4 * EML_MEL_MAX_FFT, EmlOutOfRange);
    EML_PRECONDITION(c->sr > 0.0f && c->fmin >= 0.0f && c->fmin < c->fmax, EmlOutOfRange);
    EML_PRECONDITION(c->fmax <= 0.5f * c->sr, EmlOutOfRange);
    return EmlOk;
}

// The first filter with no non-zero weight whose lower edge is above 0 Hz
// (librosa warns about those: too many mels for n_fft), or -1.
static inline int eml_mel_empty_filter(const EmlMel *mel) {
    const uint16_t *b = mel->bands;
    for (int m = 0; m < mel->config.n_mels; m++) {
        int nonzero = 0;
        for (int k = b[m]; k < b[m + 1]; k++) {
            nonzero |= mel->ramps[k] > 0.0f;
        }
        for (int k = b[m + 1]; k < b[m + 2]; k++) {
            nonzero |= mel->ramps[k] < 1.0f;
        }
        if (!nonzero && eml_mel_edge(&mel->config, m) != 0.0f) {
            return m;
        }
    }
    return -1;
}

// Fill bands, ramps and scales from the edges, each edge computed once.
static inline void eml_mel_filterbank(EmlMel *mel) {
    const EmlMelConfig *c = &mel->config;
    const float width = eml_mel_bin_width(c);
    int k = 0;
    float below = 0.0f, lo = eml_mel_edge(c, 0);
    for (; k < mel->n_bins && (float)k * width < lo; k++) {
        mel->ramps[k] = 0.0f;
    }
    mel->bands[0] = (uint16_t)k;
    for (int j = 0; j <= c->n_mels; j++) {
        const float hi = eml_mel_edge(c, j + 1), inv = eml_math_reciprocal(hi - lo);
        for (; k < mel->n_bins && (float)k * width < hi; k++) {
            const float r = ((float)k * width - lo) * inv;
            mel->ramps[k] = r < 1.0f ? r : 1.0f;
        }
        mel->bands[j + 1] = (uint16_t)k;
        if (mel->scales && j > 0) {
            mel->scales[j - 1] = 2.0f * eml_math_reciprocal(hi - below);
        }
        below = lo;
        lo = hi;
    }
    for (; k < mel->n_bins; k++) {
        mel->ramps[k] = 0.0f;
    }
}

// Set up `mel` with caller-owned buffers: twiddles and samples of n_fft
// floats, spectrum of n_fft + 2, bands of n_mels + 2, ramps of
// n_fft / 2 + 1, scales of n_mels (NULL unless c->slaney_norm). Never
// allocates. EmlSizeMismatch when a filter is empty (eml_mel_empty_filter).
static inline EmlError eml_mel_init(EmlMel *mel, const EmlMelConfig *c, float *twiddles, float *samples,
                                    float *spectrum, uint16_t *bands, float *ramps, float *scales) {
    EML_CHECK(eml_mel_check(c));
    EML_PRECONDITION(!c->slaney_norm || scales, EmlBadArgument);
    EML_CHECK(eml_fft_init(&mel->fft, c->n_fft, twiddles));
    mel->config = *c;
    mel->n_bins = c->n_fft / 2 + 1;
    mel->samples = samples;
    mel->spectrum = spectrum;
    mel->bands = bands;
    mel->ramps = ramps;
    mel->scales = c->slaney_norm ? scales : NULL;
    eml_mel_filterbank(mel);
    mel->fill = 0;
    mel->skip = 0;
    return eml_mel_empty_filter(mel) < 0 ? EmlOk : EmlSizeMismatch;
}

static inline void eml_mel_reset(EmlMel *mel) {
    mel->fill = 0;
    mel->skip = 0;
}

// The windowed frame, packed for eml_fft_rfft_packed: y[k] = x[k] w[k] goes
// to re[k / 2] (k even) or im[k / 2] (k odd). Periodic Hann window from
// the FFT's cosine table: w[k] = 0.5 - 0.5 cos(2 pi k / n), w[n - k] = w[k],
// w[n/2] = 1.
static inline void eml_mel_window(const EmlMel *mel) {
    const int n = mel->config.n_fft, h = n / 2;
    const float *tw = mel->fft.twiddles, *x = mel->samples;
    float *re = mel->spectrum, *im = mel->spectrum + mel->n_bins;
    re[0] = 0.0f;
    re[h / 2] = x[h];
    for (int k = 1; k < h; k++) {
        const float w = 0.5f - 0.5f * tw[2 * k];
        float *y = (k & 1) ? im : re;
        y[k >> 1] = x[k] * w;
        y[(n - k) >> 1] = x[n - k] * w;
    }
}

// One frame from mel->samples (n_fft of them) into out[0..n_mels-1].
static inline void eml_mel_frame(EmlMel *mel, float *out) {
    const EmlMelConfig *c = &mel->config;
    float *p = mel->spectrum, *im = mel->spectrum + mel->n_bins;
    eml_mel_window(mel);
    eml_fft_rfft_packed(&mel->fft, p, im);
    for (int k = 0; k < mel->n_bins; k++) {
        p[k] = p[k] * p[k] + im[k] * im[k];
    }
    if (c->magnitude) {
        for (int k = 0; k < mel->n_bins; k++) {
            p[k] = eml_math_sqrt(p[k]);
        }
    }
    const uint16_t *b = mel->bands;
    const float *r = mel->ramps;
    for (int m = 0; m < c->n_mels; m++) {
        float s = 0.0f;
        for (int k = b[m]; k < b[m + 1]; k++) {
            s += p[k] * r[k];
        }
        for (int k = b[m + 1]; k < b[m + 2]; k++) {
            s += p[k] * (1.0f - r[k]);
        }
        if (mel->scales) {
            s *= mel->scales[m];
        }
        if (c->log) {
            s = (float)(10.0 * 0.30102999566398120) * eml_math_log2(s > EML_MEL_AMIN ? s : EML_MEL_AMIN);
        }
        out[m] = s;
    }
}

// How many frames `n` more samples complete (what eml_mel_push writes).
static inline int eml_mel_frames(const EmlMel *mel, int n) {
    const int size = mel->config.n_fft, hop = mel->config.hop;
    int fill = mel->fill, skip = mel->skip, frames = 0;
    while (1) {
        const int dropped = skip < n ? skip : n;
        n -= dropped;
        skip -= dropped;
        if (skip > 0 || n < size - fill) {
            return frames;
        }
        n -= size - fill;
        frames++;
        fill = hop < size ? size - hop : 0;
        skip = hop > size ? hop - size : 0;
    }
}

// Copy n samples into the frame buffer from x (float) or, when x is NULL,
// from pcm (int16, times 1/32768).
static inline void eml_mel_copy(EmlMel *mel, const float *x, const int16_t *pcm, int n) {
    float *dst = mel->samples + mel->fill;
    if (x) {
        for (int i = 0; i < n; i++) {
            dst[i] = x[i];
        }
    } else {
        for (int i = 0; i < n; i++) {
            dst[i] = (float)pcm[i] * EML_MEL_INT16_SCALE;
        }
    }
    mel->fill += n;
}

// Feed n samples (x float, or pcm int16 when x is NULL); writes each frame
// they complete to out (n_mels floats per frame, frame-major) and keeps the
// rest. `out` must hold eml_mel_frames(mel, n) frames. Returns that count.
static inline int eml_mel_push(EmlMel *mel, const float *x, const int16_t *pcm, int n, float *out) {
    const int size = mel->config.n_fft, hop = mel->config.hop;
    int frames = 0, i = 0;
    while (1) {
        const int dropped = mel->skip < n - i ? mel->skip : n - i;
        i += dropped;
        mel->skip -= dropped;
        const int need = size - mel->fill, take = need < n - i ? need : n - i;
        eml_mel_copy(mel, x ? x + i : NULL, x ? NULL : pcm + i, take);
        i += take;
        if (mel->fill < size) {
            return frames;
        }
        eml_mel_frame(mel, out + frames * mel->config.n_mels);
        frames++;
        for (int k = hop; k < size; k++) {
            mel->samples[k - hop] = mel->samples[k];
        }
        mel->fill = hop < size ? size - hop : 0;
        mel->skip = hop > size ? hop - size : 0;
    }
}

#ifdef __cplusplus
}
#endif
#endif // EML_MEL_H
