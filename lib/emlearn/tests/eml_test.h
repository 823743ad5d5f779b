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
#endif
