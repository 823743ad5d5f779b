// eml_trees as built for microcontrollers without an FPU: integer keys,
// one tree at a time. Same checks as test_trees.c.
#define EML_TREES_FLOAT_COMPARE 0
#define TEST_TREES_VARIANT "eml_trees (integer keys)"
#include "test_trees.c"
