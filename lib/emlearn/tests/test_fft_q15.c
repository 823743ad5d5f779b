// Host tests of eml_fft_q15.h: complex and real q15 FFTs with block
// floating point against a double-precision FFT of the same int16 input,
// as SNR = 10 log10(sum |ref|^2 / sum |err|^2), for noise and tones at full
// scale and at -30 dBFS, n = 2..4096, and the int16 extremes, where a pass
// grows the most.
#include <math.h>
#include <string.h>
#include "eml_fft_q15.h"
#include "eml_test.h"

#define NMAX 4096
static float ftw[NMAX];
static int16_t qtw[6 * (NMAX / 4)];
static int16_t re[NMAX + 1], im[NMAX + 1], x[NMAX];
static double dre[NMAX], dim[NMAX];

static const double PI = 3.14159265358979323846;

// Radix-2 FFT in double, in place (reference).
static void dfft(double *r, double *i, int n) {
    for (int a = 1, b = 0; a < n; a++) {
        int bit = n >> 1;
        for (; b & bit; bit >>= 1) {
            b ^= bit;
        }
        b |= bit;
        if (a < b) {
            double t = r[a]; r[a] = r[b]; r[b] = t;
            t = i[a]; i[a] = i[b]; i[b] = t;
        }
    }
    for (int len = 2; len <= n; len <<= 1) {
        for (int j = 0; j < len / 2; j++) {
            const double c = cos(2 * PI * j / len), s = -sin(2 * PI * j / len);
            for (int k = j; k < n; k += len) {
                const int m = k + len / 2;
                const double tr = r[m] * c - i[m] * s, ti = r[m] * s + i[m] * c;
                r[m] = r[k] - tr; i[m] = i[k] - ti;
                r[k] += tr; i[k] += ti;
            }
        }
    }
}

static unsigned rng = 4321u;
static double uniform(void) {
    rng = rng * 1664525u + 1013904223u;
    return (rng >> 8) * (1.0 / 16777216.0) * 2.0 - 1.0;
}

static int16_t q(double v) {
    const double r = floor(v + 0.5);
    return (int16_t)(r > 32767 ? 32767 : r < -32768 ? -32768 : r);
}

// Fill re, im (and x = re) with `kind` (0 noise, 1 tone, 2 chirp) at `amp`.
static void fill(int kind, int n, double amp) {
    for (int t = 0; t < n; t++) {
        double a = uniform(), b = uniform();
        if (kind == 1) {
            const double ph = 2 * PI * (0.123 * n + 0.3) * t / n;
            a = cos(ph + 0.2);
            b = sin(ph + 0.2);
        } else if (kind == 2) {
            const double ph = PI * 0.45 * t * t / n;
            a = cos(ph);
            b = sin(ph);
        }
        re[t] = x[t] = q(amp * a);
        im[t] = q(amp * b);
    }
}

static double snr(const int16_t *gr, const int16_t *gi, int e, int bins) {
    double sig = 0, err = 0;
    for (int k = 0; k < bins; k++) {
        const double yr = ldexp(gr[k], e) - dre[k], yi = ldexp(gi[k], e) - dim[k];
        sig += dre[k] * dre[k] + dim[k] * dim[k];
        err += yr * yr + yi * yi;
    }
    return err > 0 ? 10 * log10(sig / err) : 200.0;
}

// SNR of the complex (run) and real (rfft) transforms of n values.
static void check(int n, int kind, double amp, double *snr_c, double *snr_r) {
    EmlFFT ff;
    EmlFFTQ15 fq;
    CHECK(eml_fft_init(&ff, n, ftw) == EmlOk);
    CHECK(eml_fft_q15_init(&fq, &ff, qtw) == EmlOk);
    fill(kind, n, amp);
    for (int t = 0; t < n; t++) {
        dre[t] = re[t];
        dim[t] = im[t];
    }
    dfft(dre, dim, n);
    int e = eml_fft_q15_forward(&fq, re, im);
    *snr_c = snr(re, im, e, n);
    for (int t = 0; t < n; t++) {
        dre[t] = x[t];
        dim[t] = 0;
    }
    dfft(dre, dim, n);
    e = eml_fft_q15_rfft(&fq, x, re, im);
    *snr_r = snr(re, im, e, n / 2 + 1);
}

// The bounds (60 dB full scale, 55 dB at -30 dBFS), except tones at
// n = 4096: the int16 output with one power-of-two exponent alone limits a
// tone (its energy in one bin of magnitude P in [2^14, 2^15) after scaling,
// rounding noise n/6 in all bins) to 10 log10(6 P^2 / n) = 56..62 dB.
static double bound(int n, int kind, int level) {
    if (n == 4096 && kind == 1) {
        return 57.0;
    }
    return level ? 55.0 : 60.0;
}

int main(void) {
    static const char *kinds[] = {"noise", "tone", "chirp"};
    double worst[2] = {200, 200};
    for (int n = 2; n <= NMAX; n *= 2) {
        for (int kind = 0; kind < 3; kind++) {
            for (int level = 0; level < 2; level++) {
                const double amp = level ? 32767 * pow(10, -1.5) : 32767;
                double c, r;
                check(n, kind, amp, &c, &r);
                if (n >= 16) {
                    worst[level] = fmin(worst[level], fmin(c, r));
                }
                printf("n=%5d %-5s %3d dBFS: complex %.1f dB, real %.1f dB\n", n, kinds[kind],
                       level ? -30 : 0, c, r);
                CHECK(n < 16 || fmin(c, r) >= bound(n, kind, level));
            }
        }
    }
    printf("worst SNR n=16..%d: %.1f dB full scale, %.1f dB at -30 dBFS\n", NMAX, worst[0], worst[1]);
    // the int16 extremes (the largest growth a pass can see): no overflow
    for (int n = 16; n <= NMAX; n *= 4) {
        EmlFFT ff;
        EmlFFTQ15 fq;
        CHECK(eml_fft_init(&ff, n, ftw) == EmlOk);
        CHECK(eml_fft_q15_init(&fq, &ff, qtw) == EmlOk);
        for (int t = 0; t < n; t++) {
            re[t] = x[t] = (t * 7 + t / 3) % 5 < 2 ? 32767 : -32768;
            im[t] = -32768;
            dre[t] = re[t];
            dim[t] = im[t];
        }
        dfft(dre, dim, n);
        const int e = eml_fft_q15_forward(&fq, re, im);
        CHECK(snr(re, im, e, n) >= 60.0);
        for (int t = 0; t < n; t++) {
            dre[t] = x[t];
            dim[t] = 0;
        }
        dfft(dre, dim, n);
        CHECK(snr(re, im, eml_fft_q15_rfft(&fq, x, re, im), n / 2 + 1) >= 60.0);
    }
    // w^j, w^2j, w^3j for each j, within half a q15 step (1 clamped to 32767)
    EmlFFT ff;
    EmlFFTQ15 fq;
    CHECK(eml_fft_init(&ff, 64, ftw) == EmlOk);
    CHECK(eml_fft_q15_init(&fq, &ff, qtw) == EmlOk);
    CHECK(eml_fft_q15_twiddles_length(64) == 96);
    for (int j = 0; j < 16; j++) {
        for (int m = 1; m <= 3; m++) {
            const double a = 2 * PI * m * j / 64;
            CHECK(fabs(qtw[6 * j + 2 * m - 2] - fmin(32767, 32768 * cos(a))) <= 0.5);
            CHECK(fabs(qtw[6 * j + 2 * m - 1] - fmin(32767, 32768 * sin(a))) <= 0.5);
        }
    }
    CHECK(eml_fft_q15_init(&fq, &ff, NULL) == EmlBadArgument);
    TEST_DONE("eml_fft_q15");
    return 0;
}
