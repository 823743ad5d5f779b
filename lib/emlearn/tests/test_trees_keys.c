// eml_trees as built for microcontrollers without an FPU (Cortex-M0/M3):
// integer keys, one tree at a time. Same checks as test_trees.c.
#define EML_TREES_FLOAT_COMPARE 0
#define EML_TREES_LANES 1
#define TEST_TREES_VARIANT "eml_trees (integer keys, one tree at a time)"
#include "test_trees.c"
