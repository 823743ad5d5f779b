// Host tests of eml_iir.h: a biquad cascade against a double-precision
// direct-form reference, block splitting, reset and coefficient checks.
#include <math.h>
#include <string.h>
#include "eml_iir.h"
#include "eml_test.h"

#define N 2000
#define STAGES 5

// Stable sections: complex pole pairs inside the unit circle, with zeros.
static const float sos[STAGES * 6] = {
    0.0200f, 0.0400f, 0.0200f, 1.0f, -1.5610f, 0.6414f,
    1.0000f, -2.0000f, 1.0000f, 1.0f, -1.1430f, 0.4128f,
    0.5000f, 0.0000f, -0.5000f, 1.0f, -0.3000f, 0.2500f,
    0.3000f, 0.2000f, 0.1000f, 1.0f, 0.4000f, 0.3000f,
    1.0000f, 0.5000f, 0.0000f, 1.0f, -0.9000f, 0.8100f,
};

static unsigned rng = 777u;
static float uniform(void) {
    rng = rng * 1664525u + 1013904223u;
    return (float)((rng >> 8) * (1.0 / 16777216.0)) * 2.0f - 1.0f;
}

// Direct form I in double, stage after stage.
static void reference(const float *x, double *y, int n, int stages) {
    for (int i = 0; i < n; i++) {
        y[i] = x[i];
    }
    for (int s = 0; s < stages; s++) {
        const float *c = sos + 6 * s;
        double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
        for (int i = 0; i < n; i++) {
            const double in = y[i];
            const double out = c[0] * in + c[1] * x1 + c[2] * x2 - c[4] * y1 - c[5] * y2;
            x2 = x1;
            x1 = in;
            y2 = y1;
            y1 = out;
            y[i] = out;
        }
    }
}

int main(void) {
    static float x[N], a[N], b[N];
    static double ref[N];
    float states[2 * STAGES];
    EmlIIR filter;
    for (int i = 0; i < N; i++) {
        x[i] = uniform();
    }
    // 1 to 5 stages: single, pair, triple and mixed passes.
    for (int stages = 1; stages <= STAGES; stages++) {
        CHECK(eml_iir_init(&filter, stages, sos, states) == EmlOk);
        memcpy(a, x, sizeof(a));
        eml_iir_run(&filter, a, N);
        reference(x, ref, N, stages);
        double err = 0.0, rms = 0.0;
        for (int i = 0; i < N; i++) {
            err = fmax(err, fabs(a[i] - ref[i]));
            rms += ref[i] * ref[i];
        }
        rms = sqrt(rms / N);
        printf("iir %d stages: worst error %.3g, %.2g of output rms\n", stages, err, err / rms);
        CHECK(err <= 1e-5 * rms);
    }

    // Blocks of varying sizes (including empty) give the same output exactly.
    eml_iir_reset(&filter);
    memcpy(b, x, sizeof(b));
    for (int i = 0, len = 0; i < N; i += len) {
        len = (i * 7 + 3) % 37;
        len = len > N - i ? N - i : len;
        eml_iir_run(&filter, b + i, len);
    }
    CHECK(memcmp(a, b, sizeof(a)) == 0);

    // Reset zeroes the state: the same input gives the same output again.
    eml_iir_reset(&filter);
    memcpy(b, x, sizeof(b));
    eml_iir_run(&filter, b, N);
    CHECK(memcmp(a, b, sizeof(a)) == 0);

    // Invalid rows: a0 != 1, NaN, inf; and no stages.
    float bad[STAGES * 6];
    memcpy(bad, sos, sizeof(bad));
    CHECK(eml_iir_bad_stage(bad, STAGES) == -1);
    bad[6 + 3] = 2.0f;
    CHECK(eml_iir_bad_stage(bad, STAGES) == 1);
    CHECK(eml_iir_init(&filter, STAGES, bad, states) == EmlBadArgument);
    memcpy(bad, sos, sizeof(bad));
    bad[12 + 1] = NAN;
    CHECK(eml_iir_bad_stage(bad, STAGES) == 2);
    bad[12 + 1] = INFINITY;
    CHECK(eml_iir_bad_stage(bad, STAGES) == 2);
    bad[0] = -INFINITY;
    CHECK(eml_iir_bad_stage(bad, STAGES) == 0);
    CHECK(eml_iir_init(&filter, 0, sos, states) == EmlSizeMismatch);
    CHECK(eml_iir_init(&filter, 1, NULL, states) == EmlBadArgument);
    TEST_DONE("eml_iir");
    return 0;
}
