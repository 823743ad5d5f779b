// Host tests of eml_neighbors.h against a plain brute-force reference.
#include <stdint.h>
#include <string.h>
#include "eml_neighbors.h"
#include "eml_test.h"

#define MAX_ITEMS 300
#define MAX_FEATURES 70
#define MAX_K 12

typedef struct {
    int16_t values[MAX_ITEMS * MAX_FEATURES];
    int32_t labels[MAX_ITEMS];
    EmlNeighborsResult results[MAX_K];
    EmlNeighbors model;
} Fixture;

static uint32_t rng_state = 12345;
static uint32_t rng(void) {
    rng_state = rng_state * 1664525u + 1013904223u;
    return rng_state >> 8;
}

// Reference distance: plain 64-bit signed arithmetic.
static uint64_t ref_distance(const int16_t *a, const int16_t *b, int n) {
    int64_t s = 0;
    for (int j = 0; j < n; j++) {
        int64_t d = (int64_t)a[j] - (int64_t)b[j];
        s += d * d;
    }
    return (uint64_t)s;
}

// Reference neighbours: selection sort over (distance, index).
static int ref_find(const Fixture *f, const int16_t *x, int k, uint32_t *idx) {
    const EmlNeighbors *m = &f->model;
    int n = (int)m->n_items < k ? (int)m->n_items : k;
    char used[MAX_ITEMS] = {0};
    for (int r = 0; r < n; r++) {
        int best = -1;
        uint64_t bd = 0;
        for (int i = 0; i < (int)m->n_items; i++) {
            uint64_t d = ref_distance(m->values + i * m->n_features, x, (int)m->n_features);
            if (!used[i] && (best < 0 || d < bd)) {
                best = i;
                bd = d;
            }
        }
        used[best] = 1;
        idx[r] = (uint32_t)best;
    }
    return n;
}

static void check_random(Fixture *f, int n_items, int nf, int k, int spread, int n_labels) {
    CHECK(eml_neighbors_init(&f->model, f->values, f->labels, f->results,
                             MAX_ITEMS, (uint32_t)nf, (uint32_t)k) == EmlOk);
    int16_t row[MAX_FEATURES];
    for (int i = 0; i < n_items; i++) {
        for (int j = 0; j < nf; j++) {
            row[j] = (int16_t)((int)(rng() % (2u * spread + 1)) - spread);
        }
        CHECK(eml_neighbors_add_item(&f->model, row, (int32_t)(rng() % n_labels) - 1) == EmlOk);
    }
    for (int q = 0; q < 50; q++) {
        for (int j = 0; j < nf; j++) {
            row[j] = (int16_t)((int)(rng() % (2u * spread + 1)) - spread);
        }
        uint32_t idx[MAX_K];
        int n = ref_find(f, row, k, idx);
        int32_t label;
        CHECK(eml_neighbors_predict(&f->model, row, &label) == EmlOk);
        CHECK((int)f->model.n_results == n);
        int counts_best = 0;
        int32_t expect = 0;
        for (int r = 0; r < n; r++) {
            CHECK(f->results[r].index == (int32_t)idx[r]);
            CHECK(f->results[r].distance == ref_distance(f->values + idx[r] * nf, row, nf));
            CHECK(f->results[r].label == f->labels[idx[r]]);
            int c = 0;
            for (int s = 0; s < n; s++) {
                c += f->labels[idx[s]] == f->labels[idx[r]];
            }
            if (c > counts_best || (c == counts_best && f->labels[idx[r]] < expect)) {
                counts_best = c;
                expect = f->labels[idx[r]];
            }
        }
        CHECK(label == expect);
    }
}

static Fixture fx;

int main(void) {
    // Small spread: many equal distances, exercising the lower-index rule.
    check_random(&fx, 200, 3, 7, 2, 3);
    check_random(&fx, 300, 64, 5, 32767, 10);
    check_random(&fx, 40, 17, 1, 100, 2);
    check_random(&fx, 5, 4, 9, 3, 4);  // k > n_items: all items

    // Extremes: 70 features at distance 65535 each need more than 32 bits.
    int16_t lo[MAX_FEATURES], hi[MAX_FEATURES];
    for (int j = 0; j < MAX_FEATURES; j++) {
        lo[j] = INT16_MIN;
        hi[j] = INT16_MAX;
    }
    CHECK(eml_neighbors_init(&fx.model, fx.values, fx.labels, fx.results, 2, MAX_FEATURES, 1) == EmlOk);
    CHECK(eml_neighbors_add_item(&fx.model, lo, INT32_MIN) == EmlOk);
    CHECK(eml_neighbors_add_item(&fx.model, lo, 7) == EmlOk);
    CHECK(eml_neighbors_add_item(&fx.model, lo, 7) == EmlCapacityExceeded);
    int32_t label = 0;
    CHECK(eml_neighbors_predict(&fx.model, hi, &label) == EmlOk);
    CHECK(label == INT32_MIN);  // equal distance: item 0 wins
    CHECK(fx.results[0].distance == (uint64_t)MAX_FEATURES * 65535u * 65535u);

    // Vote ties: two labels once each, the smaller wins whatever the order.
    fx.model.k = 2;
    fx.labels[0] = 9;
    fx.labels[1] = -3;
    CHECK(eml_neighbors_predict(&fx.model, hi, &label) == EmlOk && label == -3);

    // weights=distance: 1/sqrt(d) outvotes counts; at distance 0 only the
    // exact matches vote. Items on a line: x -> label.
    const int16_t xs[5] = {1, -3, 3, 4, 5};
    const int32_t ls[5] = {1, 2, 2, 1, 1};
    CHECK(eml_neighbors_init(&fx.model, fx.values, fx.labels, fx.results, 5, 1, 3) == EmlOk);
    for (int i = 0; i < 5; i++) {
        CHECK(eml_neighbors_add_item(&fx.model, &xs[i], ls[i]) == EmlOk);
    }
    const int16_t at0 = 0, at3 = 3;
    CHECK(eml_neighbors_predict(&fx.model, &at0, &label) == EmlOk && label == 2);  // 2 votes of 3
    CHECK(eml_neighbors_predict(&fx.model, &at3, &label) == EmlOk && label == 1);
    fx.model.weights = EML_NEIGHBORS_DISTANCE;
    CHECK(eml_neighbors_predict(&fx.model, &at0, &label) == EmlOk && label == 1);  // 1 > 1/3 + 1/3
    CHECK(fx.results[1].weight > 0.3333f && fx.results[1].weight < 0.3334f);
    CHECK(eml_neighbors_predict(&fx.model, &at3, &label) == EmlOk && label == 2);  // distance 0
    CHECK(fx.results[0].weight == 1.0f && fx.results[1].weight == 0.0f);

    // Bad sizes and an empty store.
    CHECK(eml_neighbors_init(&fx.model, fx.values, fx.labels, fx.results, 0, 4, 1) == EmlBadArgument);
    CHECK(eml_neighbors_init(&fx.model, fx.values, fx.labels, fx.results, 1, 4, 0) == EmlBadArgument);
    CHECK(eml_neighbors_init(&fx.model, fx.values, fx.labels, fx.results, 70000, 70000, 1) == EmlSizeMismatch);
    CHECK(eml_neighbors_init(&fx.model, fx.values, fx.labels, fx.results, 1, 4, 1) == EmlOk);
    CHECK(eml_neighbors_predict(&fx.model, hi, &label) == EmlUninitialized);
    TEST_DONE("eml_neighbors");
    return 0;
}
