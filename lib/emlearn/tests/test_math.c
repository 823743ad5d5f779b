// Host tests of eml_math.h against libm over 60 octaves.
#include <math.h>
#include "eml_math.h"
#include "eml_test.h"

static void check_maths(void) {
    double worst_log = 0, worst_exp = 0, worst_rec = 0, worst_sqrt = 0;
    for (int i = 0; i < 200000; i++) {
        const float x = (float)exp(-30.0 + 60.0 * i / 200000.0);
        // float32 rounding of the result: half an ulp of |log2 x| on top
        const double l = log2((double)x);
        worst_log = fmax(worst_log, fabs(eml_log2f(x) - l) / (1.0 + fabs(l)));
        worst_rec = fmax(worst_rec, fabs(eml_reciprocalf(x) * (double)x - 1.0));
        worst_sqrt = fmax(worst_sqrt, fabs(eml_sqrtf(x) / sqrt((double)x) - 1.0));
        const float e = -40.0f + 80.0f * (float)i / 200000.0f;
        worst_exp = fmax(worst_exp, fabs(eml_exp2f(e) / exp2((double)e) - 1.0));
    }
    printf("log2 %.3g x (1 + |log2 x|), exp2 %.3g rel, reciprocal %.3g rel, sqrt %.3g rel\n",
           worst_log, worst_exp, worst_rec, worst_sqrt);
    CHECK(worst_log < 3e-7 && worst_exp < 3e-7 && worst_rec < 2e-7 && worst_sqrt < 3e-7);
    CHECK(eml_sqrtf(0.0f) == 0.0f && eml_log2f(1.0f) == 0.0f && eml_exp2f(0.0f) == 1.0f);
}

int main(void) {
    check_maths();
    TEST_DONE("test_math");
    return 0;
}
