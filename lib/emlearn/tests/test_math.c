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

int main(void) {
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
