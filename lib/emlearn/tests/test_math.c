// Host tests of eml_math.h against libm in double precision: ulp errors
// over a dense sweep.
#include <math.h>
#include "eml_math.h"
#include "eml_test.h"

static double ulps(float got, double want) {
    const float w = (float)want;
    const double ulp = (double)nextafterf(fabsf(w), INFINITY) - (double)fabsf(w);
    return fabs((double)got - want) / ulp;
}

static void check_maths(void) {
    double worst_log = 0, worst_exp = 0, worst_rec = 0, worst_sqrt = 0;
    for (int i = 0; i < 200000; i++) {
        const float x = (float)exp(-30.0 + 60.0 * i / 200000.0);
        // float32 rounding of the result: half an ulp of |log2 x| on top
        const double l = log2((double)x);
        worst_log = fmax(worst_log, fabs(eml_math_log2(x) - l) / (1.0 + fabs(l)));
        worst_rec = fmax(worst_rec, fabs(eml_math_reciprocal(x) * (double)x - 1.0));
        worst_sqrt = fmax(worst_sqrt, fabs(eml_math_sqrt(x) / sqrt((double)x) - 1.0));
        const float e = -40.0f + 80.0f * (float)i / 200000.0f;
        worst_exp = fmax(worst_exp, fabs(eml_math_exp2(e) / exp2((double)e) - 1.0));
    }
    printf("log2 %.3g x (1 + |log2 x|), exp2 %.3g rel, reciprocal %.3g rel, sqrt %.3g rel\n",
           worst_log, worst_exp, worst_rec, worst_sqrt);
    CHECK(worst_log < 3e-7 && worst_exp < 3e-7 && worst_rec < 2e-7 && worst_sqrt < 3e-7);
    CHECK(eml_math_sqrt(0.0f) == 0.0f && eml_math_log2(1.0f) == 0.0f && eml_math_exp2(0.0f) == 1.0f);
}

int main(void) {
    check_maths();
    double worst = 0;
    for (float x = -87.0f; x <= 87.0f; x += 0.000731f) {
        const double e = ulps(eml_math_exp(x), exp((double)x));
        worst = e > worst ? e : worst;
    }
    const float specials[] = {0.0f, -0.0f, 1e-30f, -1e-30f, 0.34657359f, -0.34657359f, 1.0f, -1.0f, 87.0f, -87.0f};
    for (size_t i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
        const double e = ulps(eml_math_exp(specials[i]), exp((double)specials[i]));
        worst = e > worst ? e : worst;
    }
    printf("eml_math_exp: worst %.2f ulp\n", worst);
    CHECK(worst <= 2.0);
    CHECK(eml_math_exp(1000.0f) == eml_math_exp(87.0f) && eml_math_exp(-1000.0f) == eml_math_exp(-87.0f));
    worst = 0;
    for (float y = 1e-37f; y < 1e37f; y *= 1.0001237f) {
        const double e = ulps(eml_math_reciprocal(y), 1.0 / (double)y);
        worst = e > worst ? e : worst;
    }
    printf("eml_math_reciprocal: worst %.2f ulp\n", worst);
    CHECK(worst <= 2.0);
    TEST_DONE("eml_math");
    return 0;
}
