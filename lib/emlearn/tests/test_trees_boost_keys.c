// test_trees_boost.c as built for microcontrollers without an FPU: integer
// keys (NaN found by key range), one tree at a time.
#define EML_TREES_FLOAT_COMPARE 0
#define EML_TREES_LANES 1
#define TEST_TREES_VARIANT "eml_trees boosting, isolation, int16 (integer keys, one tree at a time)"
#include "test_trees_boost.c"
