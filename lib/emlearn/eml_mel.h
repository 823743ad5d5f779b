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
    float *frame;        // n_fft: the windowed frame
    float *re, *im;      // n_bins each: spectrum, then power in re
    // Filter m has weights[offset_m .. offset_m + lengths[m]) for the bins
    // starts[m] .. starts[m] + lengths[m] - 1, filters stored in order.
    uint16_t *starts;    // n_mels
    uint16_t *lengths;   // n_mels
    float *weights;      // the sum of lengths (eml_mel_weights_count)
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

// Weight of filter m at frequency hz (0 outside the triangle), and the
// triangle's scale in `*scale` (Slaney norm or 1).
typedef struct {
    float f0, f2, inv_d0, inv_d1, scale;
} EmlMelTriangle;

static inline EmlMelTriangle eml_mel_triangle(const EmlMelConfig *c, int m) {
    const float f0 = eml_mel_edge(c, m), f1 = eml_mel_edge(c, m + 1), f2 = eml_mel_edge(c, m + 2);
    EmlMelTriangle t = {f0, f2, eml_math_reciprocal(f1 - f0), eml_math_reciprocal(f2 - f1), 1.0f};
    if (c->slaney_norm) {
        t.scale = 2.0f * eml_math_reciprocal(f2 - f0);
    }
    return t;
}

static inline float eml_mel_weight(const EmlMelTriangle *t, float hz) {
    const float lower = (hz - t->f0) * t->inv_d0, upper = (t->f2 - hz) * t->inv_d1;
    const float w = lower < upper ? lower : upper;
    return w > 0.0f ? w : 0.0f;
}

// The spacing of the FFT bins in Hz: sr / n_fft (1/n_fft is exact).
static inline float eml_mel_bin_width(const EmlMelConfig *c) {
    float inv_n = 1.0f;
    for (int n = 1; n < c->n_fft; n <<= 1) {
        inv_n *= 0.5f;
    }
    return c->sr * inv_n;
}

// First bin and count of the non-zero weights of filter m (triangle t):
// the scan starts just below f0 and stops past f2.
static inline void eml_mel_span(const EmlMelConfig *c, const EmlMelTriangle *t, int *start, int *length) {
    const float width = eml_mel_bin_width(c);
    int k = (int)(t->f0 * eml_math_reciprocal(width)) - 1;
    k = k < 0 ? 0 : k;
    *start = 0;
    *length = 0;
    for (; k <= c->n_fft / 2 && (float)k * width <= t->f2; k++) {
        if (eml_mel_weight(t, (float)k * width) > 0.0f) {
            if (*length == 0) {
                *start = k;
            }
            *length = k - *start + 1;
        }
    }
}

static inline EmlError eml_mel_check(const EmlMelConfig *c) {
    EML_PRECONDITION(c->n_fft >= EML_MEL_MIN_FFT && c->n_fft <= EML_MEL_MAX_FFT, EmlUnsupported);
    EML_PRECONDITION((c->n_fft & (c->n_fft - 1)) == 0, EmlUnsupported);
    EML_PRECONDITION(c->hop >= 1 && c->n_mels >= 1 && c->n_mels <= 4 * EML_MEL_MAX_FFT, EmlOutOfRange);
    EML_PRECONDITION(c->sr > 0.0f && c->fmin >= 0.0f && c->fmin < c->fmax, EmlOutOfRange);
    EML_PRECONDITION(c->fmax <= 0.5f * c->sr, EmlOutOfRange);
    return EmlOk;
}

// The number of filterbank weights to allocate for `c`. EmlSizeMismatch
// when a filter has no non-zero weight (too many mels for n_fft: librosa
// warns), in which case *empty_filter says which.
static inline EmlError eml_mel_weights_count(const EmlMelConfig *c, int *count, int *empty_filter) {
    EML_CHECK(eml_mel_check(c));
    *count = 0;
    for (int m = 0; m < c->n_mels; m++) {
        int start, length;
        const EmlMelTriangle t = eml_mel_triangle(c, m);
        eml_mel_span(c, &t, &start, &length);
        if (length == 0 && eml_mel_edge(c, m + 2) != 0.0f) {
            *empty_filter = m;
            return EmlSizeMismatch;
        }
        *count += length;
    }
    return EmlOk;
}

// Set up `mel` with caller-owned buffers: twiddles, samples and frame of
// n_fft floats, re and im of n_fft/2 + 1, starts and lengths of n_mels,
// weights of eml_mel_weights_count(). Never allocates.
static inline EmlError eml_mel_init(EmlMel *mel, const EmlMelConfig *c, float *twiddles,
                                    float *samples, float *frame, float *re, float *im,
                                    uint16_t *starts, uint16_t *lengths, float *weights) {
    EML_CHECK(eml_mel_check(c));
    EML_CHECK(eml_fft_init(&mel->fft, c->n_fft, twiddles));
    mel->config = *c;
    mel->n_bins = c->n_fft / 2 + 1;
    mel->samples = samples;
    mel->frame = frame;
    mel->re = re;
    mel->im = im;
    mel->starts = starts;
    mel->lengths = lengths;
    mel->weights = weights;
    const float width = eml_mel_bin_width(c);
    float *w = weights;
    for (int m = 0; m < c->n_mels; m++) {
        int start, length;
        const EmlMelTriangle t = eml_mel_triangle(c, m);
        eml_mel_span(c, &t, &start, &length);
        starts[m] = (uint16_t)start;
        lengths[m] = (uint16_t)length;
        for (int k = start; k < start + length; k++) {
            *w++ = eml_mel_weight(&t, (float)k * width) * t.scale;
        }
    }
    mel->fill = 0;
    mel->skip = 0;
    return EmlOk;
}

static inline void eml_mel_reset(EmlMel *mel) {
    mel->fill = 0;
    mel->skip = 0;
}

// Periodic Hann window from the FFT's cosine table: w[k] = 0.5 - 0.5 cos(2 pi k / n),
// w[n - k] = w[k], w[n/2] = 1.
static inline void eml_mel_window(const EmlMel *mel) {
    const int n = mel->config.n_fft, h = n / 2;
    const float *tw = mel->fft.twiddles, *x = mel->samples;
    float *y = mel->frame;
    y[0] = 0.0f;
    y[h] = x[h];
    for (int k = 1; k < h; k++) {
        const float w = 0.5f - 0.5f * tw[2 * k];
        y[k] = x[k] * w;
        y[n - k] = x[n - k] * w;
    }
}

// One frame from mel->samples (n_fft of them) into out[0..n_mels-1].
static inline void eml_mel_frame(EmlMel *mel, float *out) {
    const EmlMelConfig *c = &mel->config;
    eml_mel_window(mel);
    eml_fft_rfft(&mel->fft, mel->frame, mel->re, mel->im);
    float *p = mel->re;
    const float *im = mel->im;
    for (int k = 0; k < mel->n_bins; k++) {
        p[k] = p[k] * p[k] + im[k] * im[k];
    }
    if (c->magnitude) {
        for (int k = 0; k < mel->n_bins; k++) {
            p[k] = eml_math_sqrt(p[k]);
        }
    }
    const float *w = mel->weights;
    for (int m = 0; m < c->n_mels; m++) {
        const float *pk = p + mel->starts[m];
        float s = 0.0f;
        for (int j = 0; j < mel->lengths[m]; j++) {
            s += pk[j] * w[j];
        }
        w += mel->lengths[m];
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
