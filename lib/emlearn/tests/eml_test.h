// Minimal check macros for the host tests of the C core.
#ifndef EML_TEST_H
#define EML_TEST_H
#include <stdio.h>
#include <stdlib.h>

#define CHECK(expr) \
    do { \
        if (!(expr)) { \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #expr); \
            exit(1); \
        } \
    } while (0)

#define TEST_DONE(name) printf("%s: ok\n", name)

// A fixed-seed 24-bit pseudo-random stream (LCG), for repeatable inputs.
static inline unsigned eml_test_rng(void) {
    static unsigned long state = 12345u;
    state = (state * 1664525u + 1013904223u) & 0xffffffffu;
    return (unsigned)(state >> 8);
}

// qsort comparison of doubles.
static inline int eml_test_cmp_double(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
#endif
