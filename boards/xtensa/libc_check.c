// Host check of libc_xtensa.c (tests/test_xtensa.py): its float division,
// double<->float conversions, fmodf, floorf, nearbyintf, 64-bit division
// and int->double against the host's hardware and libm on random bit
// patterns (half of them with tiny exponents: subnormals), and powf(10, e)
// for every float exponent. Prints the mismatch counts.
// The functions are renamed so that they do not replace the host's own.
#define strtoul t_strtoul
#define strrchr t_strrchr
#define __fpclassifyf t_fpclassifyf
#define copysignf t_copysignf
#define nanf t_nanf
#define floorf t_floorf
#define nearbyintf t_nearbyintf
#define fmodf t_fmodf
#define powf t_powf
#define __divsf3 t_divsf3
#define __extendsfdf2 t_extendsfdf2
#define __truncdfsf2 t_truncdfsf2
#define __floatsidf t_floatsidf
#define __udivdi3 t_udivdi3
#define __fixunssfdi t_fixunssfdi
#include "libc_xtensa.c"
#undef floorf
#undef fmodf
#undef nearbyintf
#undef powf
#include <math.h>
#include <stdio.h>
static uint64_t s = 88172645463325252ull;
static uint64_t rnd(void) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s; }
static float f_of(uint32_t u) { union f32 v = { .u = u }; return v.f; }
static uint32_t u_of(float f) { union f32 v = { f }; return v.u; }
static int same(float a, float b) { return u_of(a) == u_of(b) || (a != a && b != b); }
int main(void) {
    long bad[8] = {0};
    for (int i = 0; i < 300000; i++) {
        uint64_t r = rnd();
        uint32_t ua = (uint32_t)r, ub = (uint32_t)(r >> 32);
        if (i & 1) { ua &= 0x807fffff | ((ua & 3) << 23); }  // many subnormals / small exponents
        float a = f_of(ua), b = f_of(ub);
        bad[0] += !same(t_divsf3(a, b), a / b);
        double d; union f64 dv = { .u = rnd() }; d = dv.d;
        bad[1] += !same(t_truncdfsf2(d), (float)d);
        union f64 e1 = { t_extendsfdf2(a) }, e2 = { (double)a };
        bad[2] += e1.u != e2.u && a == a;
        bad[3] += !same(t_fmodf(a, b), fmodf(a, b));
        bad[4] += !same(t_floorf(a), floorf(a));
        bad[5] += !same(t_nearbyintf(a), nearbyintf(a));
        uint64_t n = rnd(), q = rnd() >> (rnd() & 63);
        bad[6] += q && t_udivdi3(n, q) != n / q;
        int32_t k = (int32_t)rnd();
        union f64 g1 = { t_floatsidf(k) }, g2 = { (double)k };
        bad[7] += g1.u != g2.u;
    }
    float worst = 0;
    for (int e = -40; e <= 38; e++) { float p = t_powf(10.0f, (float)e), x = (float)pow(10.0, e); float rel = fabsf(p - x) / x; if (rel > worst) worst = rel; }
    printf("div %ld trunc %ld extend %ld fmod %ld floor %ld nearbyint %ld udivdi3 %ld floatsidf %ld pow10 worst %g\n", bad[0], bad[1], bad[2], bad[3], bad[4], bad[5], bad[6], bad[7], worst);
    return 0;
}
