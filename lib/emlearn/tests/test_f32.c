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

// Both paths are the correctly rounded sqrt (subnormals, every binade).
static void check_sqrt(void) {
    for (int i = 0; i < 400000; i++) {
        const float v = eml_text_bits_float(i < 200000 ? ((eml_test_rng() << 8) ^ eml_test_rng()) % 0x7f800000u
                                                       : (uint32_t)i * 10657u % 0x7f800000u);
        CHECK(eml_f32_sqrt_int(v) == sqrtf(v) && eml_f32_sqrt(v) == sqrtf(v));
    }
    CHECK(eml_f32_sqrt_int(0.0f) == 0.0f && eml_f32_sqrt_int(INFINITY) == INFINITY);
    CHECK(eml_f32_sqrt_int(4.0f) == 2.0f && eml_f32_sqrt_int(0x1p-149f) == sqrtf(0x1p-149f));
}

// Keys order floats as < does, with -0 below +0, and invert.
static void check_keys(void) {
    for (int i = 0; i < 200000; i++) {
        const float a = eml_text_bits_float((eml_test_rng() << 8) ^ eml_test_rng());
        const float b = i % 3 ? eml_text_bits_float((eml_test_rng() << 8) ^ eml_test_rng()) : -a;
        if (a != a || b != b) {
            continue;
        }
        const int32_t ka = eml_f32_key(a), kb = eml_f32_key(b);
        CHECK((ka < kb) == (a < b || (a == b && eml_text_float_bits(a) > eml_text_float_bits(b))));
        CHECK(eml_text_float_bits(eml_f32_from_key(ka)) == eml_text_float_bits(a));
    }
    CHECK(eml_f32_key(-0.0f) == -1 && eml_f32_key(0.0f) == 0);
}

// Ascending ranks of arrays with and without ties, each in place and splitting the array.
static void check_ranks(void) {
    int32_t a[301];
    double sorted[301];
    for (int t = 0; t < 300; t++) {
        const int m = 1 + (int)(eml_test_rng() % 301);
        for (int i = 0; i < m; i++) {
            const float v = (float)(eml_test_rng() % (t % 2 ? 7 : 1000)) - 3.0f;
            a[i] = eml_f32_key(v);
            sorted[i] = v;
        }
        qsort(sorted, m, sizeof(double), eml_test_cmp_double);
        EmlI32Ranks ranks;
        eml_i32_ranks_init(&ranks, a, m);
        for (int k = (int)(eml_test_rng() % m); k < m; k += 1 + (int)(eml_test_rng() % 3) * (int)(eml_test_rng() % 40)) {
            eml_i32_rank(&ranks, k);
            CHECK(eml_f32_from_key(a[k]) == sorted[k]);
            for (int i = 0; i < m; i++) {
                CHECK(i < k ? a[i] <= a[k] : a[i] >= a[k]);
            }
        }
    }
}

// The blocked sum of 4096 equal int16 squares and of a cancelling series.
static void check_sum(void) {
    static float a[4096], b[4096];
    double exact = 0;
    for (int i = 0; i < 4096; i++) {
        a[i] = 32767.0f * 32767.0f;
        b[i] = (float)((int)(eml_test_rng() % 20001) - 10000) * 1.1f;
        exact += b[i];
    }
    CHECK(eml_f32_sum(a, 4096) == (float)(4096.0 * 32767.0 * 32767.0));
    CHECK(fabs(eml_f32_sum(b, 4096) - exact) <= 1e-7 * 4096 * 11000);
}

int main(void) {
    check_reciprocal();
    check_sqrt();
    check_keys();
    check_ranks();
    check_sum();
    TEST_DONE("eml_f32");
    return 0;
}
