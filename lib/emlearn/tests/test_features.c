#include <math.h>
#include <string.h>
#include "eml_features.h"
#include "eml_test.h"

#define PI 3.14159265358979323846
#define N 128
#define C 3

static const uint8_t KINDS[] = {
    EmlFeatureMean, EmlFeatureStd, EmlFeatureMin, EmlFeatureMax, EmlFeatureMedian, EmlFeatureP10,
    EmlFeatureP90, EmlFeatureIqr, EmlFeatureRms, EmlFeatureEnergy, EmlFeatureAbsMean, EmlFeatureZcr,
    EmlFeatureMcr, EmlFeatureSkew, EmlFeatureKurtosis, EmlFeatureBand, EmlFeatureDominantFreq,
    EmlFeatureCorr};
#define N_KINDS ((int)sizeof(KINDS))
#define BANDS 4
#define PER_CHANNEL (N_KINDS - 2 + BANDS)

static float buffer[8 * N + 16 + 4 * N + 2];

static double percentile(const double *sorted, int m, double p) {
    const double pos = p * (m - 1);
    const int lo = (int)pos;
    return lo + 1 < m ? sorted[lo] + (pos - lo) * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
}

// Reference features of channel x (n values) in double.
static void reference(const double *x, int n, double *ref) {
    double mean = 0, m2 = 0, m3 = 0, m4 = 0, sq = 0, ab = 0, sorted[N];
    for (int i = 0; i < n; i++) {
        mean += x[i] / n;
    }
    int zc = 0, mc = 0;
    for (int i = 0; i < n; i++) {
        const double d = x[i] - mean;
        m2 += d * d / n, m3 += d * d * d / n, m4 += d * d * d * d / n;
        sq += x[i] * x[i] / n, ab += fabs(x[i]) / n;
        zc += i > 0 && ((x[i - 1] < 0) != (x[i] < 0));
        mc += i > 0 && ((x[i - 1] < mean) != (x[i] < mean));
        sorted[i] = x[i];
    }
    qsort(sorted, n, sizeof(double), eml_test_cmp_double);
    double power[N / 2 + 1];
    for (int k = 1; k <= n / 2; k++) {
        double re = 0, im = 0;
        for (int i = 0; i < n; i++) {
            const double w = 0.5 - 0.5 * cos(2 * PI * i / n), a = -2 * PI * (double)i * k / n;
            re += (x[i] - mean) * w * cos(a);
            im += (x[i] - mean) * w * sin(a);
        }
        power[k] = re * re + im * im;
    }
    const double vals[] = {mean, sqrt(m2), sorted[0], sorted[n - 1], percentile(sorted, n, 0.5),
                           percentile(sorted, n, 0.1), percentile(sorted, n, 0.9),
                           percentile(sorted, n, 0.75) - percentile(sorted, n, 0.25), sqrt(sq), sq, ab,
                           (double)zc / n, (double)mc / n, m3 / pow(m2, 1.5), m4 / (m2 * m2) - 3};
    memcpy(ref, vals, sizeof(vals));
    int best = 1;
    for (int b = 0; b < BANDS; b++) {
        ref[15 + b] = 0;
        for (int k = 1 + b * (n / 2) / BANDS; k < 1 + (b + 1) * (n / 2) / BANDS; k++) {
            ref[15 + b] += power[k];
            best = power[k] > power[best] ? k : best;
        }
    }
    ref[15 + BANDS] = best;
}

static void check_window(void) {
    int16_t s[N * C];
    double x[C][N];
    for (int i = 0; i < N; i++) {
        for (int c = 0; c < C; c++) {
            const double v = 3000 * sin(0.3 * i * (c + 1)) + 200.0 * (eml_test_rng() % 100) - 9000 * (c == 2);
            s[i * C + c] = (int16_t)v;
            x[c][i] = s[i * C + c];
        }
    }
    EmlFeatures f;
    CHECK(eml_features_buffer_length(N, C, 0, 0, 1) <= (int)(sizeof(buffer) / sizeof(float)));
    CHECK(eml_features_init(&f, N, C, 0, 0, KINDS, N_KINDS, BANDS, buffer) == EmlOk);
    CHECK(f.n_features == C * PER_CHANNEL + 3);
    float out[C * PER_CHANNEL + 3];
    CHECK(eml_features_compute(&f, s, NULL, out) == EmlOk);
    for (int c = 0; c < C; c++) {
        double ref[PER_CHANNEL];
        reference(x[c], N, ref);
        for (int j = 0; j < PER_CHANNEL; j++) {
            const double tol = j >= 13 && j < 15 ? 1e-5 : 1e-5 * (fabs(ref[j]) + (j == 1 ? 0 : ref[1]));
            CHECK(fabs(out[c * PER_CHANNEL + j] - ref[j]) <= tol + 1e-30);
        }
    }
    // corr_xy against the double-precision definition
    double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
    for (int i = 0; i < N; i++) {
        ma += x[0][i] / N, mb += x[1][i] / N;
    }
    for (int i = 0; i < N; i++) {
        sab += (x[0][i] - ma) * (x[1][i] - mb);
        saa += (x[0][i] - ma) * (x[0][i] - ma);
        sbb += (x[1][i] - mb) * (x[1][i] - mb);
    }
    CHECK(fabs(out[C * PER_CHANNEL] - sab / sqrt(saa * sbb)) < 1e-5);
    // the spectrum's scratch must not overwrite the selection copy
    const float median = out[4], iqr = out[7];  // channel x, from KINDS
    static const uint8_t band_first[] = {EmlFeatureBand, EmlFeatureMedian, EmlFeatureIqr};
    CHECK(eml_features_init(&f, N, C, 0, 0, band_first, 3, 2, buffer) == EmlOk);
    CHECK(eml_features_compute(&f, s, NULL, out) == EmlOk);
    CHECK(out[2] == median && out[3] == iqr);
}

static void check_edges(void) {
    EmlFeatures f;
    static const uint8_t stats[] = {EmlFeatureStd, EmlFeatureSkew, EmlFeatureKurtosis, EmlFeatureEnergy,
                                    EmlFeatureCorr};
    CHECK(eml_features_init(&f, N, 2, 1, 1, stats, 5, 1, buffer) == EmlOk);
    CHECK(f.total_channels == 6 && f.n_features == 6 * 4 + 1);
    int16_t s[2 * N];
    float out[25];
    for (int i = 0; i < 2 * N; i++) {
        s[i] = i % 2 ? 1234 : (i / 2 % 2 ? 32767 : -32768);  // x extreme square wave, y constant
    }
    CHECK(eml_features_compute(&f, s, NULL, out) == EmlOk);
    CHECK(out[0] == 32767.5f && out[1] == 0.0f && fabsf(out[2] + 2.0f) < 1e-5f);  // x: std, skew, kurt
    CHECK(fabs(out[3] - (32768.0 * 32768 + 32767.0 * 32767) / 2) < 1e-7 * out[3]);
    CHECK(out[4] == 0.0f && out[5] == 0.0f && out[6] == 0.0f && out[24] == 0.0f);  // y constant
    float nan_in[2 * N] = {0};
    nan_in[77] = NAN;
    CHECK(eml_features_compute(&f, NULL, nan_in, out) == EmlOutOfRange);
    nan_in[77] = INFINITY;
    CHECK(eml_features_compute(&f, NULL, nan_in, out) == EmlOutOfRange);
    nan_in[77] = 0.0f;
    CHECK(eml_features_compute(&f, NULL, nan_in, out) == EmlOk);
    static const uint8_t band[] = {EmlFeatureBand}, corr[] = {EmlFeatureCorr}, bad[] = {EmlFeatureKinds};
    CHECK(eml_features_init(&f, 7, 1, 0, 0, stats, 1, 1, buffer) == EmlOutOfRange);
    CHECK(eml_features_init(&f, 4097, 1, 0, 0, stats, 1, 1, buffer) == EmlOutOfRange);
    CHECK(eml_features_init(&f, 100, 1, 0, 0, stats, 1, 1, buffer) == EmlOk);
    CHECK(eml_features_init(&f, 100, 1, 0, 0, band, 1, 1, buffer) == EmlUnsupported);
    CHECK(eml_features_init(&f, 64, 1, 0, 0, band, 1, 33, buffer) == EmlOutOfRange);
    CHECK(eml_features_init(&f, 64, 9, 0, 0, band, 1, 1, buffer) == EmlOutOfRange);
    CHECK(eml_features_init(&f, 64, 1, 0, 0, corr, 1, 1, buffer) == EmlSizeMismatch);
    CHECK(eml_features_init(&f, 64, 1, 0, 0, bad, 1, 1, buffer) == EmlBadArgument);
}

int main(void) {
    check_window();
    check_edges();
    TEST_DONE("eml_features");
    return 0;
}
