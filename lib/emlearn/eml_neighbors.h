// k-nearest-neighbours classification over a fixed-capacity item store.
//
// Items are int16 feature vectors with an int32 label, added one at a time
// (so a device can learn after deployment). Distances are squared Euclidean,
// accumulated in 64 bits: a difference of two int16 values lies in
// [-65535, 65535], its square is below 2^32 (exact in uint32), and a sum of
// up to 2^32 such squares fits in uint64. So no input and no feature count
// that fits in memory can overflow.
//
// Rules (all exact integer arithmetic, so results do not depend on the CPU):
// - Neighbours are the k items with the smallest distance. Equal distances
//   are ordered by item index: the lower index comes first. So at the k-th
//   place the item added earlier wins.
// - When k > n_items, all items are neighbours (k is clamped to n_items).
// - The predicted label is the most common label among the neighbours; equal
//   counts go to the smallest label (as scikit-learn's uniform vote does).
// - weights = EML_NEIGHBORS_DISTANCE (scikit-learn's weights='distance'):
//   each neighbour counts 1/sqrt(distance) instead of 1, summed in float32
//   nearest first (eml_math_rsqrt; export/neighbors.py is the numpy twin);
//   when some neighbours are at distance 0, only they vote, 1 each.
//
// Cost per query: n_items distances (each stops early once it cannot place
// among the k nearest), insertion into k sorted slots (O(k) per insertion,
// no sort of all distances), and an O(k^2) vote that needs no scratch memory.
#ifndef EML_NEIGHBORS_H
#define EML_NEIGHBORS_H

#include <stddef.h>
#include <stdint.h>
#include "eml_common.h"
#include "eml_math.h"

#ifdef __cplusplus
extern "C" {
#endif

// One neighbour of the last query.
typedef struct _EmlNeighborsResult {
    uint64_t distance;  // squared Euclidean distance to the query
    int32_t index;      // item index, in order of addition from 0
    int32_t label;      // that item's label
    float weight;       // its vote (set by eml_neighbors_vote)
} EmlNeighborsResult;

typedef enum {
    EML_NEIGHBORS_UNIFORM = 0,   // every neighbour votes 1
    EML_NEIGHBORS_DISTANCE = 1,  // 1/sqrt(distance), as scikit-learn
} EmlNeighborsWeights;

// The model. Every array is owned by the caller.
typedef struct _EmlNeighbors {
    // Item i is values[i*n_features .. (i+1)*n_features-1] (row-major),
    // length max_items*n_features; items 0..n_items-1 are in use.
    int16_t *values;
    int32_t *labels;              // length max_items
    EmlNeighborsResult *results;  // length k, nearest first (last query)
    uint32_t max_items;
    uint32_t n_features;
    uint32_t n_items;
    uint32_t k;
    uint32_t n_results;           // min(k, n_items) after a query, else 0
    EmlNeighborsWeights weights;  // EML_NEIGHBORS_UNIFORM after init
} EmlNeighbors;

// Attach caller memory and empty the store. Fails on zero sizes or when
// max_items*n_features does not fit in 32 bits.
static inline EmlError
eml_neighbors_init(EmlNeighbors *self, int16_t *values, int32_t *labels,
                   EmlNeighborsResult *results, uint32_t max_items,
                   uint32_t n_features, uint32_t k)
{
    EML_PRECONDITION(self && values && labels && results, EmlUninitialized);
    EML_PRECONDITION(max_items >= 1 && n_features >= 1 && k >= 1, EmlBadArgument);
    EML_PRECONDITION(max_items <= UINT32_MAX / n_features, EmlSizeMismatch);
    self->values = values;
    self->labels = labels;
    self->results = results;
    self->max_items = max_items;
    self->n_features = n_features;
    self->n_items = 0;
    self->k = k;
    self->n_results = 0;
    self->weights = EML_NEIGHBORS_UNIFORM;
    return EmlOk;
}

// Append one item (n_features values). Returns EmlCapacityExceeded when full.
static inline EmlError
eml_neighbors_add_item(EmlNeighbors *self, const int16_t *values, int32_t label)
{
    EML_PRECONDITION(self->n_items < self->max_items, EmlCapacityExceeded);
    int16_t *dst = self->values + (size_t)self->n_items * self->n_features;
    for (uint32_t j = 0; j < self->n_features; j++) {
        dst[j] = values[j];
    }
    self->labels[self->n_items] = label;
    self->n_items += 1;
    return EmlOk;
}

// The square of a difference d of two int16 values (|d| <= 65535), exact.
// Cortex-M0 (armv6m) has no 64-bit multiply (it would call a libgcc
// helper): there, square in 32 bits, exact since d*d < 2^32, unsigned since
// it can exceed INT32_MAX. Elsewhere a 64-bit product lets the compiler use
// a multiply-accumulate (smlal on Cortex-M3/M4).
#if defined(__ARM_ARCH_6M__)
#define EML_NEIGHBORS_SQUARE(d) ((uint64_t)((uint32_t)(d) * (uint32_t)(d)))
#else
#define EML_NEIGHBORS_SQUARE(d) ((uint64_t)((int64_t)(d) * (int64_t)(d)))
#endif

// Squared distance between a and b, or some value >= limit once the partial
// sum reaches limit (the item can no longer be a neighbour, so the rest of
// the features are skipped; checked every 16 features).
static inline uint64_t
eml_neighbors_distance(const int16_t *a, const int16_t *b, uint32_t n, uint64_t limit)
{
    uint64_t sum = 0;
    const int16_t *end = a + n;
    while (end - a >= 16) {  // blocks of 16 features, unrolled by 4
        const int16_t *stop = a + 16;
        do {
            const int32_t d0 = (int32_t)a[0] - (int32_t)b[0];
            const int32_t d1 = (int32_t)a[1] - (int32_t)b[1];
            const int32_t d2 = (int32_t)a[2] - (int32_t)b[2];
            const int32_t d3 = (int32_t)a[3] - (int32_t)b[3];
            sum += EML_NEIGHBORS_SQUARE(d0);
            sum += EML_NEIGHBORS_SQUARE(d1);
            sum += EML_NEIGHBORS_SQUARE(d2);
            sum += EML_NEIGHBORS_SQUARE(d3);
            a += 4;
            b += 4;
        } while (a < stop);
        if (sum >= limit) {
            return sum;
        }
    }
    while (a < end) {
        const int32_t d = (int32_t)*a++ - (int32_t)*b++;
        sum += EML_NEIGHBORS_SQUARE(d);
    }
    return sum;
}

// Put item `index` at distance d into the sorted results, keeping at most
// n_keep. Items arrive in index order, so placing after equal distances
// keeps the lower index first.
static inline void
eml_neighbors_insert(EmlNeighbors *self, uint32_t n_keep, uint64_t d, uint32_t index)
{
    EmlNeighborsResult *r = self->results;
    uint32_t pos = self->n_results;
    if (pos == n_keep) {
        pos -= 1;  // the caller checked that d beats the current last
    } else {
        self->n_results += 1;
    }
    while (pos > 0 && r[pos - 1].distance > d) {
        r[pos] = r[pos - 1];
        pos -= 1;
    }
    r[pos].distance = d;
    r[pos].index = (int32_t)index;
    r[pos].label = self->labels[index];
}

// Find the min(k, n_items) nearest items to x (n_features values) into
// self->results. No argument checks. Returns the number of results.
static inline uint32_t
eml_neighbors_find(EmlNeighbors *self, const int16_t *x)
{
    const uint32_t n_keep = (self->k < self->n_items) ? self->k : self->n_items;
    const uint32_t nf = self->n_features;
    const int16_t *item = self->values;
    self->n_results = 0;
    for (uint32_t i = 0; i < self->n_items; i++, item += nf) {
        const int full = (self->n_results == n_keep);
        const uint64_t limit = full ? self->results[n_keep - 1].distance : UINT64_MAX;
        const uint64_t d = eml_neighbors_distance(item, x, nf, limit);
        if (!full || d < limit) {
            eml_neighbors_insert(self, n_keep, d, i);
        }
    }
    return self->n_results;
}

// The vote of a neighbour at squared distance d > 0: 1/sqrt(d) in float32,
// d converted as (float)high * 2^32 + (float)low.
static inline float
eml_neighbors_distance_weight(uint64_t d)
{
    const float f = (float)(uint32_t)(d >> 32) * 4294967296.0f + (float)(uint32_t)d;
    return eml_math_rsqrt(f);
}

// Label with the largest sum of weights over the current results; equal
// sums go to the smallest label. O(n_results^2) with no scratch memory.
// Needs n_results >= 1.
static inline int32_t
eml_neighbors_vote(const EmlNeighbors *self)
{
    EmlNeighborsResult *r = self->results;
    const int by_distance = self->weights == EML_NEIGHBORS_DISTANCE && r[0].distance > 0;
    const int only_exact = self->weights == EML_NEIGHBORS_DISTANCE && r[0].distance == 0;
    for (uint32_t i = 0; i < self->n_results; i++) {
        r[i].weight = by_distance ? eml_neighbors_distance_weight(r[i].distance)
                    : (only_exact && r[i].distance > 0) ? 0.0f : 1.0f;
    }
    int32_t best_label = r[0].label;
    float best = -1.0f;
    for (uint32_t i = 0; i < self->n_results; i++) {
        float sum = 0.0f;
        for (uint32_t j = 0; j < self->n_results; j++) {
            sum += (r[j].label == r[i].label) ? r[j].weight : 0.0f;
        }
        if (sum > best || (sum == best && r[i].label < best_label)) {
            best = sum;
            best_label = r[i].label;
        }
    }
    return best_label;
}

// Find the neighbours of x and return the voted label in *out.
// EmlUninitialized when the store is empty.
static inline EmlError
eml_neighbors_predict(EmlNeighbors *self, const int16_t *x, int32_t *out)
{
    EML_PRECONDITION(self->n_items >= 1, EmlUninitialized);
    eml_neighbors_find(self, x);
    *out = eml_neighbors_vote(self);
    return EmlOk;
}

#ifdef __cplusplus
}
#endif
#endif // EML_NEIGHBORS_H
