// In-place radix-2 FFT of float32 data, power-of-two sizes, plus a real FFT
// that runs a complex FFT of half the size and a split step.
// The forward transform is unnormalized, like numpy.fft.fft:
//     X[k] = sum_j x[j] * exp(-2*pi*i*j*k/n)
// The twiddle table is computed at init with float multiply and add only
// (no libm, no division), to within about one float32 rounding.
#ifndef EML_FFT_H
#define EML_FFT_H

#include "eml_common.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef EML_FFT_MAX_LENGTH
#define EML_FFT_MAX_LENGTH 65536
#endif

typedef struct {
    int length;       // n: a power of two, 2..EML_FFT_MAX_LENGTH
    int log2_length;  // log2(n)
    // Caller-owned, length n: n/2 pairs (cos(a_k), sin(a_k)) with
    // a_k = 2*pi*k/n for k = 0..n/2-1. Written by eml_fft_init.
    float *twiddles;
} EmlFFT;

// cos(2*pi*t) and sin(2*pi*t) for t in [0, 1/8]: Taylor series in t with
// the (2*pi)^j/j! factors folded into the coefficients. The leading sine
// term is split as t * (6.28125 + 0.00193530717): 6.28125 has 11 bits, so
// t * 6.28125 is exact for t = k/n with k < 2^13.
static inline void eml_fft_sincos_octant(float t, float *c, float *s) {
    const float u = t * t;
    float ps = 42.0586929f;
    ps = ps * u - 76.7058563f;
    ps = ps * u + 81.6052475f;
    ps = ps * u - 41.3417015f;
    ps = ps * u + 0.00193530717f;
    *s = t * 6.28125f + t * ps;
    float pc = -26.4262562f;
    pc = pc * u + 60.2446404f;
    pc = pc * u - 85.4568176f;
    pc = pc * u + 64.9393921f;
    pc = pc * u - 19.7392082f;
    *c = 1.0f + u * pc;
}

// Check the size and fill the twiddle table (length n) by octant symmetry.
static inline EmlError eml_fft_init(EmlFFT *fft, int length, float *twiddles) {
    EML_PRECONDITION(fft && twiddles, EmlBadArgument);
    EML_PRECONDITION(length >= 2 && length <= EML_FFT_MAX_LENGTH, EmlUnsupported);
    EML_PRECONDITION((length & (length - 1)) == 0, EmlUnsupported);
    int log2n = 0;
    float inv_n = 1.0f;
    while ((1 << log2n) < length) {
        log2n++;
        inv_n *= 0.5f;
    }
    const int half = length >> 1, quarter = length >> 2, eighth = length >> 3;
    for (int k = 0; k < half; k++) {
        // cos(pi - a) = -cos(a); sin(pi - a) = sin(a)
        const int r = k > quarter ? half - k : k;
        float c, s;
        if (r > eighth) {
            // cos(pi/2 - a) = sin(a)
            eml_fft_sincos_octant((float)(quarter - r) * inv_n, &s, &c);
        } else {
            eml_fft_sincos_octant((float)r * inv_n, &c, &s);
        }
        twiddles[2 * k] = k > quarter ? -c : c;
        twiddles[2 * k + 1] = s;
    }
    fft->length = length;
    fft->log2_length = log2n;
    fft->twiddles = twiddles;
    return EmlOk;
}

// Reorder n complex values into bit-reversed index order.
static inline void eml_fft_bitreverse(float *re, float *im, int n) {
    int j = 0;
    for (int i = 0; i < n - 1; i++) {
        if (i < j) {
            const float tr = re[i], ti = im[i];
            re[i] = re[j];
            im[i] = im[j];
            re[j] = tr;
            im[j] = ti;
        }
        int m = n >> 1;
        while (j & m) {
            j ^= m;
            m >>= 1;
        }
        j |= m;
    }
}

// The first two radix-2 stages, whose twiddles are 1 and -i.
static inline void eml_fft_first_stages(float *re, float *im, int n) {
    for (int i = 0; i < n; i += 2) {
        const float ar = re[i], ai = im[i], br = re[i + 1], bi = im[i + 1];
        re[i] = ar + br;
        im[i] = ai + bi;
        re[i + 1] = ar - br;
        im[i + 1] = ai - bi;
    }
    for (int i = 0; i + 3 < n; i += 4) {
        float tr = re[i + 2], ti = im[i + 2];
        re[i + 2] = re[i] - tr;
        im[i + 2] = im[i] - ti;
        re[i] += tr;
        im[i] += ti;
        // (x * -i) = (x.im, -x.re)
        tr = im[i + 3];
        ti = -re[i + 3];
        re[i + 3] = re[i + 1] - tr;
        im[i + 3] = im[i + 1] - ti;
        re[i + 1] += tr;
        im[i + 1] += ti;
    }
}

// Complex forward FFT of size n (a power of two, n <= fft->length), in place
// on re[0..n-1] and im[0..n-1]. No checks.
static inline void eml_fft_complex(const EmlFFT *fft, float *re, float *im, int n) {
    if (n < 2) {
        return;
    }
    eml_fft_bitreverse(re, im, n);
    eml_fft_first_stages(re, im, n);
    const float *tw = fft->twiddles;
    int step = fft->length >> 2;  // table step for a span of 8 is n_table/8
    for (int h = 4; h < n; h <<= 1) {
        step >>= 1;
        for (int j = 0; j < h; j++) {
            const float c = tw[2 * j * step], s = tw[2 * j * step + 1];
            for (int i = j; i < n; i += 2 * h) {
                const int k = i + h;
                // t = x[k] * (c - i*s)
                const float tr = re[k] * c + im[k] * s;
                const float ti = im[k] * c - re[k] * s;
                re[k] = re[i] - tr;
                im[k] = im[i] - ti;
                re[i] += tr;
                im[i] += ti;
            }
        }
    }
}

// Forward FFT of fft->length complex values, in place. No checks.
static inline void eml_fft_forward(const EmlFFT *fft, float *re, float *im) {
    eml_fft_complex(fft, re, im, fft->length);
}

// Spectrum of n = fft->length real samples x (not modified): bins 0..n/2 go
// to re[0..n/2] and im[0..n/2] (length n/2 + 1 each), as numpy.fft.rfft.
// Packs x as n/2 complex values, transforms them, then splits the result.
static inline void eml_fft_rfft(const EmlFFT *fft, const float *x, float *re, float *im) {
    const int h = fft->length >> 1;
    for (int k = 0; k < h; k++) {
        re[k] = x[2 * k];
        im[k] = x[2 * k + 1];
    }
    eml_fft_complex(fft, re, im, h);
    const float r0 = re[0], i0 = im[0];
    re[0] = r0 + i0;
    im[0] = 0.0f;
    re[h] = r0 - i0;
    im[h] = 0.0f;
    const float *tw = fft->twiddles;
    for (int k = 1; 2 * k <= h; k++) {
        const int m = h - k;
        const float zkr = re[k], zki = im[k], zmr = re[m], zmi = im[m];
        // even part E = (Z[k] + conj(Z[m])) / 2, odd part O = (Z[k] - conj(Z[m])) / 2i
        const float er = 0.5f * (zkr + zmr), ei = 0.5f * (zki - zmi);
        const float orr = 0.5f * (zki + zmi), oi = 0.5f * (zmr - zkr);
        // W*O with W = exp(-2*pi*i*k/n)
        const float c = tw[2 * k], s = tw[2 * k + 1];
        const float wr = orr * c + oi * s, wi = oi * c - orr * s;
        // X[k] = E + W*O, X[m] = conj(E - W*O)
        re[k] = er + wr;
        im[k] = ei + wi;
        re[m] = er - wr;
        im[m] = wi - ei;
    }
}

#ifdef __cplusplus
}
#endif
#endif // EML_FFT_H
