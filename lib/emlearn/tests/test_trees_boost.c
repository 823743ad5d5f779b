// Host tests of eml_trees.h's additive models (boosting margins and links,
// NaN directions, IsolationForest scores) and int16 models.
#include <math.h>
#include <string.h>
#include "eml_trees.h"
#include "eml_test.h"

static uint32_t bits_of(float f) {
    uint32_t b;
    memcpy(&b, &f, sizeof(b));
    return b;
}

typedef struct {
    EmlTrees t;
    EmlTreesNode nodes[4];
    int32_t roots[4], keys[4], reached[4];
    uint32_t leaves[8], sums[4];
    int64_t base_fixed[4];
} Model;

static void init(Model *m, int32_t n_classes, int32_t kind, int32_t link) {
    CHECK(eml_trees_init(&m->t, m->nodes, 4, m->roots, 4, m->leaves, 8) == EmlOk);
    CHECK(eml_trees_set_features(&m->t, 2) == EmlOk);
    CHECK(eml_trees_set_classes(&m->t, n_classes) == EmlOk);
    CHECK(eml_trees_set_kind(&m->t, kind, link) == EmlOk);
    m->t.keys = m->keys;
    m->t.sums = m->sums;
    m->t.reached = m->reached;
    m->t.base_fixed = m->base_fixed;
}

static void leaf(Model *m, float v) {
    const uint32_t b = bits_of(v);
    CHECK(eml_trees_add_leaf(&m->t, &b, 1) == EmlOk);
}

// Binary: tree 0: x0 <= 0 (NaN left) ? 1.0 : -1.0; tree 1: leaf 0.5; base 0.25.
static void test_binary(void) {
    Model m;
    init(&m, 2, EML_TREES_BOOST, EML_TREES_SIGMOID);
    CHECK(eml_trees_set_kind(&m.t, EML_TREES_BOOST, EML_TREES_SOFTMAX) == EmlUnsupported);
    leaf(&m, 1.0f);
    leaf(&m, -1.0f);
    leaf(&m, 0.5f);
    CHECK(eml_trees_add_root(&m.t, 0) == EmlOk && eml_trees_add_root(&m.t, -3) == EmlOk);
    CHECK(eml_trees_add_node_nan(&m.t, 0, eml_trees_key(bits_of(0.0f)), -1, -2, 1) == EmlOk);
    int32_t bad;
    CHECK(eml_trees_finish(&m.t, &bad) == EmlSizeMismatch);  // no base yet
    const float base = 0.25f;
    m.t.base = &base;
    m.t.n_base = 1;
    m.t.missing = 1;
    CHECK(eml_trees_finish(&m.t, &bad) == EmlOk && m.t.per_output == 2);
    const float x[3][2] = {{-1.0f, 0.0f}, {1.0f, 0.0f}, {NAN, 0.0f}};
    const float want[3] = {1.75f, -0.25f, 1.75f};
    for (int i = 0; i < 3; i++) {
        float margins[3] = {0}, p[2];
        CHECK(eml_trees_set_input_float(&m.t, x[i]) == (i == 2));
        eml_trees_margins(&m.t, margins);
        const float margin = margins[0];
        CHECK(margin == want[i]);
        CHECK(eml_trees_margin_class(&m.t, margins) == (margin > 0.0f));
        eml_trees_link(&m.t, margins, p);
        const double q = 1.0 / (1.0 + exp(-(double)margin));
        CHECK(fabs(p[1] - q) < 1e-7 && fabs(p[0] - (1.0 - q)) < 1e-7);
    }
}

// Softmax over three single-leaf trees, one per class.
static void test_softmax(void) {
    Model m;
    init(&m, 3, EML_TREES_BOOST, EML_TREES_SOFTMAX);
    const float values[3] = {1.0f, 2.0f, -3.0f}, base[3] = {0.0f, 0.5f, 0.0f};
    for (int k = 0; k < 3; k++) {
        leaf(&m, values[k]);
        CHECK(eml_trees_add_root(&m.t, -k - 1) == EmlOk);
    }
    m.t.base = base;
    m.t.n_base = 3;
    int32_t bad;
    CHECK(eml_trees_finish(&m.t, &bad) == EmlOk);
    const float x[2] = {0.0f, 0.0f};
    float margins[3], p[3];
    eml_trees_set_input_float(&m.t, x);
    eml_trees_margins(&m.t, margins);
    CHECK(margins[1] == 2.5f && eml_trees_margin_class(&m.t, margins) == 1);
    eml_trees_link(&m.t, margins, p);
    const double total = exp(1.0) + exp(2.5) + exp(-3.0);
    CHECK(fabs(p[0] - exp(1.0) / total) < 1e-7 && fabs(p[1] - exp(2.5) / total) < 1e-7);
    CHECK(fabs(p[2] - exp(-3.0) / total) < 1e-8);
}

static void test_isolation(void) {
    Model m;
    init(&m, 0, EML_TREES_ISOLATION, EML_TREES_IDENTITY);
    leaf(&m, 3.0f);
    leaf(&m, 5.0f);
    CHECK(eml_trees_add_root(&m.t, -1) == EmlOk && eml_trees_add_root(&m.t, -2) == EmlOk);
    const float base[2] = {(float)(log(2.0) / (2 * 4.0)), -0.5f};
    m.t.base = base;
    m.t.n_base = 2;
    int32_t bad;
    CHECK(eml_trees_finish(&m.t, &bad) == EmlOk);
    const float x[2] = {0.0f, 0.0f};
    eml_trees_set_input_float(&m.t, x);
    CHECK(fabs(eml_trees_isolation_score(&m.t) + pow(2.0, -8.0 / 8.0)) < 1e-7);
}

// Fixed point: float32 -> round(v * 2^shift) -> float32, against doubles
// (long double keeps 64-bit integers exact where it has the bits).
static void test_fixed(void) {
    CHECK(eml_trees_to_fixed(bits_of(1.5f), 4) == 24 && eml_trees_to_fixed(bits_of(-1.5f), 4) == -24);
    CHECK(eml_trees_to_fixed(bits_of(0.75f), 1) == 2 && eml_trees_to_fixed(bits_of(-0.75f), 1) == -2);  // half away
    CHECK(eml_trees_to_fixed(bits_of(0.7f), 1) == 1 && eml_trees_to_fixed(bits_of(1e-30f), 30) == 0);
    CHECK(eml_trees_to_fixed(bits_of(0.0f), 126) == 0 && eml_trees_to_fixed(bits_of(1.0f), 55) == (int64_t)1 << 55);
    for (int i = 0; i < 20000; i++) {
        const int32_t shift = (int32_t)(eml_test_rng() % 200) - 73;
        const int32_t top = (int32_t)(eml_test_rng() % 56);
        const uint64_t r = (uint64_t)eml_test_rng() << 40 ^ (uint64_t)eml_test_rng() << 20 ^ eml_test_rng();
        const int64_t v = (int64_t)(r >> (63 - top));   // top bits set at random below bit top
        const int64_t w = (i & 1) ? -v : v;
        const double want = ldexp((double)(float)w, -shift);   // (float): nearest, ties to even
        CHECK(shift > EML_TREES_MAX_SHIFT || eml_trees_from_fixed(w, shift) == (float)want);
    }
    // ties to even, and a sticky bit below the tie
    CHECK(eml_trees_from_fixed((1 << 24) + 1, 0) == 16777216.0f && eml_trees_from_fixed((1 << 24) + 3, 0) == 16777220.0f);
    CHECK(eml_trees_from_fixed(((int64_t)1 << 40) + ((int64_t)1 << 16) + 1, 40) == 1.0f + 0x1p-23f);
    CHECK(eml_trees_from_fixed(0, 3) == 0.0f && eml_trees_from_fixed(-8, 3) == -1.0f);
}

// The shift gives the largest leaf 31 bits; a large base lowers it.
static void test_shift(void) {
    Model m;
    init(&m, 0, EML_TREES_BOOST, EML_TREES_IDENTITY);
    leaf(&m, 3.0f);   // 2^1 <= 3 < 2^2: shift 29
    leaf(&m, -0.1f);
    CHECK(eml_trees_add_root(&m.t, -1) == EmlOk && eml_trees_add_root(&m.t, -2) == EmlOk);
    const uint32_t inf = EML_TREES_FLOAT_INF;
    CHECK(eml_trees_add_leaf(&m.t, &inf, 1) == EmlOutOfRange);
    float base = 1e30f;
    m.t.base = &base;
    m.t.n_base = 1;
    int32_t bad;
    CHECK(eml_trees_finish(&m.t, &bad) == EmlOk && m.t.shift == 30 - (99 - 24));
    CHECK(m.t.base_fixed[0] == eml_trees_to_fixed(bits_of(1e30f), m.t.shift));
    const float x[2] = {0.0f, 0.0f};
    float margin;
    eml_trees_set_input_float(&m.t, x);
    eml_trees_margins(&m.t, &margin);
    CHECK(margin == 1e30f);
    init(&m, 0, EML_TREES_BOOST, EML_TREES_IDENTITY);
    leaf(&m, 3.0f);
    leaf(&m, -0.1f);
    CHECK(eml_trees_add_root(&m.t, -1) == EmlOk && eml_trees_add_root(&m.t, -2) == EmlOk);
    base = 0.5f;
    m.t.base = &base;
    m.t.n_base = 1;
    CHECK(eml_trees_finish(&m.t, &bad) == EmlOk && m.t.shift == 29);
    CHECK((int32_t)m.t.leaves[0] == 3 << 29 && (int32_t)m.t.leaves[1] == -53687092);   // -0.1f is -13421773 * 2^-27
    eml_trees_margins(&m.t, &margin);
    CHECK(margin == (float)(3.0 + (double)-0.1f + 0.5));
    base = INFINITY;
    init(&m, 0, EML_TREES_BOOST, EML_TREES_IDENTITY);
    leaf(&m, 3.0f);
    CHECK(eml_trees_add_root(&m.t, -1) == EmlOk);
    m.t.base = &base;
    m.t.n_base = 1;
    CHECK(eml_trees_finish(&m.t, &bad) == EmlOutOfRange && bad == -1);
}

// More trees than one chunk of the split 16-bit sums (one-tree-at-a-time
// walks): leaves of +-(1 - 2^-24), whose low 16 bits in fixed point are
// 0xff80 (positive), would overflow the low sum in one chunk.
static void test_many_trees(void) {
    enum { N = 40000 };
    static int32_t roots[N], reached[N];
    static EmlTreesNode nodes[1];
    const float one = 0.99999994f;
    uint32_t leaves[2] = {bits_of(-one), bits_of(one)}, sums[1];
    int32_t keys[1];
    int64_t base_fixed[1];
    const float base = 0.0f;
    EmlTrees t;
    CHECK(eml_trees_init(&t, nodes, 1, roots, N, leaves, 2) == EmlOk);
    CHECK(eml_trees_set_features(&t, 1) == EmlOk && eml_trees_set_classes(&t, 0) == EmlOk);
    CHECK(eml_trees_set_kind(&t, EML_TREES_BOOST, EML_TREES_IDENTITY) == EmlOk);
    CHECK(eml_trees_add_leaf(&t, &leaves[0], 1) == EmlOk && eml_trees_add_leaf(&t, &leaves[1], 1) == EmlOk);
    for (int i = 0; i < N; i++) {
        CHECK(eml_trees_add_root(&t, (i % 8 == 0) ? -1 : -2) == EmlOk);
    }
    t.keys = keys;
    t.sums = sums;
    t.reached = reached;
    t.base = &base;
    t.n_base = 1;
    t.base_fixed = base_fixed;
    int32_t bad;
    CHECK(eml_trees_finish(&t, &bad) == EmlOk);
    const float x[1] = {0.0f};
    float margin;
    eml_trees_set_input_float(&t, x);
    eml_trees_margins(&t, &margin);
    CHECK(margin == (float)(30000.0 * one));
}

// int16: x0 <= 5 ? (x1 <= -7 ? leaf 0 : leaf 1) : leaf 1
static void test_int16(void) {
    Model m;
    init(&m, 2, EML_TREES_FOREST, EML_TREES_IDENTITY);
    CHECK(eml_trees_add_node16(&m.t, 0, 5, 1, -2) == EmlUninitialized);
    CHECK(eml_trees_set_int16(&m.t) == EmlOk);
    const uint32_t c0 = 0, c1 = 1;
    CHECK(eml_trees_add_leaf(&m.t, &c0, 1) == EmlOk && eml_trees_add_leaf(&m.t, &c1, 1) == EmlOk);
    CHECK(eml_trees_add_root(&m.t, 0) == EmlOk);
    CHECK(eml_trees_add_node16(&m.t, 0, 40000, 1, -2) == EmlOutOfRange);
    CHECK(eml_trees_add_node16(&m.t, 0, 5, 0, -2) == EmlOutOfRange);
    CHECK(eml_trees_add_node16(&m.t, 0, 5, 1, -2) == EmlOk);
    CHECK(eml_trees_add_node16(&m.t, 1, -7, -1, -2) == EmlOk);
    int32_t bad;
    CHECK(eml_trees_finish(&m.t, &bad) == EmlOk);
    const int16_t x[4][2] = {{5, -7}, {5, -6}, {6, -100}, {-32768, 32767}};
    const int32_t want[4] = {0, 1, 1, 1};
    for (int i = 0; i < 4; i++) {
        eml_trees_set_input16(&m.t, x[i]);
        CHECK(eml_trees_vote(&m.t) == want[i]);
    }
    CHECK(m.t.nodes16_capacity == 6);
}

// int16 boosting, regression: tree 0: x1 <= -7 ? 2.0 : (x0 <= 5 ? -0.5 : 0.25);
// tree 1: leaf 1.0 (a root that is a leaf); base 0.125. Margins from the
// sums that walk as they go (one tree at a time) or from t->reached.
static void test_int16_boost(void) {
    Model m;
    init(&m, 0, EML_TREES_BOOST, EML_TREES_IDENTITY);
    CHECK(eml_trees_set_int16(&m.t) == EmlOk);
    leaf(&m, 2.0f);
    leaf(&m, -0.5f);
    leaf(&m, 0.25f);
    leaf(&m, 1.0f);
    CHECK(eml_trees_add_root(&m.t, 0) == EmlOk && eml_trees_add_root(&m.t, -4) == EmlOk);
    CHECK(eml_trees_add_node16(&m.t, 1, -7, -1, 1) == EmlOk);
    CHECK(eml_trees_add_node16(&m.t, 0, 5, -2, -3) == EmlOk);
    const float base = 0.125f;
    m.t.base = &base;
    m.t.n_base = 1;
    int32_t bad;
    CHECK(eml_trees_finish(&m.t, &bad) == EmlOk);
    const int16_t x[5][2] = {{0, -7}, {5, -6}, {6, -6}, {-32768, 32767}, {32767, -32768}};
    const float want[5] = {3.125f, 0.625f, 1.375f, 0.625f, 3.125f};
    for (int i = 0; i < 5; i++) {
        float margin = 0.0f;
        eml_trees_set_input16(&m.t, x[i]);
        eml_trees_margins(&m.t, &margin);
        CHECK(margin == want[i]);
    }
}

int main(void) {
    test_binary();
    test_softmax();
    test_isolation();
    test_fixed();
    test_shift();
    test_many_trees();
    test_int16();
    test_int16_boost();
#ifdef TEST_TREES_VARIANT
    TEST_DONE(TEST_TREES_VARIANT);
#else
    TEST_DONE("eml_trees boosting, isolation, int16");
#endif
    return 0;
}
