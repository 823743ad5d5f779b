// Host tests of eml_trees.h: key order, text helpers, model building,
// validation and prediction.
#include <math.h>
#include <string.h>
#include "eml_trees.h"
#include "eml_test.h"

static int32_t reached[16];  // per-tree scratch for every model below

static uint32_t bits_of(float f) {
    uint32_t b;
    memcpy(&b, &f, sizeof(b));
    return b;
}

static float float_of(uint32_t b) {
    float f;
    memcpy(&f, &b, sizeof(f));
    return f;
}

// key(a) <= key(b) exactly when a <= b, for non-NaN floats, sampled widely
// (every 4099th bit pattern against neighbours and specials).
static void test_key_order(void) {
    const float specials[] = {0.0f, -0.0f, 1.0f, -1.0f, INFINITY, -INFINITY, 1e-45f, -1e-45f, 3.4028235e38f};
    for (uint64_t i = 0; i <= 0xffffffffu; i += 4099) {
        const float a = float_of((uint32_t)i);
        if (isnan(a)) {
            CHECK(eml_trees_is_nan((uint32_t)i));
            continue;
        }
        const float b = nextafterf(a, INFINITY);
        const float c = nextafterf(a, -INFINITY);
        CHECK((eml_trees_key(bits_of(a)) <= eml_trees_key(bits_of(b))) == (a <= b));
        CHECK((eml_trees_key(bits_of(b)) <= eml_trees_key(bits_of(a))) == (b <= a));
        CHECK((eml_trees_key(bits_of(c)) <= eml_trees_key(bits_of(a))) == (c <= a));
        for (size_t s = 0; s < sizeof(specials) / sizeof(specials[0]); s++) {
            const float d = specials[s];
            CHECK((eml_trees_key(bits_of(a)) <= eml_trees_key(bits_of(d))) == (a <= d));
            CHECK((eml_trees_key(bits_of(d)) <= eml_trees_key(bits_of(a))) == (d <= a));
        }
    }
    CHECK(eml_trees_key(bits_of(0.0f)) == eml_trees_key(bits_of(-0.0f)));
}

// Two trees over 2 features, 3 classes:
// tree 0: x0 <= 0.5 ? class 0 : (x1 <= -1 ? class 1 : weights {0, 2^23, 2^23})
// tree 1: a single leaf, class 2 (negative root).
static void build(EmlTrees *t, EmlTreesNode *nodes, int32_t *roots, uint32_t *leaves, int32_t leaf_capacity) {
    CHECK(eml_trees_init(t, nodes, 4, roots, 2, leaves, leaf_capacity) == EmlOk);
    CHECK(eml_trees_add_node(t, 0, 0, 1, -1) == EmlUninitialized);
    CHECK(eml_trees_set_features(t, 2) == EmlOk);
    CHECK(eml_trees_set_classes(t, 3) == EmlOk);
    CHECK(eml_trees_set_leaf_bits(t, 24) == EmlOk);
    const uint32_t c0 = 0, c1 = 1, c2 = 2, w[3] = {0, 1u << 23, 1u << 23}, too_big[3] = {0, (1u << 24) + 1, 0};
    CHECK(eml_trees_add_leaf(t, &c0, 1) == EmlOk);
    CHECK(eml_trees_add_leaf(t, &c1, 1) == EmlOk);
    CHECK(eml_trees_add_leaf(t, w, 3) == EmlOk);
    CHECK(eml_trees_add_leaf(t, &c2, 1) == EmlOk);
    CHECK(eml_trees_add_leaf(t, too_big, 3) == EmlOutOfRange);
    CHECK(eml_trees_add_leaf(t, w, 2) == EmlSizeMismatch);
    const uint32_t c3 = 3;
    CHECK(eml_trees_add_leaf(t, &c3, 1) == EmlOutOfRange);
    CHECK(eml_trees_add_root(t, 0) == EmlOk);
    CHECK(eml_trees_add_root(t, -4) == EmlOk);
    CHECK(eml_trees_add_node(t, 0, eml_trees_key(bits_of(0.5f)), -1, 1) == EmlOk);
    CHECK(eml_trees_add_node(t, 1, eml_trees_key(bits_of(-1.0f)), -2, -3) == EmlOk);
    CHECK(eml_trees_add_node(t, 2, 0, -1, -1) == EmlOutOfRange);  // feature
    CHECK(eml_trees_add_node(t, 0, 0, 0, -1) == EmlOutOfRange);   // self jump
}

static void test_model(void) {
    EmlTrees t;
    EmlTreesNode nodes[4];
    int32_t roots[2], keys[2];
    uint32_t leaves[16], sums[3];
    int32_t bad;
    build(&t, nodes, roots, leaves, 16);
    CHECK(eml_trees_finish(&t, &bad) == EmlUninitialized);  // no scratch yet
    t.keys = keys;
    t.sums = sums;
    t.reached = reached;
    t.scale = 1.0f / (2.0f * 16777216.0f);
    CHECK(eml_trees_finish(&t, &bad) == EmlOk);
    const float x[][2] = {{0.5f, 9.0f}, {0.50000006f, -1.0f}, {0.50000006f, -0.99999994f}, {-INFINITY, 0.0f}};
    const int32_t expect[] = {0, 1, 2, 0};
    for (int i = 0; i < 4; i++) {
        CHECK(eml_trees_set_input_float(&t, x[i]) == 0);
        CHECK(eml_trees_vote(&t) == expect[i]);
    }
    // x1 == -1: tree 0 votes class 1 fully, tree 1 class 2: tie, lower index wins
    float proba[3];
    const float y[2] = {1.0f, -1.0f};
    eml_trees_set_input_float(&t, y);
    CHECK(eml_trees_vote(&t) == 1);
    eml_trees_proba(&t, proba);
    CHECK(proba[0] == 0.0f && proba[1] == 0.5f && proba[2] == 0.5f);
    const float nan_x[2] = {NAN, 0.0f};
    CHECK(eml_trees_set_input_float(&t, nan_x) != 0);
    const int16_t xi[2] = {1, -1};
    eml_trees_set_input_int16(&t, xi);
    CHECK(eml_trees_vote(&t) == 1);

    // Too small: counts go on, finish names the capacity.
    build(&t, nodes, roots, leaves, 6);
    t.keys = keys;
    t.sums = sums;
    t.reached = reached;
    CHECK(eml_trees_finish(&t, &bad) == EmlCapacityExceeded);
    CHECK(t.n_leaves == 4 && t.n_vector_words == 3 && t.n_nodes == 2 && t.n_trees == 2);

    // Children beyond the nodes read, roots beyond the nodes.
    build(&t, nodes, roots, leaves, 16);
    t.keys = keys;
    t.sums = sums;
    t.reached = reached;
    CHECK(eml_trees_add_node(&t, 0, 0, 5, -1) == EmlOk);
    CHECK(eml_trees_finish(&t, &bad) == EmlOutOfRange && bad == 2);
    build(&t, nodes, roots, leaves, 16);
    t.keys = keys;
    t.sums = sums;
    t.reached = reached;
    t.roots[1] = 7 * (int32_t)sizeof(EmlTreesNode);
    CHECK(eml_trees_finish(&t, &bad) == EmlOutOfRange && bad == 1);
}

static void test_regression(void) {
    EmlTrees t;
    EmlTreesNode nodes[1];
    int32_t roots[2], keys[1];
    uint32_t leaves[2], sums[1];
    int32_t bad;
    CHECK(eml_trees_init(&t, nodes, 1, roots, 2, leaves, 2) == EmlOk);
    CHECK(eml_trees_set_features(&t, 1) == EmlOk && eml_trees_set_classes(&t, 0) == EmlOk);
    const uint32_t a = bits_of(1.5f), b = bits_of(-3.0f), nan_leaf = 0x7fc00000u;
    CHECK(eml_trees_add_leaf(&t, &nan_leaf, 1) == EmlOutOfRange);
    CHECK(eml_trees_add_leaf(&t, &a, 1) == EmlOk && eml_trees_add_leaf(&t, &b, 1) == EmlOk);
    CHECK(eml_trees_add_node(&t, 0, eml_trees_key(bits_of(0.0f)), -1, -2) == EmlOk);
    CHECK(eml_trees_add_root(&t, 0) == EmlOk && eml_trees_add_root(&t, -2) == EmlOk);
    t.keys = keys;
    t.sums = sums;
    t.reached = reached;
    t.scale = 0.5f;
    CHECK(eml_trees_finish(&t, &bad) == EmlOk);
    const float x0 = -0.0f, x1 = 1e-45f;
    eml_trees_set_input_float(&t, &x0);
    CHECK(eml_trees_regress(&t) == -0.75f);
    eml_trees_set_input_float(&t, &x1);
    CHECK(eml_trees_regress(&t) == -3.0f);
}

// More than 256 features: the feature's high byte is used.
static void test_wide(void) {
    EmlTrees t;
    EmlTreesNode nodes[2];
    int32_t roots[1], keys[300];
    uint32_t leaves[2], sums[2];
    float x[300] = {0};
    int32_t bad;
    CHECK(eml_trees_init(&t, nodes, 2, roots, 1, leaves, 2) == EmlOk);
    CHECK(eml_trees_set_features(&t, 300) == EmlOk && eml_trees_set_classes(&t, 2) == EmlOk);
    const uint32_t c0 = 0, c1 = 1;
    CHECK(eml_trees_add_leaf(&t, &c0, 1) == EmlOk && eml_trees_add_leaf(&t, &c1, 1) == EmlOk);
    CHECK(eml_trees_add_root(&t, 0) == EmlOk);
    CHECK(eml_trees_add_node(&t, 299, eml_trees_key(bits_of(1.0f)), -2, -1) == EmlOk);
    t.keys = keys;
    t.sums = sums;
    t.reached = reached;
    CHECK(eml_trees_finish(&t, &bad) == EmlOk);
    x[43] = 2.0f;  // feature 299 & 0xff: must not be read in place of 299
    CHECK(eml_trees_set_input_float(&t, x) == 0 && eml_trees_vote(&t) == 1);
    x[299] = 2.0f;
    x[43] = 0.0f;
    CHECK(eml_trees_set_input_float(&t, x) == 0 && eml_trees_vote(&t) == 0);
    // NaN anywhere (either sign, any payload) is reported; infinities are not
    const uint32_t nans[] = {0x7fc00000u, 0xffc00000u, 0x7f800001u, 0xffffffffu};
    const int where[] = {0, 1, 2, 3, 4, 5, 150, 297, 298, 299};
    for (size_t k = 0; k < sizeof(nans) / sizeof(nans[0]); k++) {
        for (size_t w = 0; w < sizeof(where) / sizeof(where[0]); w++) {
            const float saved = x[where[w]];
            x[where[w]] = float_of(nans[k]);
            CHECK(eml_trees_set_input_float(&t, x) != 0);
            x[where[w]] = (w & 1) ? INFINITY : -INFINITY;
            CHECK(eml_trees_set_input_float(&t, x) == 0);
            x[where[w]] = saved;
        }
    }
}

int main(void) {
    test_wide();
    test_key_order();
    test_model();
    test_regression();
    #ifdef TEST_TREES_VARIANT
    TEST_DONE(TEST_TREES_VARIANT);
#else
    TEST_DONE("eml_trees (float compare, four trees at a time on this host)");
#endif
    return 0;
}
