// In-place FFT of int16 (q15) data with block floating point, for boards
// without an FPU. Same transform and pass structure as eml_fft.h (bit
// reversal, one radix-2 stage when log2(n) is odd, radix-4 passes), in
// integer arithmetic: 16x16->32 products rounded once, butterfly sums in
// 32 bits, one rounding shift per pass.
// Block floating point: before each pass the largest magnitude seen so far
// bounds the pass's outputs, and the pass shifts right (rounded) by the
// fewest bits that keep that bound within int16. The last pass is computed
// twice: once to find its true largest output, once to store it with the
// exact shift, so the result uses the int16 range fully. The functions
// return the total shift e:
//     numpy.fft.fft(re0 + 1j*im0) ~= (re + 1j*im) * 2**e
// Twiddles: q15 values rounded from eml_fft.h's float table (made at init,
// no libm).
#ifndef EML_FFT_Q15_H
#define EML_FFT_Q15_H

#include <stdint.h>
#include "eml_fft.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int length;  // n: a power of two, 2..EML_FFT_MAX_LENGTH
    int log2_length;
    // Caller-owned, length n: (round(32768 cos a_k), round(32768 sin a_k))
    // for a_k = 2*pi*k/n, k = 0..n/2-1, clamped to +-32767.
    int16_t *twiddles;
} EmlFFTQ15;

// q15 table from an initialised float FFT of the same size.
static inline EmlError eml_fft_q15_init(EmlFFTQ15 *fft, const EmlFFT *table, int16_t *twiddles) {
    EML_PRECONDITION(fft && table && twiddles, EmlBadArgument);
    for (int i = 0; i < table->length; i++) {
        const float v = table->twiddles[i] * 32768.0f;
        const int r = v >= 0.0f ? (int)(v + 0.5f) : -(int)(0.5f - v);
        twiddles[i] = (int16_t)(r > 32767 ? 32767 : r < -32767 ? -32767 : r);
    }
    fft->length = table->length;
    fft->log2_length = table->log2_length;
    fft->twiddles = twiddles;
    return EmlOk;
}

// The twiddle exp(-2*pi*i*k/n) for 0 <= k < n as (c, s), value (c - i*s)/32768;
// k = 0 gives exactly 32768 so that untwiddled products stay exact.
static inline void eml_fft_q15_twiddle(const EmlFFTQ15 *fft, int k, int32_t *c, int32_t *s) {
    const int half = fft->length >> 1;
    if (k == 0) {
        *c = 32768;
        *s = 0;
    } else if (k < half) {
        *c = fft->twiddles[2 * k];
        *s = fft->twiddles[2 * k + 1];
    } else {
        *c = -fft->twiddles[2 * (k - half)];
        *s = -fft->twiddles[2 * (k - half) + 1];
    }
}

// |v| for v >= 0, |v| - 1 for v < 0 (v ^ (v >> 31), no branch).
#define EML_FFT_Q15_MAG(v) ((uint32_t)((v) ^ ((v) >> 31)))
// Fold the magnitude of v into the running largest magnitude `mag`.
#define EML_FFT_Q15_MAX(mag, v) \
    do { \
        const uint32_t m_ = EML_FFT_Q15_MAG(v); \
        mag = m_ > mag ? m_ : mag; \
    } while (0)

// Smallest right shift s for which every value v with EML_FFT_Q15_MAG(v) <= u
// gives (v + 2^(s-1)) >> s within int16.
static inline int eml_fft_q15_shift_for(uint32_t u) {
    int s = 0;
    while (u + ((1u << s) >> 1) > (32768u << s) - 1u) {
        s++;
    }
    return s;
}

// Bit reversal, and the largest magnitude of all values.
static inline uint32_t eml_fft_q15_bitreverse(int16_t *re, int16_t *im, int n) {
    uint32_t mag = 0;
    int j = 0;
    for (int i = 0; i < n; i++) {
        const int32_t a = re[i], b = im[i];
        EML_FFT_Q15_MAX(mag, a);
        EML_FFT_Q15_MAX(mag, b);
        if (i < j) {
            re[i] = re[j];
            im[i] = im[j];
            re[j] = (int16_t)a;
            im[j] = (int16_t)b;
        }
        int m = n >> 1;
        while (j & m) {
            j ^= m;
            m >>= 1;
        }
        j |= m;
    }
    return mag;
}

// Store v >> shift at p (v includes the rounding term), or (store == 0)
// only look at v; either way fold the magnitude of what counts into mag.
#define EML_FFT_Q15_EMIT(p, v, shift, store, mag) \
    do { \
        if (store) { \
            const int32_t o_ = (v) >> (shift); \
            *(p) = (int16_t)o_; \
            EML_FFT_Q15_MAX(mag, o_); \
        } else { \
            EML_FFT_Q15_MAX(mag, v); \
        } \
    } while (0)

// Radix-2 stage with span 2 (no twiddles). Returns the largest magnitude.
static inline uint32_t eml_fft_q15_radix2(int16_t *re, int16_t *im, int n, int shift, int store) {
    const int32_t r = (1 << shift) >> 1;
    uint32_t mag = 0;
    for (int i = 0; i < n; i += 2) {
        const int32_t ar = re[i] + r, ai = im[i] + r, br = re[i + 1], bi = im[i + 1];
        EML_FFT_Q15_EMIT(re + i, ar + br, shift, store, mag);
        EML_FFT_Q15_EMIT(im + i, ai + bi, shift, store, mag);
        EML_FFT_Q15_EMIT(re + i + 1, ar - br, shift, store, mag);
        EML_FFT_Q15_EMIT(im + i + 1, ai - bi, shift, store, mag);
    }
    return mag;
}

// x = 4 x (c - i*s) / 32768, rounded: (xr*c + xi*s, xi*c - xr*s) / 8192.
#define EML_FFT_Q15_CMUL4(xr, xi, c, s) \
    do { \
        const int32_t r_ = ((xr) * (c) + (xi) * (s) + 0x1000) >> 13; \
        xi = ((xi) * (c) - (xr) * (s) + 0x1000) >> 13; \
        xr = r_; \
    } while (0)

// Radix-4 pass over groups of span 4h (log2(4h) = log2_4h), in quarter
// units (two more bits for the twiddled products), see EML_FFT_RADIX4 in
// eml_fft.h; stores y >> shift4 (shift4 >= 2, rounded), or with store == 0
// only computes. Returns the largest magnitude of the outputs.
static inline uint32_t eml_fft_q15_radix4(const EmlFFTQ15 *fft, int16_t *re, int16_t *im, int n,
                                          int h, int log2_4h, int shift4, int store) {
    const int step_shift = fft->log2_length - log2_4h;  // table index of W_4h^1
    const int32_t r = (1 << shift4) >> 1;
    uint32_t mag = 0;
    for (int j = 0; j < h; j++) {
        int32_t c1, s1, c2, s2, c3, s3;
        eml_fft_q15_twiddle(fft, (2 * j) << step_shift, &c1, &s1);
        eml_fft_q15_twiddle(fft, j << step_shift, &c2, &s2);
        eml_fft_q15_twiddle(fft, (3 * j) << step_shift, &c3, &s3);
        for (int16_t *pr = re + j, *pi = im + j; pr < re + n; pr += 4 * h, pi += 4 * h) {
            int32_t b1r = pr[h], b1i = pi[h], b2r = pr[2 * h], b2i = pi[2 * h];
            int32_t b3r = pr[3 * h], b3i = pi[3 * h];
            if (j == 0) {
                b1r *= 4, b1i *= 4, b2r *= 4, b2i *= 4, b3r *= 4, b3i *= 4;
            } else {
                EML_FFT_Q15_CMUL4(b1r, b1i, c1, s1);
                EML_FFT_Q15_CMUL4(b2r, b2i, c2, s2);
                EML_FFT_Q15_CMUL4(b3r, b3i, c3, s3);
            }
            // the rounding term goes into t0 and t1: each output has one of them
            const int32_t x0r = pr[0] * 4 + r, x0i = pi[0] * 4 + r;
            const int32_t t0r = x0r + b1r, t0i = x0i + b1i, t1r = x0r - b1r, t1i = x0i - b1i;
            const int32_t t2r = b2r + b3r, t2i = b2i + b3i, t3r = b2r - b3r, t3i = b2i - b3i;
            EML_FFT_Q15_EMIT(pr, t0r + t2r, shift4, store, mag);
            EML_FFT_Q15_EMIT(pi, t0i + t2i, shift4, store, mag);
            EML_FFT_Q15_EMIT(pr + 2 * h, t0r - t2r, shift4, store, mag);
            EML_FFT_Q15_EMIT(pi + 2 * h, t0i - t2i, shift4, store, mag);
            EML_FFT_Q15_EMIT(pr + h, t1r + t3i, shift4, store, mag);
            EML_FFT_Q15_EMIT(pi + h, t1i - t3r, shift4, store, mag);
            EML_FFT_Q15_EMIT(pr + 3 * h, t1r - t3i, shift4, store, mag);
            EML_FFT_Q15_EMIT(pi + 3 * h, t1i + t3r, shift4, store, mag);
        }
    }
    return mag;
}

// Bound of a radix-4 pass's outputs, in quarter units, from the largest
// magnitude of its inputs: |y| <= |x0| + 3 * sqrt(2) * max|x| + rounding.
static inline uint32_t eml_fft_q15_radix4_bound(uint32_t mag) {
    const uint32_t m = mag + 1;
    return 4u * m + ((m * 4345u) >> 8) + 4u;  // 4345/1024 > 3*sqrt(2)
}

// Shift for a radix-4 pass from the bound of its quarter-unit outputs: at
// least 2 (quarter units back to units).
static inline int eml_fft_q15_shift4_for(uint32_t bound4) {
    const int s = eml_fft_q15_shift_for(bound4);
    return s < 2 ? 2 : s;
}

// Complex forward FFT of size n (a power of two, n <= fft->length) in place
// on re[0..n-1], im[0..n-1]. Returns e: the spectrum is (re + i*im) * 2^e.
static inline int eml_fft_q15_complex(const EmlFFTQ15 *fft, int16_t *re, int16_t *im, int n) {
    if (n < 2) {
        return 0;
    }
    int log2n = 0;
    while ((1 << log2n) < n) {
        log2n++;
    }
    uint32_t mag = eml_fft_q15_bitreverse(re, im, n);
    int e = 0, h = 1, log2_4h = 2;
    if (log2n & 1) {
        const int s = log2n == 1 ? eml_fft_q15_shift_for(eml_fft_q15_radix2(re, im, n, 0, 0))
                                 : eml_fft_q15_shift_for(2 * mag + 2);
        mag = eml_fft_q15_radix2(re, im, n, s, 1);
        e += s;
        h = 2;
        log2_4h = 3;
    }
    for (; h < n; h *= 4, log2_4h += 2) {
        const int last = 4 * h >= n;
        const uint32_t bound = last ? eml_fft_q15_radix4(fft, re, im, n, h, log2_4h, 2, 0)
                                    : eml_fft_q15_radix4_bound(mag);
        const int s4 = eml_fft_q15_shift4_for(bound);
        mag = eml_fft_q15_radix4(fft, re, im, n, h, log2_4h, s4, 1);
        e += s4 - 2;
    }
    return e;
}

// Forward FFT of fft->length complex values in place; returns e.
static inline int eml_fft_q15_forward(const EmlFFTQ15 *fft, int16_t *re, int16_t *im) {
    return eml_fft_q15_complex(fft, re, im, fft->length);
}

// Split step of the real FFT on Z = re + i*im (bins 0..h-1 of the half-size
// FFT) at k and m = h - k, as 4 X[k] and 4 X[m] (see eml_fft_rfft):
// 4X[k] = 2(Z[k] + conj Z[m]) - 2i W (Z[k] - conj Z[m]), W = exp(-2 pi i k/n),
// with W Z[k] and W conj(Z[m]) rounded to half units.
static inline uint32_t eml_fft_q15_split(const EmlFFTQ15 *fft, int16_t *re, int16_t *im, int k, int m,
                                         int shift, int store) {
    const int32_t r = (1 << shift) >> 1;
    const int32_t zkr = re[k], zki = im[k], zmr = re[m], zmi = -im[m];
    const int32_t c = fft->twiddles[2 * k], s = fft->twiddles[2 * k + 1];
    const int32_t pr = (zkr * c + zki * s + 0x2000) >> 14, pi = (zki * c - zkr * s + 0x2000) >> 14;
    const int32_t qr = (zmr * c + zmi * s + 0x2000) >> 14, qi = (zmi * c - zmr * s + 0x2000) >> 14;
    const int32_t er = 2 * (zkr + zmr) + r, ei = 2 * (zki + zmi) + r;
    const int32_t dr = pr - qr, di = pi - qi;
    uint32_t mag = 0;
    EML_FFT_Q15_EMIT(re + k, er + di, shift, store, mag);
    EML_FFT_Q15_EMIT(im + k, ei - dr, shift, store, mag);
    EML_FFT_Q15_EMIT(re + m, er - di, shift, store, mag);
    EML_FFT_Q15_EMIT(im + m, 2 * r - dr - ei, shift, store, mag);
    return mag;
}

// The split step over all bins, as 4X >> shift; returns the largest magnitude.
static inline uint32_t eml_fft_q15_split_all(const EmlFFTQ15 *fft, int16_t *re, int16_t *im,
                                             int shift, int store) {
    const int h = fft->length >> 1;
    const int32_t r = (1 << shift) >> 1;
    const int32_t z0r = re[0], z0i = im[0];
    uint32_t mag = 0;
    for (int k = 1; 2 * k <= h; k++) {
        const uint32_t m = eml_fft_q15_split(fft, re, im, k, h - k, shift, store);
        mag = m > mag ? m : mag;
    }
    EML_FFT_Q15_EMIT(re, 4 * (z0r + z0i) + r, shift, store, mag);
    EML_FFT_Q15_EMIT(re + h, 4 * (z0r - z0i) + r, shift, store, mag);
    if (store) {
        im[0] = 0;
        im[h] = 0;
    }
    return mag;
}

// Spectrum of n = fft->length (>= 4) real int16 samples x (not modified)
// into re[0..n/2] and im[0..n/2], as numpy.fft.rfft(x) ~= (re + i*im) * 2^e;
// returns e.
static inline int eml_fft_q15_rfft(const EmlFFTQ15 *fft, const int16_t *x, int16_t *re, int16_t *im) {
    const int h = fft->length >> 1;
    for (int k = 0; k < h; k++) {
        re[k] = x[2 * k];
        im[k] = x[2 * k + 1];
    }
    const int e = eml_fft_q15_complex(fft, re, im, h);
    const int s = eml_fft_q15_shift_for(eml_fft_q15_split_all(fft, re, im, 0, 0));
    eml_fft_q15_split_all(fft, re, im, s, 1);
    return e + s - 2;
}

#ifdef __cplusplus
}
#endif
#endif // EML_FFT_Q15_H
