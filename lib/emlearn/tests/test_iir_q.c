// Host tests of eml_iir_q.h: int16 filtering in fixed point against a
// double-precision direct form I with the same float32 coefficients and the
// same int16 input, rounded and saturated to int16 (the bounds of issue 13:
// RMS error <= 1 LSB, largest <= 4 LSB); block splitting, reset, saturation,
// no limit cycle after an impulse, and coefficients out of range.
#include <math.h>
#include <string.h>
#include "eml_fft.h"
#include "eml_iir.h"
#include "eml_iir_q.h"
#include "eml_test.h"

#define N 4000
#define MAX_STAGES 4
#define N_COS 512

// scipy.signal designs, as float32: butter(8, 0.01), ellip(8, 1, 60, 0.01),
// cheby1(4, 1, [0.05, 0.3], 'bandpass').
static const float butter8[] = {
    3.42196144e-15f, 6.84392288e-15f, 3.42196144e-15f, 1.0f, -1.93926966f, 0.940227032f,
    1.0f, 2.0f, 1.0f, 1.0f, -1.94813359f, 0.949095309f,
    1.0f, 2.0f, 1.0f, 1.0f, -1.96472692f, 0.965696871f,
    1.0f, 2.0f, 1.0f, 1.0f, -1.98683786f, 0.987818778f,
};
static const float ellip8[] = {
    0.000990143395f, -0.00196535047f, 0.000990143395f, 1.0f, -1.98441625f, 0.984563589f,
    1.0f, -1.9976244f, 1.0f, 1.0f, -1.99069035f, 0.991241157f,
    1.0f, -1.99858081f, 1.0f, 1.0f, -1.99567008f, 0.996531367f,
    1.0f, -1.99878085f, 1.0f, 1.0f, -1.99816084f, 0.999145925f,
};
static const float cheby_bp[] = {
    0.00424123788f, 0.00848247577f, 0.00424123788f, 1.0f, -1.38221884f, 0.683868647f,
    1.0f, 2.0f, 1.0f, 1.0f, -1.09575832f, 0.847103417f,
    1.0f, -2.0f, 1.0f, 1.0f, -1.78781986f, 0.847234428f,
    1.0f, -2.0f, 1.0f, 1.0f, -1.94344425f, 0.96808064f,
};

static float table[2 * N_COS], power[N_COS + 1 + MAX_STAGES];
static int32_t coefficients[EML_IIR_Q_COEFFICIENTS * MAX_STAGES], states[EML_IIR_Q_STATES(MAX_STAGES)];
#define LONG 60000  // the ellip8 poles decay by e in about 2300 samples
static int16_t x[N], y[N], z[N], tail[LONG];

static unsigned rng = 99u;
static double uniform(void) {
    rng = rng * 1664525u + 1013904223u;
    return (rng >> 8) * (1.0 / 16777216.0) * 2.0 - 1.0;
}

static void make(EmlIIRQ *f, const float *sos, int stages) {
    EmlFFT fft;
    int g[MAX_STAGES];
    CHECK(eml_fft_init(&fft, 2 * N_COS, table) == EmlOk);
    eml_iir_q_gains(sos, stages, table, N_COS, power, g);
    CHECK(eml_iir_q_init(f, sos, stages, g, coefficients, states) == EmlOk);
}

// Largest and RMS difference from the double reference, in LSB.
static void compare(const float *sos, int stages, const int16_t *in, const int16_t *out, double *rms,
                    int *worst) {
    double s[MAX_STAGES][4] = {{0}}, e2 = 0;
    *worst = 0;
    for (int i = 0; i < N; i++) {
        double v = in[i];
        for (int k = 0; k < stages; k++) {
            const float *c = sos + 6 * k;
            const double o = c[0] * v + c[1] * s[k][0] + c[2] * s[k][1] - c[4] * s[k][2] - c[5] * s[k][3];
            s[k][1] = s[k][0], s[k][0] = v, s[k][3] = s[k][2], s[k][2] = o;
            v = o;
        }
        const double r = fmin(32767, fmax(-32767, floor(v + 0.5)));
        e2 += (out[i] - r) * (out[i] - r);
        *worst = fabs(out[i] - r) > *worst ? (int)fabs(out[i] - r) : *worst;
    }
    *rms = sqrt(e2 / N);
}

static void check_filter(const char *name, const float *sos, int stages) {
    EmlIIRQ f;
    for (int level = 1; level <= 40; level += 13) {
        const double amp = 32767 * pow(10, -level / 20.0);
        for (int kind = 0; kind < 3; kind++) {
            for (int i = 0; i < N; i++) {
                const double v = kind == 0 ? uniform() : kind == 1 ? cos(3.14159 * 0.45 * i * i / N)
                                                                    : (i >= 100 ? 1.0 : 0.0);
                x[i] = (int16_t)floor(amp * v + 0.5);
            }
            make(&f, sos, stages);
            memcpy(y, x, sizeof(y));
            eml_iir_q_run(&f, y, N);
            double rms;
            int worst;
            compare(sos, stages, x, y, &rms, &worst);
            printf("%-8s -%02d dBFS kind %d: rms %.3f max %d LSB\n", name, level, kind, rms, worst);
            CHECK(rms <= 1.0 && worst <= 4);
            // blocks of varying size give the same samples
            eml_iir_q_reset(&f);
            memcpy(z, x, sizeof(z));
            for (int start = 0, size = 1; start < N; start += size, size = size * 3 % 97) {
                eml_iir_q_run(&f, z + start, start + size > N ? N - start : size);
            }
            CHECK(memcmp(y, z, sizeof(y)) == 0);
        }
    }
    // no limit cycle: after an impulse has decayed the output is within 1 LSB
    make(&f, sos, stages);
    memset(tail, 0, sizeof(tail));
    tail[0] = 32767;
    eml_iir_q_run(&f, tail, LONG);
    for (int i = LONG - 10000; i < LONG; i++) {
        CHECK(tail[i] >= -1 && tail[i] <= 1);
    }
}

int main(void) {
    check_filter("butter8", butter8, 4);
    check_filter("ellip8", ellip8, 4);
    check_filter("cheby_bp", cheby_bp, 4);
    // saturation at +-32767: a gain of 4 on a full-scale square wave
    const float gain4[] = {4.0f, 0.0f, 0.0f, 1.0f, 0.0f, 0.0f};
    EmlIIRQ f;
    make(&f, gain4, 1);
    for (int i = 0; i < 8; i++) {
        y[i] = (i & 1) ? -32768 : 30000;
    }
    eml_iir_q_run(&f, y, 8);
    CHECK(y[0] == 32767 && y[1] == -32767);
    // a coefficient of 8 or more cannot be represented; just below works
    // and saturates (the signal is clamped at 4x full scale inside)
    const float big[] = {100.0f, 0.0f, 0.0f, 1.0f, 0.0f, 0.0f};
    const float gain8[] = {8.0f, 0.0f, 0.0f, 1.0f, 0.0f, 0.0f};
    const float gain7[] = {7.99f, 0.0f, 0.0f, 1.0f, 0.0f, 0.0f};
    const int g[1] = {0};
    CHECK(eml_iir_q_init(&f, big, 1, g, coefficients, states) == EmlOutOfRange);
    CHECK(eml_iir_q_init(&f, gain8, 1, g, coefficients, states) == EmlOutOfRange);
    CHECK(eml_iir_q_init(&f, gain7, 1, g, coefficients, states) == EmlOk);
    for (int i = 0; i < 8; i++) {
        y[i] = (i & 1) ? -32768 : 32767;
    }
    eml_iir_q_run(&f, y, 8);
    for (int i = 0; i < 8; i++) {
        CHECK(y[i] == ((i & 1) ? -32767 : 32767));
    }
    CHECK(eml_iir_q_init(&f, big, 0, g, coefficients, states) == EmlSizeMismatch);
    TEST_DONE("eml_iir_q");
    return 0;
}
