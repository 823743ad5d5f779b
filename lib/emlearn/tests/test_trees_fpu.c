// eml_trees as built for Cortex-M4F/M7: float compare, one tree at a time.
// Same checks as test_trees.c.
#define EML_TREES_FLOAT_COMPARE 1
#define EML_TREES_LANES 1
#define TEST_TREES_VARIANT "eml_trees (float compare, one tree at a time)"
#include "test_trees.c"
