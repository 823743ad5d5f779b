// Host tests of eml_fft.h: twiddle accuracy against libm, transforms
// against a double-precision DFT, and size checks.
#include <math.h>
#include <string.h>
#include "eml_fft.h"
#include "eml_test.h"

#define NMAX 4096
static float twiddles[EML_FFT_MAX_LENGTH];
static float re[NMAX + 1], im[NMAX + 1], x[NMAX];
static double dre[NMAX], dim[NMAX];

static const double PI = 3.14159265358979323846;

// Largest error of the table for size n against libm, in units of the
// float32 spacing (ulp) at the exact value (values below 1e-6 use 1e-6).
static double table_error(int n) {
    EmlFFT fft;
    CHECK(eml_fft_init(&fft, n, twiddles) == EmlOk);
    CHECK(fft.length == n && (1 << fft.log2_length) == n);
    double worst = 0.0;
    for (int k = 0; k < n / 2; k++) {
        const double a = 2.0 * PI * k / n;
        const double ref[2] = {cos(a), sin(a)};
        for (int q = 0; q < 2; q++) {
            const float mag = fabs(ref[q]) < 1e-6 ? 1e-6f : (float)fabs(ref[q]);
            const double ulp = nextafterf(mag, 2.0f) - mag;
            worst = fmax(worst, fabs(twiddles[2 * k + q] - ref[q]) / ulp);
        }
    }
    return worst;
}

// Naive DFT in double of the float input (re, im), length n.
static void dft(const float *xr, const float *xi, int n) {
    for (int k = 0; k < n; k++) {
        double sr = 0.0, si = 0.0;
        for (int j = 0; j < n; j++) {
            const double a = -2.0 * PI * (double)((long)j * k % n) / n;
            sr += xr[j] * cos(a) - xi[j] * sin(a);
            si += xr[j] * sin(a) + xi[j] * cos(a);
        }
        dre[k] = sr;
        dim[k] = si;
    }
}

static unsigned rng = 12345u;
static float uniform(void) {
    rng = rng * 1664525u + 1013904223u;
    return (float)((rng >> 8) * (1.0 / 16777216.0)) * 2.0f - 1.0f;
}

// Worst error of the complex and real FFT of size n on random data,
// relative to the input RMS (about 1/sqrt(3) here) times sqrt(n).
static void check_transforms(int n, double *worst_c, double *worst_r) {
    EmlFFT fft;
    CHECK(eml_fft_init(&fft, n, twiddles) == EmlOk);
    float xi[NMAX];
    for (int i = 0; i < n; i++) {
        x[i] = uniform();
        xi[i] = uniform();
        re[i] = x[i];
        im[i] = xi[i];
    }
    dft(x, xi, n);
    eml_fft_forward(&fft, re, im);
    const double scale = sqrt((double)n) / sqrt(3.0);
    double e = 0.0;
    for (int k = 0; k < n; k++) {
        e = fmax(e, fmax(fabs(re[k] - dre[k]), fabs(im[k] - dim[k])) / scale);
    }
    *worst_c = e;
    memset(xi, 0, sizeof(xi));
    dft(x, xi, n);
    eml_fft_rfft(&fft, x, re, im);
    e = 0.0;
    for (int k = 0; k <= n / 2; k++) {
        e = fmax(e, fmax(fabs(re[k] - dre[k]), fabs(im[k] - dim[k])) / scale);
    }
    *worst_r = e;
}

int main(void) {
    const double eps32 = 1.0 / 8388608.0;  // 2^-23
    double worst_table = 0.0;
    for (int n = 2; n <= EML_FFT_MAX_LENGTH; n *= 2) {
        worst_table = fmax(worst_table, table_error(n));
    }
    printf("twiddles: worst error %.3f ulp (n = 2..%d)\n", worst_table, EML_FFT_MAX_LENGTH);
    CHECK(worst_table <= 0.75);

    for (int n = 2; n <= NMAX; n *= 2) {
        double ec, er;
        check_transforms(n, &ec, &er);
        int log2n = 0;
        while ((1 << log2n) < n) {
            log2n++;
        }
        printf("n=%5d complex %.3g real %.3g (x eps32*log2n: %.2f %.2f)\n", n, ec, er,
               ec / (eps32 * log2n), er / (eps32 * log2n));
        CHECK(ec <= eps32 * log2n && er <= eps32 * log2n);
    }

    EmlFFT fft;
    const int bad[] = {0, 1, 3, 6, 100, -4, EML_FFT_MAX_LENGTH * 2};
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(eml_fft_init(&fft, bad[i], twiddles) == EmlUnsupported);
    }
    CHECK(eml_fft_init(&fft, 8, NULL) == EmlBadArgument);
    TEST_DONE("eml_fft");
    return 0;
}
