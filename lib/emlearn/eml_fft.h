// In-place FFT of float32 data for power-of-two sizes (radix-4 passes, plus
// one radix-2 stage when log2(n) is odd), and a real FFT that runs a complex
// FFT of half the size followed by a split step.
// The forward transform is unnormalized, like numpy.fft.fft:
//     X[k] = sum_j x[j] * exp(-2*pi*i*j*k/n)
// The twiddle table is computed at init with float multiply and add only
// (no libm, no division), within 0.73 float32 ulp of the exact values.
#ifndef EML_FFT_H
#define EML_FFT_H

#include "eml_common.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef EML_FFT_MAX_LENGTH
#define EML_FFT_MAX_LENGTH 65536
#endif
#if EML_FFT_MAX_LENGTH > 65536
#error "EML_FFT_MAX_LENGTH above 65536: the twiddle maths needs k <= 8192"
#endif

typedef struct {
    int length;       // n: a power of two, 2..EML_FFT_MAX_LENGTH
    int log2_length;  // log2(n)
    // Caller-owned, length n: n/2 pairs (cos(a_k), sin(a_k)) with
    // a_k = 2*pi*k/n for k = 0..n/2-1. Written by eml_fft_init.
    float *twiddles;
} EmlFFT;

// cos(2*pi*t) and sin(2*pi*t) for t = k/n in [0, 1/8], n = 2^m, inv_n = 1/n
// (exact), k <= 8192: Taylor series in t with the (2*pi)^j/j! factors folded
// into the coefficients.
// sin: the leading term is split as t * (6.28125 + 0.00193530717), and
// t * 6.28125 (11 bits) is exact.
// cos = 1 - p with p = u * (C2 - u * R(u)), u = t^2. The large part of p,
// u_hi * C2_hi, is exact (12-bit factors: u_hi is k*k without its low 14
// bits), 1 - u_hi * C2_hi is computed with its rounding error (Fast2Sum),
// and the small rest is added last: about half an ulp in all.
static inline void eml_fft_sincos_octant(int k, float inv_n, float *c, float *s) {
    const float t = (float)k * inv_n;
    const float u = t * t;
    float ps = 42.0586929f;
    ps = ps * u - 76.7058563f;
    ps = ps * u + 81.6052475f;
    ps = ps * u - 41.3417015f;
    ps = ps * u + 0.00193530717f;
    *s = t * 6.28125f + t * ps;
    float r = -26.4262562f;
    r = r * u + 60.2446404f;
    r = r * u - 85.4568176f;
    r = r * u + 64.9393921f;
    const int kk = k * k, kk_lo = kk & 0x3fff;
    const float inv_n2 = inv_n * inv_n;
    const float u_hi = (float)(kk - kk_lo) * inv_n2, u_lo = (float)kk_lo * inv_n2;
    const float p_hi = u_hi * 19.7421875f;
    const float rest = u_lo * 19.7421875f + u * (-0.00297869788f - u * r);
    const float sum = 1.0f - p_hi;
    const float err = (1.0f - sum) - p_hi;
    *c = sum + (err - rest);
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
            eml_fft_sincos_octant(quarter - r, inv_n, &s, &c);
        } else {
            eml_fft_sincos_octant(r, inv_n, &c, &s);
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

// The twiddle exp(-2*pi*i*k/n_table) for 0 <= k < n_table, as (c, s) with
// the value c - i*s, from the half-turn table by w(k + n/2) = -w(k).
static inline void eml_fft_twiddle(const EmlFFT *fft, int k, float *c, float *s) {
    const int half = fft->length >> 1;
    if (k < half) {
        *c = fft->twiddles[2 * k];
        *s = fft->twiddles[2 * k + 1];
    } else {
        *c = -fft->twiddles[2 * (k - half)];
        *s = -fft->twiddles[2 * (k - half) + 1];
    }
}

// One radix-2 stage with span 2 (twiddle 1).
static inline void eml_fft_radix2_first(float *re, float *im, int n) {
    for (int i = 0; i < n; i += 2) {
        const float ar = re[i], ai = im[i], br = re[i + 1], bi = im[i + 1];
        re[i] = ar + br;
        im[i] = ai + bi;
        re[i + 1] = ar - br;
        im[i + 1] = ai - bi;
    }
}

// Radix-4 butterfly on x[i], x[i+h], x[i+2h], x[i+3h] (the two radix-2
// stages of half-spans h and 2h at once), with b1 = w^2 x1, b2 = w x2,
// b3 = w^3 x3 already multiplied by their twiddles:
//     y0 = (x0 + b1) + (b2 + b3)    y2 = (x0 + b1) - (b2 + b3)
//     y1 = (x0 - b1) - i (b2 - b3)  y3 = (x0 - b1) + i (b2 - b3)
#define EML_FFT_RADIX4(re, im, i, h, b1r, b1i, b2r, b2i, b3r, b3i) \
    do { \
        const float t0r = re[i] + b1r, t0i = im[i] + b1i; \
        const float t1r = re[i] - b1r, t1i = im[i] - b1i; \
        const float t2r = b2r + b3r, t2i = b2i + b3i; \
        const float t3r = b2r - b3r, t3i = b2i - b3i; \
        re[i] = t0r + t2r; \
        im[i] = t0i + t2i; \
        re[i + 2 * h] = t0r - t2r; \
        im[i + 2 * h] = t0i - t2i; \
        re[i + h] = t1r + t3i; \
        im[i + h] = t1i - t3r; \
        re[i + 3 * h] = t1r - t3i; \
        im[i + 3 * h] = t1i + t3r; \
    } while (0)

// Radix-4 pass over groups of span 4h; j = 0 has all twiddles 1.
static inline void eml_fft_radix4(const EmlFFT *fft, float *re, float *im, int n, int h) {
    for (int i = 0; i < n; i += 4 * h) {
        const float b1r = re[i + h], b1i = im[i + h];
        const float b2r = re[i + 2 * h], b2i = im[i + 2 * h];
        const float b3r = re[i + 3 * h], b3i = im[i + 3 * h];
        EML_FFT_RADIX4(re, im, i, h, b1r, b1i, b2r, b2i, b3r, b3i);
    }
    const int step = fft->length / (4 * h);  // table index of W_4h^1
    for (int j = 1; j < h; j++) {
        float c1, s1, c2, s2, c3, s3;
        eml_fft_twiddle(fft, 2 * j * step, &c1, &s1);
        eml_fft_twiddle(fft, j * step, &c2, &s2);
        eml_fft_twiddle(fft, 3 * j * step, &c3, &s3);
        for (int i = j; i < n; i += 4 * h) {
            // x * (c - i*s) = (xr*c + xi*s) + i (xi*c - xr*s)
            const float x1r = re[i + h], x1i = im[i + h];
            const float x2r = re[i + 2 * h], x2i = im[i + 2 * h];
            const float x3r = re[i + 3 * h], x3i = im[i + 3 * h];
            const float b1r = x1r * c1 + x1i * s1, b1i = x1i * c1 - x1r * s1;
            const float b2r = x2r * c2 + x2i * s2, b2i = x2i * c2 - x2r * s2;
            const float b3r = x3r * c3 + x3i * s3, b3i = x3i * c3 - x3r * s3;
            EML_FFT_RADIX4(re, im, i, h, b1r, b1i, b2r, b2i, b3r, b3i);
        }
    }
}

// Complex forward FFT of size n (a power of two, n <= fft->length), in place
// on re[0..n-1] and im[0..n-1]: bit reversal, then one radix-2 stage when
// log2(n) is odd, then radix-4 passes. No checks.
static inline void eml_fft_complex(const EmlFFT *fft, float *re, float *im, int n) {
    if (n < 2) {
        return;
    }
    eml_fft_bitreverse(re, im, n);
    int h = 1;
    int log2n = 0;
    while ((1 << log2n) < n) {
        log2n++;
    }
    if (log2n & 1) {
        eml_fft_radix2_first(re, im, n);
        h = 2;
    }
    for (; h < n; h *= 4) {
        eml_fft_radix4(fft, re, im, n, h);
    }
}

// Forward FFT of fft->length complex values, in place. No checks.
static inline void eml_fft_forward(const EmlFFT *fft, float *re, float *im) {
    eml_fft_complex(fft, re, im, fft->length);
}

// eml_fft_rfft in place on x already packed as n/2 complex values
// (re[k] = x[2k], im[k] = x[2k+1], n = fft->length): transforms them, then
// splits the result into bins 0..n/2 (re and im have room for n/2 + 1).
static inline void eml_fft_rfft_packed(const EmlFFT *fft, float *re, float *im) {
    const int h = fft->length >> 1;
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

// Spectrum of n = fft->length real samples x (not modified): bins 0..n/2 go
// to re[0..n/2] and im[0..n/2] (length n/2 + 1 each), as numpy.fft.rfft.
static inline void eml_fft_rfft(const EmlFFT *fft, const float *x, float *re, float *im) {
    for (int k = 0; k < fft->length >> 1; k++) {
        re[k] = x[2 * k];
        im[k] = x[2 * k + 1];
    }
    eml_fft_rfft_packed(fft, re, im);
}

#ifdef __cplusplus
}
#endif
#endif // EML_FFT_H
