#include <math.h>
#include <string.h>
#include "eml_f32.h"
#include "eml_test.h"

static void check_reciprocal(void) {
    for (int m = 2; m <= 70000; m++) {
        const float r = eml_f32_reciprocal(m);
        const float up = nextafterf(r, 2.0f), down = nextafterf(r, 0.0f);
        const double e = fabs((double)r * m - 1.0);
        CHECK(e <= fabs((double)up * m - 1.0) && e <= fabs((double)down * m - 1.0));
    }
}

// Within 1 ulp everywhere it is used; prints how often it is correctly rounded.
static void check_sqrt(void) {
    int exact = 0, total = 0;
    for (int i = 0; i < 200000; i++) {
        const float v = eml_f32_from_bits(((eml_test_rng() << 8) ^ eml_test_rng()) % 0x7f800000u);
        const float got = eml_f32_sqrt(v), want = sqrtf(v);
        CHECK(got == want || nextafterf(got, want) == want);
        exact += got == want;
        total++;
    }
    CHECK(eml_f32_sqrt(0.0f) == 0.0f && eml_f32_sqrt(INFINITY) == INFINITY);
    CHECK(eml_f32_sqrt(4.0f) == 2.0f && eml_f32_sqrt(1e-40f) > 0.0f);
    printf("eml_f32_sqrt: %d of %d correctly rounded\n", exact, total);
}

static void check_select(void) {
    float a[101], b[101];
    double sorted[101];
    for (int t = 0; t < 200; t++) {
        const int m = 1 + (int)(eml_test_rng() % 101);
        for (int i = 0; i < m; i++) {
            a[i] = (float)(eml_test_rng() % (t % 2 ? 7 : 1000));  // with and without ties
            sorted[i] = a[i];
        }
        qsort(sorted, m, sizeof(double), eml_test_cmp_double);
        const int k = (int)(eml_test_rng() % m);
        memcpy(b, a, sizeof(a));
        eml_f32_select(b, 0, m - 1, k);
        CHECK(b[k] == sorted[k]);
        for (int i = 0; i < m; i++) {
            CHECK(i < k ? b[i] <= b[k] : b[i] >= b[k]);
        }
    }
}

int main(void) {
    check_reciprocal();
    check_sqrt();
    check_select();
    TEST_DONE("eml_f32");
    return 0;
}
