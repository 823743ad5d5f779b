// In-place FFT of int16 (q15) data with block floating point, for boards
// without an FPU. Same transform as eml_fft.h (bit reversal, one radix-2
// pass when log2(n) is odd, radix-4 passes) in 32-bit integer arithmetic:
// a twiddled pass works in 2^-13 units (x0 << 13, q15 products >> 2, no
// overflow for any int16 input) and rounds once, by its shift.
// Block floating point: each pass stores y >> s with the smallest shift s
// that a bound from the magnitude of its inputs allows (a twiddled pass's
// s below 13 keeps fraction bits of small signals). The magnitude is
// tracked as the OR of |y| while storing (at most twice the largest |y|).
// The last pass is computed twice:
// once for its true largest output, once to store it with the exact shift,
// so the result uses the int16 range fully. The functions return the total
// shift e:
//     numpy.fft.fft(re0 + 1j*im0) ~= (re + 1j*im) * 2**e
// Twiddles: q15 values rounded from eml_fft.h's float table (made at init,
// no libm), laid out per butterfly so that a pass reads them in order.
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
    // Caller-owned, eml_fft_q15_twiddles_length(n) values: for j = 0..n/4-1
    // the six values c1, s1, c2, s2, c3, s3 of w^j, w^2j, w^3j with
    // w = exp(-2*pi*i/n), each (c - i*s)/32768: c = round(32768 cos a),
    // s = round(32768 sin a), clamped to +-32767.
    int16_t *twiddles;
} EmlFFTQ15;

// Length of the twiddle table for an FFT of size n.
static inline int eml_fft_q15_twiddles_length(int n) {
    return n < 4 ? 1 : 6 * (n >> 2);
}

// round(32768 v) clamped to +-32767, for |v| <= 1.
static inline int16_t eml_fft_q15_from_float(float v) {
    const int r = v >= 0.0f ? (int)(v * 32768.0f + 0.5f) : -(int)(0.5f - v * 32768.0f);
    return (int16_t)(r > 32767 ? 32767 : r < -32767 ? -32767 : r);
}

// q15 table from an initialised float FFT of the same size.
static inline EmlError eml_fft_q15_init(EmlFFTQ15 *fft, const EmlFFT *table, int16_t *twiddles) {
    EML_PRECONDITION(fft && table && twiddles, EmlBadArgument);
    const int half = table->length >> 1;
    for (int j = 0; j < (table->length >> 2); j++) {
        for (int m = 1; m <= 3; m++) {
            // w^k = -w^(k - n/2)
            const int k = m * j, i = k < half ? k : k - half;
            const float sign = k < half ? 1.0f : -1.0f;
            twiddles[6 * j + 2 * m - 2] = eml_fft_q15_from_float(sign * table->twiddles[2 * i]);
            twiddles[6 * j + 2 * m - 1] = eml_fft_q15_from_float(sign * table->twiddles[2 * i + 1]);
        }
    }
    fft->length = table->length;
    fft->log2_length = table->log2_length;
    fft->twiddles = twiddles;
    return EmlOk;
}

// |v| for v >= 0, |v| - 1 for v < 0 (v ^ (v >> 31), no branch).
#define EML_FFT_Q15_MAG(v) ((uint32_t)((v) ^ ((v) >> 31)))

// Smallest right shift s for which every value v with EML_FFT_Q15_MAG(v) <= u
// gives (v + 2^(s-1)) >> s within int16.
static inline int eml_fft_q15_shift_for(uint32_t u) {
    int s = 0;
    while (u + ((1u << s) >> 1) > (32768u << s) - 1u) {
        s++;
    }
    return s;
}

// Bounds of a pass's outputs from m, the largest EML_FFT_Q15_MAG of its
// inputs (|x| <= m + 1): radix-2 and untwiddled radix-4 in units; twiddled
// radix-4 in 2^-13 units, |x0| + 3 sqrt(2) |x| plus the products' floors
// (42950 / 8192 > 1 + 3 sqrt(2) (1 + 2^-15)).
#define EML_FFT_Q15_BOUND2(m) (2u * ((m) + 1u))
#define EML_FFT_Q15_BOUND4(m) (4u * ((m) + 1u))
#define EML_FFT_Q15_BOUND4W(m) (((m) + 1u) * 42950u + 4u)

// The bit reversal of i + 1 for j, the bit reversal of i (n a power of two).
static inline int eml_fft_q15_next_reversed(int j, int n) {
    int m = n >> 1;
    while (j & m) {
        j ^= m;
        m >>= 1;
    }
    return j | m;
}

// Bit reversal in place; returns the OR of all magnitudes.
static inline uint32_t eml_fft_q15_bitreverse(int16_t *re, int16_t *im, int n) {
    uint32_t mag = 0;
    int j = 0;
    for (int i = 0; i < n; i++) {
        const int32_t a = re[i], b = im[i];
        mag |= EML_FFT_Q15_MAG(a) | EML_FFT_Q15_MAG(b);
        if (i < j) {
            re[i] = re[j];
            im[i] = im[j];
            re[j] = (int16_t)a;
            im[j] = (int16_t)b;
        }
        j = eml_fft_q15_next_reversed(j, n);
    }
    return mag;
}

// Store v >> shift at p (v includes the rounding term).
#define EML_FFT_Q15_PUT(p, v, shift) (*(p) = (int16_t)((v) >> (shift)))

// EML_FFT_Q15_PUT, folding the magnitude of the stored value into the OR `mag`.
#define EML_FFT_Q15_STORE(p, v, shift, mag) \
    do { \
        const int32_t o_ = (v) >> (shift); \
        *(p) = (int16_t)o_; \
        mag |= EML_FFT_Q15_MAG(o_); \
    } while (0)

// Fold the magnitude of v into the largest magnitude `mag`.
#define EML_FFT_Q15_MAX(mag, v) \
    do { \
        const uint32_t m_ = EML_FFT_Q15_MAG(v); \
        mag = m_ > mag ? m_ : mag; \
    } while (0)

// With store, EML_FFT_Q15_STORE; else EML_FFT_Q15_MAX of v.
#define EML_FFT_Q15_EMIT(p, v, shift, store, mag) \
    do { \
        if (store) { \
            EML_FFT_Q15_STORE(p, v, shift, mag); \
        } else { \
            EML_FFT_Q15_MAX(mag, v); \
        } \
    } while (0)

// Radix-2 pass with span 2 (no twiddles), in units. With store: stores
// y >> shift and returns the OR of the stored magnitudes; else returns the
// largest magnitude of y.
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

// First radix-4 pass (span 4, all twiddles 1), in units; stores y >> shift
// and returns the OR of the stored magnitudes. The real parts first, then
// the imaginary ones: fewer values live at once.
static inline uint32_t eml_fft_q15_radix4_first(int16_t *re, int16_t *im, int n, int shift) {
    const int32_t r = (1 << shift) >> 1;
    uint32_t mag = 0;
    for (int16_t *p = re, *q = im; p < re + n; p += 4, q += 4) {
        const int32_t ar = p[0] + r, br = p[1], cr = p[2], dr = p[3];
        const int32_t t1r = ar - br, t3r = cr - dr;
        EML_FFT_Q15_STORE(p, ar + br + cr + dr, shift, mag);
        EML_FFT_Q15_STORE(p + 2, ar + br - cr - dr, shift, mag);
        const int32_t ai = q[0] + r, bi = q[1], ci = q[2], di = q[3];
        const int32_t t1i = ai - bi, t3i = ci - di;
        EML_FFT_Q15_STORE(q, ai + bi + ci + di, shift, mag);
        EML_FFT_Q15_STORE(q + 2, ai + bi - ci - di, shift, mag);
        EML_FFT_Q15_STORE(p + 1, t1r + t3i, shift, mag);
        EML_FFT_Q15_STORE(p + 3, t1r - t3i, shift, mag);
        EML_FFT_Q15_STORE(q + 1, t1i - t3r, shift, mag);
        EML_FFT_Q15_STORE(q + 3, t1i + t3r, shift, mag);
    }
    return mag;
}

// x * (c - i*s) / 32768 in 2^-13 units of x, as (yr, yi).
#define EML_FFT_Q15_CMUL(xr, xi, c, s, yr, yi) \
    do { \
        yr = ((xr) * (c) + (xi) * (s)) >> 2; \
        yi = ((xi) * (c) - (xr) * (s)) >> 2; \
    } while (0)

// The twiddles of w^j, w^2j, w^3j from the table at tw.
#define EML_FFT_Q15_TWIDDLES(tw) \
    const int32_t c1 = (tw)[0], s1 = (tw)[1], c2 = (tw)[2], s2 = (tw)[3], c3 = (tw)[4], s3 = (tw)[5]

// The twiddled radix-4 butterfly at p, q (legs h apart) in 2^-13 units, up
// to its last sums, declared as t0r..t3i, with the rounding term r:
//     y0 = t0 + t2    y2 = t0 - t2    y1 = t1 - i t3    y3 = t1 + i t3
// with t0, t1 = x0 + r +- w^2j x1 and t2, t3 = w^j x2 +- w^3j x3.
#define EML_FFT_Q15_T4(p, q, h, r) \
    int32_t br, bi, t0r, t0i, t1r, t1i, t2r, t2i, t3r, t3i, ur, ui; \
    EML_FFT_Q15_CMUL(p[h], q[h], c2, s2, br, bi); \
    ur = p[0] * 8192 + (r); \
    ui = q[0] * 8192 + (r); \
    t0r = ur + br; \
    t1r = ur - br; \
    t0i = ui + bi; \
    t1i = ui - bi; \
    EML_FFT_Q15_CMUL(p[2 * h], q[2 * h], c1, s1, ur, ui); \
    EML_FFT_Q15_CMUL(p[3 * h], q[3 * h], c3, s3, br, bi); \
    t2r = ur + br; \
    t3r = ur - br; \
    t2i = ui + bi; \
    t3i = ui - bi

// |a| + |b|, the larger magnitude of a + b and a - b.
#define EML_FFT_Q15_ABS2(a, b) \
    (((uint32_t)((a) ^ ((a) >> 31)) - (uint32_t)((a) >> 31)) + \
     ((uint32_t)((b) ^ ((b) >> 31)) - (uint32_t)((b) >> 31)))

// (-O0 keeps r7 as the frame pointer: the C loop then.)
#if defined(__thumb__) && !defined(__thumb2__) && defined(__OPTIMIZE__) && !defined(EML_FFT_Q15_NO_ASM)
#define EML_FFT_Q15_ASM_V6M 1
// eml_fft_q15_radix4 (max = 0) and eml_fft_q15_radix4_max (max = 1) for
// Thumb-1 (armv6m: 8 low registers, where gcc keeps little in registers):
// the same arithmetic, bit for bit. Stack frame (sp offsets): 0 t0r, 4 t0i,
// 8 t1r, 12 t1i, 16..36 c1 s1 c2 s2 c3 s3, 40..92 the array a (r, shift,
// 2h, 4h, 6h, 8h in bytes, end of re, the result, twiddle pointer, its step
// in bytes, re + h, re + j, im + j, max), 96 b2r, 100 b2i.
static inline uint32_t eml_fft_q15_radix4_v6m(const int16_t *tw, int tw_step, const int16_t *re,
                                              const int16_t *im, int n, int h, int32_t r, int shift,
                                              int max) {
    const int32_t a[14] = {r, shift, 2 * h, 4 * h, 6 * h, 8 * h, (int32_t)(intptr_t)(re + n), 0,
                           (int32_t)(intptr_t)tw, 2 * tw_step, (int32_t)(intptr_t)(re + h),
                           (int32_t)(intptr_t)re, (int32_t)(intptr_t)im, max};
    register uint32_t r0 __asm__("r0") = (uint32_t)(intptr_t)a;
    __asm__ volatile(
        ".syntax unified\n\t"
        "sub sp, #104\n\t"
        "mov r1, sp\n\t"
        "adds r1, #40\n\t"
        "ldmia r0!, {r2-r7}\n\t"
        "stmia r1!, {r2-r7}\n\t"
        "ldmia r0!, {r2-r7}\n\t"
        "stmia r1!, {r2-r7}\n\t"
        "ldmia r0!, {r2, r3}\n\t"
        "stmia r1!, {r2, r3}\n"
        // per j: the twiddles of w^j, w^2j, w^3j
        "1:\n\t"
        "ldr r2, [sp, #72]\n\t"
        "ldrh r3, [r2, #0]\n\tsxth r3, r3\n\tstr r3, [sp, #16]\n\t"
        "ldrh r3, [r2, #2]\n\tsxth r3, r3\n\tstr r3, [sp, #20]\n\t"
        "ldrh r3, [r2, #4]\n\tsxth r3, r3\n\tstr r3, [sp, #24]\n\t"
        "ldrh r3, [r2, #6]\n\tsxth r3, r3\n\tstr r3, [sp, #28]\n\t"
        "ldrh r3, [r2, #8]\n\tsxth r3, r3\n\tstr r3, [sp, #32]\n\t"
        "ldrh r3, [r2, #10]\n\tsxth r3, r3\n\tstr r3, [sp, #36]\n\t"
        "ldr r3, [sp, #76]\n\tadds r2, r2, r3\n\tstr r2, [sp, #72]\n\t"
        "ldr r0, [sp, #84]\n\t"
        "ldr r1, [sp, #88]\n"
        // per butterfly; leg h: b1 = w^2j x1
        "2:\n\t"
        "ldr r2, [sp, #48]\n\t"
        "ldrsh r3, [r0, r2]\n\t"
        "ldrsh r4, [r1, r2]\n\t"
        "ldr r5, [sp, #24]\n\t"
        "ldr r6, [sp, #28]\n\t"
        "movs r7, r3\n\tmuls r7, r5, r7\n\t"
        "movs r2, r4\n\tmuls r2, r6, r2\n\t"
        "adds r7, r7, r2\n\tasrs r7, r7, #2\n\t"
        "muls r4, r5, r4\n\tmuls r3, r6, r3\n\t"
        "subs r4, r4, r3\n\tasrs r4, r4, #2\n\t"
        // x0 * 8192 + R; t0 = . + b1, t1 = . - b1
        "ldrh r5, [r0, #0]\n\tlsls r5, r5, #16\n\tasrs r5, r5, #3\n\t"
        "ldrh r3, [r1, #0]\n\tlsls r3, r3, #16\n\tasrs r3, r3, #3\n\t"
        "ldr r6, [sp, #40]\n\t"
        "adds r5, r5, r6\n\tadds r3, r3, r6\n\t"
        "adds r6, r5, r7\n\tsubs r5, r5, r7\n\t"
        "adds r2, r3, r4\n\tsubs r3, r3, r4\n\t"
        "str r6, [sp, #0]\n\tstr r2, [sp, #4]\n\tstr r5, [sp, #8]\n\tstr r3, [sp, #12]\n\t"
        // leg 2h: b2 = w^j x2
        "ldr r2, [sp, #52]\n\t"
        "ldrsh r3, [r0, r2]\n\t"
        "ldrsh r4, [r1, r2]\n\t"
        "ldr r5, [sp, #16]\n\t"
        "ldr r6, [sp, #20]\n\t"
        "movs r7, r3\n\tmuls r7, r5, r7\n\t"
        "movs r2, r4\n\tmuls r2, r6, r2\n\t"
        "adds r7, r7, r2\n\tasrs r7, r7, #2\n\t"
        "muls r4, r5, r4\n\tmuls r3, r6, r3\n\t"
        "subs r4, r4, r3\n\tasrs r4, r4, #2\n\t"
        "str r7, [sp, #96]\n\tstr r4, [sp, #100]\n\t"
        // leg 3h: b3 = w^3j x3
        "ldr r2, [sp, #56]\n\t"
        "ldrsh r3, [r0, r2]\n\t"
        "ldrsh r4, [r1, r2]\n\t"
        "ldr r5, [sp, #32]\n\t"
        "ldr r6, [sp, #36]\n\t"
        "movs r7, r3\n\tmuls r7, r5, r7\n\t"
        "movs r2, r4\n\tmuls r2, r6, r2\n\t"
        "adds r7, r7, r2\n\tasrs r7, r7, #2\n\t"
        "muls r4, r5, r4\n\tmuls r3, r6, r3\n\t"
        "subs r4, r4, r3\n\tasrs r4, r4, #2\n\t"
        // t2 = b2 + b3 (r2, r3), t3 = b2 - b3 (r5, r6)
        "ldr r5, [sp, #96]\n\tldr r6, [sp, #100]\n\t"
        "adds r2, r5, r7\n\tsubs r5, r5, r7\n\t"
        "adds r3, r6, r4\n\tsubs r6, r6, r4\n\t"
        "ldr r4, [sp, #92]\n\tcmp r4, #0\n\tbne 5f\n\t"
        // y0r = t0r + t2r at re, y2r = t0r - t2r at re + 2h; r7: OR of |y|
        "ldr r4, [sp, #0]\n\t"
        "adds r7, r4, r2\n\tsubs r4, r4, r2\n\t"
        "ldr r2, [sp, #44]\n\tasrs r7, r2\n\tasrs r4, r2\n\t"
        "strh r7, [r0, #0]\n\tldr r2, [sp, #52]\n\tstrh r4, [r0, r2]\n\t"
        "asrs r2, r7, #31\n\teors r7, r2\n\tasrs r2, r4, #31\n\teors r4, r2\n\torrs r7, r4\n\t"
        // y0i, y2i
        "ldr r4, [sp, #4]\n\t"
        "adds r2, r4, r3\n\tsubs r4, r4, r3\n\t"
        "ldr r3, [sp, #44]\n\tasrs r2, r3\n\tasrs r4, r3\n\t"
        "strh r2, [r1, #0]\n\tldr r3, [sp, #52]\n\tstrh r4, [r1, r3]\n\t"
        "asrs r3, r2, #31\n\teors r2, r3\n\tasrs r3, r4, #31\n\teors r4, r3\n\t"
        "orrs r7, r2\n\torrs r7, r4\n\t"
        // y1r = t1r + t3i at re + h, y3r = t1r - t3i at re + 3h
        "ldr r4, [sp, #8]\n\t"
        "adds r2, r4, r6\n\tsubs r4, r4, r6\n\t"
        "ldr r3, [sp, #44]\n\tasrs r2, r3\n\tasrs r4, r3\n\t"
        "ldr r3, [sp, #48]\n\tstrh r2, [r0, r3]\n\tldr r3, [sp, #56]\n\tstrh r4, [r0, r3]\n\t"
        "asrs r3, r2, #31\n\teors r2, r3\n\tasrs r3, r4, #31\n\teors r4, r3\n\t"
        "orrs r7, r2\n\torrs r7, r4\n\t"
        // y1i = t1i - t3r, y3i = t1i + t3r
        "ldr r4, [sp, #12]\n\t"
        "subs r2, r4, r5\n\tadds r4, r4, r5\n\t"
        "ldr r3, [sp, #44]\n\tasrs r2, r3\n\tasrs r4, r3\n\t"
        "ldr r3, [sp, #48]\n\tstrh r2, [r1, r3]\n\tldr r3, [sp, #56]\n\tstrh r4, [r1, r3]\n\t"
        "asrs r3, r2, #31\n\teors r2, r3\n\tasrs r3, r4, #31\n\teors r4, r3\n\t"
        "orrs r7, r2\n\torrs r7, r4\n\t"
        "ldr r2, [sp, #68]\n\torrs r2, r7\n\tstr r2, [sp, #68]\n\t"
        // next group, next j
        "6:\n\t"
        "ldr r2, [sp, #60]\n\t"
        "adds r0, r0, r2\n\tadds r1, r1, r2\n\t"
        "ldr r2, [sp, #64]\n\t"
        "cmp r0, r2\n\t"
        "bhs 3f\n\t"
        "b 2b\n"
        "3:\n\t"
        "ldr r0, [sp, #84]\n\tadds r0, #2\n\tstr r0, [sp, #84]\n\t"
        "ldr r1, [sp, #88]\n\tadds r1, #2\n\tstr r1, [sp, #88]\n\t"
        "ldr r2, [sp, #80]\n\t"
        "cmp r0, r2\n\t"
        "bhs 4f\n\t"
        "b 1b\n"
        // the largest of |t0r| + |t2r|, |t0i| + |t2i|, |t1r| + |t3i|, |t1i| + |t3r|
        "5:\n\t"
        "ldr r4, [sp, #0]\n\t"
        "asrs r7, r4, #31\n\teors r4, r7\n\tsubs r4, r4, r7\n\t"
        "asrs r7, r2, #31\n\teors r2, r7\n\tsubs r2, r2, r7\n\tadds r2, r2, r4\n\t"
        "ldr r4, [sp, #4]\n\t"
        "asrs r7, r4, #31\n\teors r4, r7\n\tsubs r4, r4, r7\n\t"
        "asrs r7, r3, #31\n\teors r3, r7\n\tsubs r3, r3, r7\n\tadds r3, r3, r4\n\t"
        "ldr r4, [sp, #8]\n\t"
        "asrs r7, r4, #31\n\teors r4, r7\n\tsubs r4, r4, r7\n\t"
        "asrs r7, r6, #31\n\teors r6, r7\n\tsubs r6, r6, r7\n\tadds r6, r6, r4\n\t"
        "ldr r4, [sp, #12]\n\t"
        "asrs r7, r4, #31\n\teors r4, r7\n\tsubs r4, r4, r7\n\t"
        "asrs r7, r5, #31\n\teors r5, r7\n\tsubs r5, r5, r7\n\tadds r5, r5, r4\n\t"
        "ldr r4, [sp, #68]\n\t"
        "cmp r2, r4\n\tbls 7f\n\tmovs r4, r2\n"
        "7:\n\t"
        "cmp r3, r4\n\tbls 7f\n\tmovs r4, r3\n"
        "7:\n\t"
        "cmp r6, r4\n\tbls 7f\n\tmovs r4, r6\n"
        "7:\n\t"
        "cmp r5, r4\n\tbls 7f\n\tmovs r4, r5\n"
        "7:\n\t"
        "str r4, [sp, #68]\n\t"
        "b 6b\n"
        "4:\n\t"
        "ldr r0, [sp, #68]\n\t"
        "add sp, #104\n\t"
        ".syntax divided\n\t"
        : "+l"(r0)
        :
        : "r1", "r2", "r3", "r4", "r5", "r6", "r7", "cc", "memory");
    return r0;
}
#endif

// The largest magnitude of the outputs of a twiddled radix-4 pass (no
// rounding term), without storing them.
static inline uint32_t eml_fft_q15_radix4_max(const int16_t *tw, int tw_step, const int16_t *re,
                                              const int16_t *im, int n, int h) {
#ifdef EML_FFT_Q15_ASM_V6M
    return eml_fft_q15_radix4_v6m(tw, tw_step, re, im, n, h, 0, 0, 1);
#else
    uint32_t mag = 0;
    for (int j = 0; j < h; j++, tw += tw_step) {
        EML_FFT_Q15_TWIDDLES(tw);
        for (const int16_t *p = re + j, *q = im + j; p < re + n; p += 4 * h, q += 4 * h) {
            EML_FFT_Q15_T4(p, q, h, 0);
            const uint32_t m0 = EML_FFT_Q15_ABS2(t0r, t2r), m1 = EML_FFT_Q15_ABS2(t0i, t2i);
            const uint32_t m2 = EML_FFT_Q15_ABS2(t1r, t3i), m3 = EML_FFT_Q15_ABS2(t1i, t3r);
            const uint32_t m01 = m0 > m1 ? m0 : m1, m23 = m2 > m3 ? m2 : m3, m = m01 > m23 ? m01 : m23;
            mag = m > mag ? m : mag;
        }
    }
    return mag;
#endif
}

// Twiddled radix-4 pass over groups of span 4h, storing y >> shift
// (rounded); tw: the table, read every tw_step values. Returns the OR of
// the stored magnitudes.
static inline uint32_t eml_fft_q15_radix4(const int16_t *tw, int tw_step, int16_t *re, int16_t *im,
                                          int n, int h, int shift) {
    const int32_t r = (1 << shift) >> 1;
#ifdef EML_FFT_Q15_ASM_V6M
    return eml_fft_q15_radix4_v6m(tw, tw_step, re, im, n, h, r, shift, 0);
#else
    uint32_t mag = 0;
    const int16_t *const end = re + n;
    for (int j = 0; j < h; j++, tw += tw_step) {
        EML_FFT_Q15_TWIDDLES(tw);
        for (int16_t *p = re + j, *q = im + j; p < end; p += 4 * h, q += 4 * h) {
            EML_FFT_Q15_T4(p, q, h, r);
            EML_FFT_Q15_STORE(p, t0r + t2r, shift, mag);
            EML_FFT_Q15_STORE(p + 2 * h, t0r - t2r, shift, mag);
            EML_FFT_Q15_STORE(q, t0i + t2i, shift, mag);
            EML_FFT_Q15_STORE(q + 2 * h, t0i - t2i, shift, mag);
            EML_FFT_Q15_STORE(p + h, t1r + t3i, shift, mag);
            EML_FFT_Q15_STORE(p + 3 * h, t1r - t3i, shift, mag);
            EML_FFT_Q15_STORE(q + h, t1i - t3r, shift, mag);
            EML_FFT_Q15_STORE(q + 3 * h, t1i + t3r, shift, mag);
        }
    }
    return mag;
#endif
}

// The passes of a complex FFT of size n on bit-reversed data, mag the OR
// of their magnitudes; with exact, the last pass uses the exact shift. Returns
// the total shift e.
static inline int eml_fft_q15_passes(const EmlFFTQ15 *fft, int16_t *re, int16_t *im, int n,
                                     uint32_t mag, int exact) {
    int log2n = 0, e = 0, h = 1;
    while ((1 << log2n) < n) {
        log2n++;
    }
    if (log2n & 1) {
        const int s = eml_fft_q15_shift_for(n == 2 && exact ? eml_fft_q15_radix2(re, im, n, 0, 0)
                                                            : EML_FFT_Q15_BOUND2(mag));
        mag = eml_fft_q15_radix2(re, im, n, s, 1);
        e += s;
        h = 2;
    } else if (n >= 16) {
        const int s = eml_fft_q15_shift_for(EML_FFT_Q15_BOUND4(mag));
        mag = eml_fft_q15_radix4_first(re, im, n, s);
        e += s;
        h = 4;
    }
    for (; h < n; h *= 4) {
        const int step = 6 * (fft->length / (4 * h));
        const uint32_t bound = exact && 4 * h == n
                                   ? eml_fft_q15_radix4_max(fft->twiddles, step, re, im, n, h)
                                   : EML_FFT_Q15_BOUND4W(mag);
        const int s = eml_fft_q15_shift_for(bound);
        mag = eml_fft_q15_radix4(fft->twiddles, step, re, im, n, h, s);
        e += s - 13;
    }
    return e;
}

// Complex forward FFT of size n (a power of two, n <= fft->length) in place
// on re[0..n-1], im[0..n-1]. Returns e: the spectrum is (re + i*im) * 2^e.
static inline int eml_fft_q15_complex(const EmlFFTQ15 *fft, int16_t *re, int16_t *im, int n) {
    return n < 2 ? 0 : eml_fft_q15_passes(fft, re, im, n, eml_fft_q15_bitreverse(re, im, n), 1);
}

// Forward FFT of fft->length complex values in place; returns e.
static inline int eml_fft_q15_forward(const EmlFFTQ15 *fft, int16_t *re, int16_t *im) {
    return eml_fft_q15_complex(fft, re, im, fft->length);
}

// Split step of the real FFT on Z = re + i*im (bins 0..h-1 of the half-size
// FFT, h = n/2), in 2^-14 units of X: with E = Z[k] + conj Z[m],
// D = Z[k] - conj Z[m] (m = h - k) and W = w^k, w = exp(-2*pi*i/n),
//     2 X[k] = E - i W D      2 X[m] = conj(E + i W D)
// declared as er, ei (E) and wr, wi (W D), for the pair k, m read at
// re, im with the table tw at w^k.
#define EML_FFT_Q15_SPLIT(re, im, k, m, tw) \
    const int32_t zkr = re[k], zki = im[k], zmr = re[m], zmi = im[m]; \
    const int32_t er = (zkr + zmr) * 8192, ei = (zki - zmi) * 8192, dr = zkr - zmr, di = zki + zmi; \
    const int32_t c = (tw)[0], s = (tw)[1]; \
    const int32_t wr = ((dr * c) >> 2) + ((di * s) >> 2), wi = ((di * c) >> 2) - ((dr * s) >> 2)

// The bins that need no twiddle: X[0] = Re Z[0] + Im Z[0],
// X[h] = Re Z[0] - Im Z[0], X[h/2] = conj Z[h/2] (h >= 2), in the same
// units with the rounding term r, into v[0..3] (re[0], re[h], re[h/2],
// im[h/2]); returns how many.
static inline int eml_fft_q15_split_ends(const int16_t *re, const int16_t *im, int h, int32_t r,
                                         int32_t *v) {
    v[0] = (re[0] + im[0]) * 16384 + r;
    v[1] = (re[0] - im[0]) * 16384 + r;
    v[2] = re[h >> 1] * 16384 + r;
    v[3] = r - im[h >> 1] * 16384;
    return h >= 2 ? 4 : 2;
}

// The largest magnitude of the split step's outputs (no rounding term):
// max(|a + b|, |a - b|) = |a| + |b| for each pair of outputs.
static inline uint32_t eml_fft_q15_split_max(const EmlFFTQ15 *fft, const int16_t *re, const int16_t *im,
                                             int h) {
    const int16_t *tw = fft->twiddles + 6;
    uint32_t mag = 0;
    for (int k = 1, m = h - 1; k < m; k++, m--, tw += 6) {
        EML_FFT_Q15_SPLIT(re, im, k, m, tw);
        const uint32_t a = EML_FFT_Q15_ABS2(er, wi), b = EML_FFT_Q15_ABS2(ei, wr);
        mag = a > mag ? a : mag;
        mag = b > mag ? b : mag;
    }
    int32_t v[4];
    for (int t = eml_fft_q15_split_ends(re, im, h, 0, v) - 1; t >= 0; t--) {
        EML_FFT_Q15_MAX(mag, v[t]);
    }
    return mag;
}

// The split step in place, storing X >> shift (rounded), im[0] = im[h] = 0.
static inline void eml_fft_q15_split(const EmlFFTQ15 *fft, int16_t *re, int16_t *im, int h, int shift) {
    const int32_t r = (1 << shift) >> 1;
    const int16_t *tw = fft->twiddles + 6;
    int32_t v[4];
    const int ends = eml_fft_q15_split_ends(re, im, h, r, v);
    for (int k = 1, m = h - 1; k < m; k++, m--, tw += 6) {
        EML_FFT_Q15_SPLIT(re, im, k, m, tw);
        EML_FFT_Q15_PUT(re + k, er + wi + r, shift);
        EML_FFT_Q15_PUT(im + k, ei - wr + r, shift);
        EML_FFT_Q15_PUT(re + m, er - wi + r, shift);
        EML_FFT_Q15_PUT(im + m, r - ei - wr, shift);
    }
    int16_t *const at[4] = {re, re + h, re + (h >> 1), im + (h >> 1)};
    for (int t = 0; t < ends; t++) {
        EML_FFT_Q15_PUT(at[t], v[t], shift);
    }
    im[0] = 0;
    im[h] = 0;
}

// Spectrum of n = fft->length real int16 samples x (not modified) into
// re[0..n/2] and im[0..n/2], as numpy.fft.rfft(x) ~= (re + i*im) * 2^e;
// returns e.
static inline int eml_fft_q15_rfft(const EmlFFTQ15 *fft, const int16_t *x, int16_t *re, int16_t *im) {
    const int h = fft->length >> 1;
    uint32_t mag = 0;
    for (int k = 0, j = 0; k < h; k++) {
        const int32_t a = x[2 * k], b = x[2 * k + 1];
        mag |= EML_FFT_Q15_MAG(a) | EML_FFT_Q15_MAG(b);
        re[j] = (int16_t)a;
        im[j] = (int16_t)b;
        j = eml_fft_q15_next_reversed(j, h);
    }
    const int e = h < 2 ? 0 : eml_fft_q15_passes(fft, re, im, h, mag, 1);
    const int s = eml_fft_q15_shift_for(eml_fft_q15_split_max(fft, re, im, h));
    eml_fft_q15_split(fft, re, im, h, s);
    return e + s - 14;
}

#ifdef __cplusplus
}
#endif
#endif // EML_FFT_Q15_H
