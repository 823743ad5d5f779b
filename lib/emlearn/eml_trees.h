// Decision trees and forests (classification and regression), header-only.
//
// Go left when x[feature] <= threshold, with float32 x and thresholds.
// Without an FPU, thresholds (once, at load) and inputs (once per call) are
// mapped to an int32 "key" whose order is the float order (+0 and -0 map
// to the same key), so the comparison is exact and the walk touches only
// integers. With an FPU the floats are compared directly (same answers).
// Classifiers add integer vote weights (no float maths); regressors sum
// float32 leaf values in tree order; boosting and IsolationForest add
// fixed-point leaf values as integers (eml_trees_to_fixed). No division
// anywhere: the caller provides the reciprocal that turns sums into means
// (EmlTrees.scale).
//
// A model is filled one item at a time (as a file streams in) with
// eml_trees_add_leaf/_root/_node, then checked once by eml_trees_finish.
// Prediction functions check nothing.
//
// No memset/memcpy: float bits are read through unions (a memcpy is a
// library call on Cortex-M0, and native modules have no libc).
#ifndef EML_TREES_H
#define EML_TREES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "eml_common.h"
#include "eml_text.h"
#include "eml_math.h"

#ifdef __cplusplus
extern "C" {
#endif

// Hot-path helpers are forced inline: natmods build with -Os, which would
// otherwise keep them as calls inside the tree walk.
#if defined(__GNUC__)
#define EML_TREES_HOT static inline __attribute__((always_inline))
#else
#define EML_TREES_HOT static inline
#endif

// How inputs meet thresholds. With an FPU (x86-64, AArch64, Cortex-M4F/M7)
// the input floats are compared with the float32 thresholds directly;
// without one, inputs are mapped to keys once per call and compared as
// integers. Both give the same answers for every non-NaN input.
#ifndef EML_TREES_FLOAT_COMPARE
#if defined(__x86_64__) || defined(__aarch64__) || defined(__i386__) || (defined(__ARM_FP) && (__ARM_FP & 4))
#define EML_TREES_FLOAT_COMPARE 1
#else
#define EML_TREES_FLOAT_COMPARE 0
#endif
#endif
#if EML_TREES_FLOAT_COMPARE
typedef float EmlTreesValue;
#else
typedef int32_t EmlTreesValue;
#endif

// Children are stored in 24 signed bits (a node as its byte offset, so
// at most 699050 nodes), features in 16 bits.
#define EML_TREES_MAX_INDEX 0x7fffff
#define EML_TREES_MAX_NODES (EML_TREES_MAX_INDEX / (int32_t)sizeof(EmlTreesNode))
#define EML_TREES_MAX_FEATURES 0x8000
// Bit 7 of child[1]: NaN goes left at this node (models with missing).
#define EML_TREES_NAN_LEFT 0x80

// What the leaves of a model add up to.
typedef enum {
    EML_TREES_FOREST = 0,   // mean of votes / values (scikit-learn forests)
    EML_TREES_BOOST,        // base margin + sum of float leaves, per output
    EML_TREES_ISOLATION,    // IsolationForest: path lengths -> anomaly score
} EmlTreesKind;

// Boosting: margins -> probabilities.
typedef enum {
    EML_TREES_IDENTITY = 0,
    EML_TREES_SIGMOID,      // binary: p = 1 / (1 + exp(-margin))
    EML_TREES_SOFTMAX,      // one margin per class
} EmlTreesLink;
// A classifier leaf word with this bit set holds the offset of its
// per-class weights in the leaves array; otherwise it holds a class index.
#define EML_TREES_VECTOR_FLAG 0x80000000u
#define EML_TREES_FLOAT_MAGNITUDE 0x7fffffffu
#define EML_TREES_FLOAT_INF 0x7f800000u

// One decision node, 12 bytes. Go to child[0] (left) when
// x[feature] <= threshold, else to child[1] (right).
// split: the threshold's key (integer compare) or the threshold itself
// (EML_TREES_FLOAT_COMPARE).
// child[]: bits 31..8 hold the child as a signed 24-bit number: the byte
// offset of a node in the nodes array when >= 0 (index * 12), leaf k when
// -k-1. Bits 7..0 of child[0] hold bits 7..0 of the feature index, bits
// 6..0 of child[1] hold bits 14..8, bit 7 of child[1] is EML_TREES_NAN_LEFT.
typedef struct {
    union {
        int32_t key;
        float threshold;
    } split;
    int32_t child[2];
} EmlTreesNode;

// A decision node of an int16 model, 8 bytes: go to child[0] when
// x[feature] <= threshold (int16 inputs, integer compare), else child[1].
// offset: the feature's byte offset in the input, 2 * feature (saves a
// shift per node on Thumb-1). A child is a jump >= 1 to a later node (in
// nodes), or -k-1 for leaf k; roots are node indices (or -k-1).
typedef struct {
    int16_t threshold;
    uint16_t offset;
    int16_t child[2];
} EmlTreesNode16;

typedef struct {
    EmlTreesNode *nodes;    // nodes_capacity nodes, n_nodes used
    EmlTreesNode16 *nodes16; // the same memory, for int16 models: nodes16_capacity nodes
    int32_t nodes16_capacity;
    int32_t nodes_capacity;
    int32_t *roots;         // roots_capacity, n_trees used: node byte offset, or -k-1 for leaf k
    int32_t roots_capacity;
    // leaves_capacity words. Words 0..n_leaves-1: one per leaf, either the
    // float32 bits of a regression value, a class index, or
    // EML_TREES_VECTOR_FLAG | offset of n_classes weights (uint32) that are
    // stored from the top of the array downwards (n_vector_words in all).
    uint32_t *leaves;
    int32_t leaves_capacity;
    // Counts as read. They keep counting past the capacity, so that
    // eml_trees_finish can tell how much a model needs.
    int32_t n_nodes;
    int32_t n_trees;
    int32_t n_leaves;
    int32_t n_vector_words;
    int32_t n_features;     // -1 until set
    int32_t n_classes;      // 0: regression; -1 until set
    uint32_t full_weight;   // weight of a single-class leaf (see leaf bits)
    int32_t *keys;          // scratch: n_features words (input keys or floats), set by caller
    const void *input;      // the input of the current prediction (EmlTreesValue[n_features])
    uint32_t *sums;         // scratch: n_classes vote sums, set by caller
    int32_t *reached;       // scratch: roots_capacity leaf indices, set by caller
    float scale;            // set by caller: 1/(n_trees*full_weight), or 1/n_trees for regression
    int32_t kind;           // EmlTreesKind
    int32_t link;           // EmlTreesLink (boosting)
    int32_t missing;        // NaN inputs follow each node's direction (else the caller refuses them)
    int32_t nan_row;        // the current input has a NaN (set by eml_trees_set_input_float)
    int32_t n_outputs;      // boosting: margins per input (1, or n_classes for softmax)
    int32_t per_output;     // boosting: trees per output (trees stored output by output)
    // Set by caller. Boosting: n_outputs base margins; isolation:
    // {ln 2 / (n_trees * c(max_samples)), offset_}.
    const float *base;
    int32_t n_base;
    // Boosting and isolation, set by eml_trees_finish: leaf words hold
    // round(value * 2^shift) as int32; base_fixed (set by caller: n_base
    // words) the base margins on the same scale.
    int64_t *base_fixed;
    int32_t shift;
    int32_t int16;          // int16 model: EmlTreesNode16 nodes, array('h') inputs
} EmlTrees;

// The order-preserving integer of a float32 bit pattern: sign-magnitude to
// two's complement. NaNs land beyond +-infinity.
EML_TREES_HOT int32_t eml_trees_key(uint32_t bits) {
    const uint32_t sign = 0u - (bits >> 31);
    return (int32_t)(((bits & EML_TREES_FLOAT_MAGNITUDE) ^ sign) - sign);
}

static inline int eml_trees_is_nan(uint32_t bits) {
    return (bits & EML_TREES_FLOAT_MAGNITUDE) > EML_TREES_FLOAT_INF;
}

// Capacities: nodes at most EML_TREES_MAX_NODES, the others at most
// EML_TREES_MAX_INDEX. Never allocates.
static inline EmlError eml_trees_init(EmlTrees *t, EmlTreesNode *nodes, int32_t nodes_capacity,
                                      int32_t *roots, int32_t roots_capacity,
                                      uint32_t *leaves, int32_t leaves_capacity) {
    EML_PRECONDITION(t && nodes && roots && leaves, EmlBadArgument);
    EML_PRECONDITION(nodes_capacity >= 1 && nodes_capacity <= EML_TREES_MAX_NODES, EmlOutOfRange);
    EML_PRECONDITION(roots_capacity >= 1 && roots_capacity <= EML_TREES_MAX_INDEX, EmlOutOfRange);
    EML_PRECONDITION(leaves_capacity >= 1 && leaves_capacity <= EML_TREES_MAX_INDEX, EmlOutOfRange);
    t->nodes = nodes;
    t->nodes_capacity = nodes_capacity;
    t->roots = roots;
    t->roots_capacity = roots_capacity;
    t->leaves = leaves;
    t->leaves_capacity = leaves_capacity;
    t->n_nodes = 0;
    t->n_trees = 0;
    t->n_leaves = 0;
    t->n_vector_words = 0;
    t->n_features = -1;
    t->n_classes = -1;
    t->full_weight = 1;
    t->keys = NULL;
    t->input = NULL;
    t->sums = NULL;
    t->reached = NULL;
    t->scale = 0.0f;
    t->kind = EML_TREES_FOREST;
    t->link = EML_TREES_IDENTITY;
    t->missing = 0;
    t->nan_row = 0;
    t->n_outputs = 1;
    t->per_output = 0;
    t->base = NULL;
    t->n_base = 0;
    t->base_fixed = NULL;
    t->shift = 0;
    t->int16 = 0;
    t->nodes16 = (EmlTreesNode16 *)(void *)nodes;
    t->nodes16_capacity = nodes_capacity + nodes_capacity / 2;   // 12-byte nodes hold 1.5 8-byte ones
    return EmlOk;
}

// Before any root or node: an int16 model (eml_trees_add_node16).
static inline EmlError eml_trees_set_int16(EmlTrees *t) {
    EML_PRECONDITION(t->n_nodes == 0 && t->n_trees == 0, EmlUnsupported);
    t->int16 = 1;
    return EmlOk;
}

// Before any leaf: what the leaves add up to, and how boosting margins
// become probabilities.
static inline EmlError eml_trees_set_kind(EmlTrees *t, int32_t kind, int32_t link) {
    EML_PRECONDITION(t->n_leaves == 0 && t->n_classes >= 0, EmlUnsupported);
    EML_PRECONDITION(kind >= EML_TREES_FOREST && kind <= EML_TREES_ISOLATION, EmlOutOfRange);
    EML_PRECONDITION(link >= EML_TREES_IDENTITY && link <= EML_TREES_SOFTMAX, EmlOutOfRange);
    // identity: regression; sigmoid: 2 classes; softmax: more
    EML_PRECONDITION(kind != EML_TREES_BOOST || link == (t->n_classes == 0   ? EML_TREES_IDENTITY
                                                         : t->n_classes == 2 ? EML_TREES_SIGMOID
                                                                             : EML_TREES_SOFTMAX),
                     EmlUnsupported);
    EML_PRECONDITION(kind != EML_TREES_ISOLATION || t->n_classes == 0, EmlUnsupported);
    t->kind = kind;
    t->link = link;
    t->n_outputs = (link == EML_TREES_SOFTMAX) ? t->n_classes : 1;
    return EmlOk;
}

// Whether leaves hold float32 values (regressors, boosting, isolation).
static inline int eml_trees_float_leaves(const EmlTrees *t) {
    return t->n_classes == 0 || t->kind != EML_TREES_FOREST;
}

static inline EmlError eml_trees_set_features(EmlTrees *t, int32_t n_features) {
    EML_PRECONDITION(t->n_nodes == 0, EmlUnsupported);
    EML_PRECONDITION(n_features >= 1 && n_features <= EML_TREES_MAX_FEATURES, EmlOutOfRange);
    t->n_features = n_features;
    return EmlOk;
}

static inline EmlError eml_trees_set_classes(EmlTrees *t, int32_t n_classes) {
    EML_PRECONDITION(t->n_leaves == 0, EmlUnsupported);
    EML_PRECONDITION(n_classes >= 0 && n_classes <= EML_TREES_MAX_FEATURES, EmlOutOfRange);
    t->n_classes = n_classes;
    return EmlOk;
}

// Leaf bits as in emlearn's files: 0 or 32 (a single-class leaf weighs 1:
// hard vote), 1..8 (weights 0..255), and ours: 9..24 (weights 0..2^bits).
static inline EmlError eml_trees_set_leaf_bits(EmlTrees *t, int32_t bits) {
    EML_PRECONDITION(t->n_leaves == 0, EmlUnsupported);
    if (bits == 0 || bits == 32) {
        t->full_weight = 1;
    } else if (bits >= 1 && bits <= 8) {
        t->full_weight = 255;
    } else if (bits >= 9 && bits <= 24) {
        t->full_weight = 1u << bits;
    } else {
        return EmlUnsupported;
    }
    return EmlOk;
}

// A leaf: regression: values[0] is the float32 bits (n_values 1);
// classifier: a class index (n_values 1) or n_classes weights, each at
// most full_weight.
static inline EmlError eml_trees_add_leaf(EmlTrees *t, const uint32_t *values, int32_t n_values) {
    EML_PRECONDITION(t->n_classes >= 0, EmlUninitialized);
    EML_PRECONDITION(t->n_leaves < EML_TREES_MAX_INDEX, EmlOutOfRange);
    const int32_t vector = (!eml_trees_float_leaves(t) && t->n_classes > 1 && n_values == t->n_classes);
    EML_PRECONDITION(n_values == 1 || vector, EmlSizeMismatch);
    if (eml_trees_float_leaves(t)) {
        // additive models: finite (they become fixed point)
        EML_PRECONDITION(!eml_trees_is_nan(values[0]) && (t->kind == EML_TREES_FOREST ||
                                                          (values[0] & EML_TREES_FLOAT_MAGNITUDE) < EML_TREES_FLOAT_INF),
                         EmlOutOfRange);
    } else if (!vector) {
        EML_PRECONDITION(values[0] < (uint32_t)t->n_classes, EmlOutOfRange);
    } else {
        for (int32_t c = 0; c < n_values; c++) {
            EML_PRECONDITION(values[c] <= t->full_weight, EmlOutOfRange);
        }
    }
    const int32_t used = t->n_leaves + 1 + t->n_vector_words + (vector ? n_values : 0);
    if (used <= t->leaves_capacity) {
        uint32_t word = values[0];
        if (vector) {
            const int32_t offset = t->leaves_capacity - t->n_vector_words - n_values;
            for (int32_t c = 0; c < n_values; c++) {
                t->leaves[offset + c] = values[c];
            }
            word = EML_TREES_VECTOR_FLAG | (uint32_t)offset;
        }
        t->leaves[t->n_leaves] = word;
    }
    t->n_leaves += 1;
    t->n_vector_words += vector ? n_values : 0;
    return EmlOk;
}

// A tree root: a node index, or -k-1 for a tree that is just leaf k.
static inline EmlError eml_trees_add_root(EmlTrees *t, int32_t root) {
    EML_PRECONDITION(root >= -EML_TREES_MAX_INDEX - 1 && root < EML_TREES_MAX_NODES, EmlOutOfRange);
    EML_PRECONDITION(t->n_trees < EML_TREES_MAX_INDEX, EmlOutOfRange);
    if (t->n_trees < t->roots_capacity) {
        t->roots[t->n_trees] = (root >= 0 && !t->int16) ? root * (int32_t)sizeof(EmlTreesNode) : root;
    }
    t->n_trees += 1;
    return EmlOk;
}

static inline int32_t eml_trees_pack_child(int32_t child, uint32_t feature_byte) {
    return (int32_t)(((uint32_t)child << 8) | (feature_byte & 0xffu));
}

// A child as written in files: a jump >= 1 relative to this node, or -k-1
// for leaf k. Returns the stored form (byte offset or -k-1), or INT32_MIN
// when out of range.
static inline int32_t eml_trees_child(int32_t index, int32_t child) {
    if (child < 0) {
        return (child >= -EML_TREES_MAX_INDEX - 1) ? child : INT32_MIN;
    }
    if (child == 0 || child >= EML_TREES_MAX_NODES - index) {
        return INT32_MIN;
    }
    return (index + child) * (int32_t)sizeof(EmlTreesNode);
}

// A decision node, in file order: go left when x[feature] <= threshold,
// where threshold_key = eml_trees_key(float32 bits of the threshold); a
// NaN input goes left when nan_left (models with missing).
static inline EmlError eml_trees_add_node_nan(EmlTrees *t, int32_t feature, int32_t threshold_key,
                                              int32_t left, int32_t right, int nan_left) {
    EML_PRECONDITION(t->n_features >= 1, EmlUninitialized);
    EML_PRECONDITION(feature >= 0 && feature < t->n_features, EmlOutOfRange);
    EML_PRECONDITION(threshold_key >= -(int32_t)EML_TREES_FLOAT_INF && threshold_key <= (int32_t)EML_TREES_FLOAT_INF,
                     EmlOutOfRange);
    EML_PRECONDITION(t->n_nodes < EML_TREES_MAX_NODES, EmlOutOfRange);
    const int32_t l = eml_trees_child(t->n_nodes, left);
    const int32_t r = eml_trees_child(t->n_nodes, right);
    EML_PRECONDITION(l != INT32_MIN && r != INT32_MIN, EmlOutOfRange);
    if (t->n_nodes < t->nodes_capacity) {
        EmlTreesNode *n = &t->nodes[t->n_nodes];
        n->split.key = threshold_key;
#if EML_TREES_FLOAT_COMPARE
        // back to float32 bits (two's complement to sign-magnitude)
        n->split.key = (threshold_key < 0) ? (int32_t)(0x80000000u | (uint32_t)(-threshold_key)) : threshold_key;
#endif
        n->child[0] = eml_trees_pack_child(l, (uint32_t)feature);
        n->child[1] = eml_trees_pack_child(r, ((uint32_t)feature >> 8) | (nan_left ? EML_TREES_NAN_LEFT : 0));
    }
    t->n_nodes += 1;
    return EmlOk;
}

static inline EmlError eml_trees_add_node(EmlTrees *t, int32_t feature, int32_t threshold_key,
                                          int32_t left, int32_t right) {
    return eml_trees_add_node_nan(t, feature, threshold_key, left, right, 0);
}

// An int16 model's decision node: left when x[feature] <= threshold;
// children as in files (a jump >= 1, or -k-1 for leaf k), within int16.
static inline EmlError eml_trees_add_node16(EmlTrees *t, int32_t feature, int32_t threshold, int32_t left,
                                            int32_t right) {
    EML_PRECONDITION(t->n_features >= 1 && t->int16, EmlUninitialized);
    EML_PRECONDITION(feature >= 0 && feature < t->n_features, EmlOutOfRange);
    EML_PRECONDITION(threshold >= -32768 && threshold <= 32767, EmlOutOfRange);
    EML_PRECONDITION(left != 0 && right != 0 && left >= -32768 && left <= 32767 && right >= -32768 && right <= 32767,
                     EmlOutOfRange);
    EML_PRECONDITION(t->n_nodes < EML_TREES_MAX_NODES, EmlOutOfRange);
    if (t->n_nodes < t->nodes16_capacity) {
        EmlTreesNode16 *n = &t->nodes16[t->n_nodes];
        n->threshold = (int16_t)threshold;
        n->offset = (uint16_t)(feature * (int32_t)sizeof(int16_t));
        n->child[0] = (int16_t)left;
        n->child[1] = (int16_t)right;
    }
    t->n_nodes += 1;
    return EmlOk;
}

static inline int32_t eml_trees_child16_ok(const EmlTrees *t, int32_t i, int32_t child) {
    return (child >= 0) ? (i + child < t->n_nodes) : (-(child + 1) < t->n_leaves);
}

static inline int32_t eml_trees_child_ok(const EmlTrees *t, int32_t child) {
    return (child >= 0) ? (child < t->n_nodes * (int32_t)sizeof(EmlTreesNode)) : (-(child + 1) < t->n_leaves);
}

// ---- Fixed point (boosting, isolation) ----
// Their leaf values are added as integers: eml_trees_finish turns each
// float32 leaf v into round(v * 2^shift) (half away from zero), with the
// shift that gives the largest leaf 31 bits, so leaves within a factor
// 2^7 of it are exact and smaller ones are rounded to 2^-shift. The int64
// sum of a prediction is exact and becomes a float32 by one rounding
// (eml_trees_from_fixed). export/additive.py does the same in numpy.

#define EML_TREES_MAX_SHIFT 126

// The exponent of a finite float32: |v| < 2^(e + 1).
static inline int32_t eml_trees_exponent(uint32_t bits) {
    const int32_t e = (int32_t)((bits >> 23) & 0xffu);
    return (e ? e : 1) - 127;
}

// round(v * 2^shift), v given by its float32 bits (finite; the result
// must fit: below 2^62).
static inline int64_t eml_trees_to_fixed(uint32_t bits, int32_t shift) {
    const int32_t e = (int32_t)((bits >> 23) & 0xffu);
    const uint32_t m = (bits & 0x7fffffu) | (e ? 0x800000u : 0u);
    const int32_t up = (e ? e : 1) - 150 + shift;   // |v| * 2^shift = m * 2^up
    const uint64_t mag = (up >= 0) ? (uint64_t)m << up : (up > -25) ? (m + (1u << (-up - 1))) >> -up : 0;
    return (bits >> 31) ? -(int64_t)mag : (int64_t)mag;
}

// v * 2^-shift as the nearest float32 (ties to even); shift at most
// EML_TREES_MAX_SHIFT, beyond the float32 range: +-infinity.
static inline float eml_trees_from_fixed(int64_t v, int32_t shift) {
    const uint64_t m = (v < 0) ? 0u - (uint64_t)v : (uint64_t)v;
    uint32_t hi = (uint32_t)(m >> 32), lo = (uint32_t)m;
    if ((hi | lo) == 0) {
        return 0.0f;
    }
    int32_t top = 63;   // the bit number of hi's bit 31 in m
    if (hi == 0) {
        hi = lo;
        lo = 0;
        top = 31;
    }
    for (int32_t step = 16; step > 0; step >>= 1) {
        if ((hi >> (32 - step)) == 0) {
            hi = (hi << step) | (lo >> (32 - step));
            lo <<= step;
            top -= step;
        }
    }
    // 24 bits kept, rounded on the 8 below and the sticky rest
    const uint32_t rest = hi & 0xffu;
    uint32_t mant = hi >> 8;
    mant += (rest > 0x80u || (rest == 0x80u && (lo != 0 || (mant & 1u))));
    const int32_t exponent = top + 127 - shift;   // >= 1
    // a mantissa rounded up to 2^24 carries into the exponent
    const uint32_t bits = (exponent >= 255) ? EML_TREES_FLOAT_INF : ((uint32_t)(exponent - 1) << 23) + mant;
    return eml_text_bits_float(((bits < EML_TREES_FLOAT_INF) ? bits : EML_TREES_FLOAT_INF) | (v < 0 ? 0x80000000u : 0u));
}

// Once, by eml_trees_finish: the shift, the leaves and the base margins
// (boosting) in fixed point. A base far above the leaves lowers the shift
// so that sums stay below 2^56.
static inline EmlError eml_trees_fix(EmlTrees *t) {
    const int boost = t->kind == EML_TREES_BOOST;
    int32_t top = -127;
    for (int32_t i = 0; i < t->n_base; i++) {
        const uint32_t bits = eml_text_float_bits(t->base[i]);
        EML_PRECONDITION((bits & EML_TREES_FLOAT_MAGNITUDE) < EML_TREES_FLOAT_INF, EmlOutOfRange);
        const int32_t e = eml_trees_exponent(bits) - 24;
        top = (boost && e > top) ? e : top;
    }
    for (int32_t i = 0; i < t->n_leaves; i++) {
        const int32_t e = eml_trees_exponent(t->leaves[i]);
        top = (e > top) ? e : top;
    }
    const int32_t shift = 30 - top;
    t->shift = (shift > EML_TREES_MAX_SHIFT) ? EML_TREES_MAX_SHIFT : shift;
    for (int32_t i = 0; i < t->n_leaves; i++) {
        t->leaves[i] = (uint32_t)(int32_t)eml_trees_to_fixed(t->leaves[i], t->shift);
    }
    for (int32_t i = 0; boost && i < t->n_base; i++) {
        t->base_fixed[i] = eml_trees_to_fixed(eml_text_float_bits(t->base[i]), t->shift);
    }
    return EmlOk;
}

// Checks a complete model. On failure, *bad is the offending node or tree
// index (or -1). Capacity errors come first.
static inline EmlError eml_trees_finish(EmlTrees *t, int32_t *bad) {
    *bad = -1;
    EML_PRECONDITION(t->n_nodes <= (t->int16 ? t->nodes16_capacity : t->nodes_capacity), EmlCapacityExceeded);
    EML_PRECONDITION(t->n_trees <= t->roots_capacity, EmlCapacityExceeded);
    EML_PRECONDITION(t->n_leaves + t->n_vector_words <= t->leaves_capacity, EmlCapacityExceeded);
    EML_PRECONDITION(t->n_features >= 1 && t->n_classes >= 0, EmlUninitialized);
    EML_PRECONDITION(t->n_trees >= 1 && t->n_leaves >= 1, EmlUninitialized);
    if (t->n_classes > 0) {
        // Vote sums must fit an int32.
        EML_PRECONDITION((uint64_t)t->full_weight * (uint64_t)t->n_trees <= 0x7fffffffu, EmlUnsupported);
    }
    for (int32_t i = 0; i < t->n_trees; i++) {
        *bad = i;
        const int32_t root = t->roots[i];
        EML_PRECONDITION(t->int16 ? (root < t->n_nodes && -(root + 1) < t->n_leaves) : eml_trees_child_ok(t, root),
                         EmlOutOfRange);
    }
    for (int32_t i = 0; i < t->n_nodes && t->int16; i++) {
        *bad = i;
        EML_PRECONDITION(eml_trees_child16_ok(t, i, t->nodes16[i].child[0]), EmlOutOfRange);
        EML_PRECONDITION(eml_trees_child16_ok(t, i, t->nodes16[i].child[1]), EmlOutOfRange);
    }
    for (int32_t i = 0; i < t->n_nodes && !t->int16; i++) {
        *bad = i;
        EML_PRECONDITION(eml_trees_child_ok(t, t->nodes[i].child[0] >> 8), EmlOutOfRange);
        EML_PRECONDITION(eml_trees_child_ok(t, t->nodes[i].child[1] >> 8), EmlOutOfRange);
    }
    *bad = -1;
    EML_PRECONDITION(t->keys && t->sums && t->reached, EmlUninitialized);
    if (t->kind == EML_TREES_BOOST) {
        EML_PRECONDITION(t->base && t->n_base == t->n_outputs, EmlSizeMismatch);
        t->per_output = t->n_trees / t->n_outputs;
        EML_PRECONDITION(t->per_output * t->n_outputs == t->n_trees, EmlSizeMismatch);
        EML_PRECONDITION(t->base_fixed, EmlUninitialized);
    } else if (t->kind == EML_TREES_ISOLATION) {
        EML_PRECONDITION(t->base && t->n_base == 2, EmlSizeMismatch);
    }
    // last: changes the leaves (boosting, isolation), so call once
    return (t->kind == EML_TREES_FOREST) ? EmlOk : eml_trees_fix(t);
}

// ---- Prediction: no checks, no allocation ----

// Inputs must not be NaN: eml_trees_set_input_float reports them.
EML_TREES_HOT const EmlTreesValue *eml_trees_input(const EmlTrees *t) {
    return (const EmlTreesValue *)t->input;
}

// Sets the input of the next vote/regress: n_features floats. Returns
// nonzero when one is NaN. With float compare, x is used in place and
// must stay valid until the prediction is done.
static inline int eml_trees_set_input_float(EmlTrees *t, const float *x) {
    const int32_t n = t->n_features;
    uint32_t nan = 0;   // bit 31 set by any magnitude above infinity's
#if EML_TREES_FLOAT_COMPARE
    int32_t i = 0;
#if UINTPTR_MAX > 0xffffffffu
    // four at a time in two 64-bit words (no carry crosses the halves)
    uint64_t nan2 = 0;
    for (; i + 4 <= n; i += 4) {
        uint64_t a, b;
        memcpy(&a, &x[i], sizeof(a));
        memcpy(&b, &x[i + 2], sizeof(b));
        nan2 |= (a & 0x7fffffff7fffffffull) + 0x007fffff007fffffull;
        nan2 |= (b & 0x7fffffff7fffffffull) + 0x007fffff007fffffull;
    }
    nan |= (uint32_t)(nan2 | (nan2 >> 32));
#endif
    for (; i < n; i++) {
        const uint32_t bits = eml_text_float_bits(x[i]);
        nan |= (bits & EML_TREES_FLOAT_MAGNITUDE) + 0x007fffffu;
    }
    t->input = x;
    t->nan_row = (int)(nan >> 31);
#else
    int32_t *keys = t->keys;
    for (int32_t i = 0; i < n; i++) {
        const uint32_t bits = eml_text_float_bits(x[i]);
        nan |= (bits & EML_TREES_FLOAT_MAGNITUDE) + 0x007fffffu;
        keys[i] = eml_trees_key(bits);
    }
    t->input = keys;
    t->nan_row = (int)(nan >> 31);
#endif
    return (int)(nan >> 31);
}

// Sets the input from n_features int16 values, taken as numbers.
static inline void eml_trees_set_input_int16(EmlTrees *t, const int16_t *x) {
    int32_t *scratch = t->keys;
    for (int32_t i = 0; i < t->n_features; i++) {
        const uint32_t bits = eml_text_float_bits((float)x[i]);
#if EML_TREES_FLOAT_COMPARE
        scratch[i] = (int32_t)bits;
#else
        scratch[i] = eml_trees_key(bits);
#endif
    }
    t->input = scratch;
    t->nan_row = 0;
}

// Whether decision node n sends the input left (x[feature] <= threshold).
// wide: 0 when the model has at most 256 features (the feature's high byte
// is 0); a constant in every caller, so each walk is compiled twice.
// The low byte is read as a byte where that is the first one (one load
// instead of a load and a mask on Thumb-1).
EML_TREES_HOT int eml_trees_goes_left(const EmlTreesValue *in, const EmlTreesNode *n, int wide) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const int32_t low = *(const uint8_t *)&n->child[0];
#else
    const int32_t low = n->child[0] & 0xff;
#endif
    const int32_t feature = wide ? (low | ((n->child[1] & 0x7f) << 8)) : low;
#if EML_TREES_FLOAT_COMPARE
    return in[feature] <= n->split.threshold;
#else
    return in[feature] <= n->split.key;
#endif
}

// The node at byte offset i.
EML_TREES_HOT const EmlTreesNode *eml_trees_node(const EmlTreesNode *nodes, int32_t i) {
    return (const EmlTreesNode *)((const char *)nodes + i);
}

// One step down from the decision node at byte offset i: picks the child
// by index, so no branch depends on the input.
EML_TREES_HOT int32_t eml_trees_step(const EmlTreesNode *nodes, const EmlTreesValue *in, int32_t i, int wide) {
    const EmlTreesNode *n = eml_trees_node(nodes, i);
    return n->child[!eml_trees_goes_left(in, n, wide)] >> 8;
}

// The leaf that a walk from node offset (or leaf) i reaches. This one
// branches on the comparison: fewest instructions on in-order cores.
EML_TREES_HOT int32_t eml_trees_walk_from(const EmlTrees *t, int32_t i, int wide) {
    const EmlTreesValue *in = eml_trees_input(t);
    while (i >= 0) {
        const EmlTreesNode *n = eml_trees_node(t->nodes, i);
        i = (eml_trees_goes_left(in, n, wide) ? n->child[0] : n->child[1]) >> 8;
    }
    return -(i + 1);
}

// An int16 model: the leaf that tree root i reaches for int16 input x.
// Walks a node pointer by the jumps (branching on the compare: fewest
// instructions on in-order cores).
EML_TREES_HOT int32_t eml_trees_walk16(const EmlTreesNode16 *nodes, const int16_t *x, int32_t i) {
    if (i < 0) {
        return -(i + 1);
    }
    const EmlTreesNode16 *n = nodes + i;
    for (;;) {
        const int16_t v = *(const int16_t *)(const void *)((const char *)x + n->offset);
        const int32_t c = (v <= n->threshold) ? n->child[0] : n->child[1];
        if (c < 0) {
            return -(c + 1);
        }
        n += c;
    }
}

// Sets the input of an int16 model: n_features int16 values.
static inline void eml_trees_set_input16(EmlTrees *t, const int16_t *x) {
    t->input = x;
    t->nan_row = 0;
}

// One step of an int16 model from node index i, without a branch: the
// next node's index, or -k-1 for leaf k.
EML_TREES_HOT int32_t eml_trees_step16(const EmlTreesNode16 *nodes, const int16_t *x, int32_t i) {
    const EmlTreesNode16 *n = nodes + i;
    const int16_t v = *(const int16_t *)(const void *)((const char *)x + n->offset);
    const int32_t c = n->child[v > n->threshold];
    return (c < 0) ? c : i + c;
}

// One step of the walk from i (a node, by offset or index) for the
// lanes below. mode: 0 float model, at most 256 features; 1 float model;
// 2 int16 model. A constant in every caller.
EML_TREES_HOT int32_t eml_trees_lane_step(const EmlTrees *t, const void *in, int32_t i, int mode) {
    return (mode == 2) ? eml_trees_step16(t->nodes16, (const int16_t *)in, i)
                       : eml_trees_step(t->nodes, (const EmlTreesValue *)in, i, mode);
}

// Trees walked four at a time without data-dependent branches, where the
// CPU runs ahead (x86-64, AArch64): their loads overlap and no branch on
// the input is mispredicted. A lane that reaches a leaf takes the next
// tree. In-order microcontrollers walk one tree at a time.
#ifndef EML_TREES_LANES
#if defined(__x86_64__) || defined(__aarch64__) || defined(__i386__)
#define EML_TREES_LANES 4
#else
#define EML_TREES_LANES 1
#endif
#endif

// The leaf that a walk from i reaches (mode as in eml_trees_lane_step).
EML_TREES_HOT int32_t eml_trees_leaf_from(const EmlTrees *t, const void *in, int32_t i, int mode) {
    return (mode == 2) ? eml_trees_walk16(t->nodes16, (const int16_t *)in, i) : eml_trees_walk_from(t, i, mode);
}

// Fills t->reached[tree] with the leaf each tree reaches.
// mode as in eml_trees_lane_step.
EML_TREES_HOT void eml_trees_reach(const EmlTrees *t, int mode) {
    const void *in = t->input;
    const int32_t *roots = t->roots;
    const int32_t n_trees = t->n_trees;
    int32_t *reached = t->reached;
    int32_t next = 0;
#if EML_TREES_LANES == 4
    int32_t idx[4], tree[4], active = 0;
    for (; active < 4 && next < n_trees; active++, next++) {
        tree[active] = next;
        idx[active] = roots[next];
    }
    while (active == 4) {
        int32_t a = idx[0], b = idx[1], c = idx[2], d = idx[3];
        while ((a | b | c | d) >= 0) {
            a = eml_trees_lane_step(t, in, a, mode);
            b = eml_trees_lane_step(t, in, b, mode);
            c = eml_trees_lane_step(t, in, c, mode);
            d = eml_trees_lane_step(t, in, d, mode);
        }
        idx[0] = a;
        idx[1] = b;
        idx[2] = c;
        idx[3] = d;
        for (int32_t k = 0; k < active; k++) {
            if (idx[k] >= 0) {
                continue;
            }
            reached[tree[k]] = -(idx[k] + 1);
            if (next < n_trees) {
                tree[k] = next;
                idx[k] = roots[next++];
            } else {
                active -= 1;
                tree[k] = tree[active];
                idx[k] = idx[active];
                k -= 1;
            }
        }
    }
    for (int32_t k = 0; k < active; k++) {
        reached[tree[k]] = eml_trees_leaf_from(t, in, idx[k], mode);
    }
#endif
    (void)in;
    for (; next < n_trees; next++) {
        reached[next] = eml_trees_leaf_from(t, in, roots[next], mode);
    }
}

// The leaf that a walk from node offset (or leaf) i reaches for an input
// with NaNs: each node sends a NaN its own way (EML_TREES_NAN_LEFT).
static inline int32_t eml_trees_walk_nan(const EmlTrees *t, int32_t i) {
    const EmlTreesValue *in = eml_trees_input(t);
    while (i >= 0) {
        const EmlTreesNode *n = eml_trees_node(t->nodes, i);
        const EmlTreesValue v = in[(n->child[0] & 0xff) | ((n->child[1] & 0x7f) << 8)];
#if EML_TREES_FLOAT_COMPARE
        const int nan = v != v;
#else
        const int nan = v > (int32_t)EML_TREES_FLOAT_INF || v < -(int32_t)EML_TREES_FLOAT_INF;
#endif
        const int left = nan ? (n->child[1] & EML_TREES_NAN_LEFT) != 0 : eml_trees_goes_left(in, n, 1);
        i = (left ? n->child[0] : n->child[1]) >> 8;
    }
    return -(i + 1);
}

// Fills t->reached[tree] for the current input, NaN-aware when it has NaNs.
static inline void eml_trees_reach_all(const EmlTrees *t) {
    if (t->int16) {
#if EML_TREES_LANES == 4
        eml_trees_reach(t, 2);
#else
        // its own loop: through eml_trees_reach, 60 more instructions for
        // digits RF-10 int16 on the M3 (Thumb-1 registers)
        const int16_t *x = (const int16_t *)t->input;
        for (int32_t tree = 0; tree < t->n_trees; tree++) {
            t->reached[tree] = eml_trees_walk16(t->nodes16, x, t->roots[tree]);
        }
#endif
    } else if (t->nan_row) {
        for (int32_t tree = 0; tree < t->n_trees; tree++) {
            t->reached[tree] = eml_trees_walk_nan(t, t->roots[tree]);
        }
    } else if (t->n_features > 256) {
        eml_trees_reach(t, 1);
    } else {
        eml_trees_reach(t, 0);
    }
}

EML_TREES_HOT void eml_trees_add_votes(const EmlTrees *t, int32_t leaf) {
    const uint32_t word = t->leaves[leaf];
    uint32_t *sums = t->sums;
    if (word & EML_TREES_VECTOR_FLAG) {
        const uint32_t *w = t->leaves + (word & ~EML_TREES_VECTOR_FLAG);
        for (int32_t c = 0; c < t->n_classes; c++) {
            sums[c] += w[c];
        }
    } else {
        sums[word] += t->full_weight;
    }
}

EML_TREES_HOT float eml_trees_leaf_value(const EmlTrees *t, int32_t leaf) {
    return eml_text_bits_float(t->leaves[leaf]);
}


// Classifier: fills t->sums with the vote weights of all trees and returns
// the first class with the largest sum.
static inline int32_t eml_trees_vote(const EmlTrees *t) {
    uint32_t *sums = t->sums;
    const int32_t n_classes = t->n_classes;
    for (int32_t c = 0; c < n_classes; c++) {
        sums[c] = 0;
    }
#if EML_TREES_LANES == 4
    eml_trees_reach_all(t);
    for (int32_t tree = 0; tree < t->n_trees; tree++) {
        eml_trees_add_votes(t, t->reached[tree]);
    }
#else
    if (t->nan_row || t->int16) {
        eml_trees_reach_all(t);
        for (int32_t tree = 0; tree < t->n_trees; tree++) {
            eml_trees_add_votes(t, t->reached[tree]);
        }
    } else {
        const int wide = t->n_features > 256;
        for (int32_t tree = 0; tree < t->n_trees; tree++) {
            eml_trees_add_votes(t, wide ? eml_trees_walk_from(t, t->roots[tree], 1)
                                        : eml_trees_walk_from(t, t->roots[tree], 0));
        }
    }
#endif
    int32_t best = 0;
    for (int32_t c = 1; c < n_classes; c++) {
        if (sums[c] > sums[best]) {
            best = c;
        }
    }
    return best;
}

// After eml_trees_vote: class probabilities (mean over trees).
static inline void eml_trees_proba(const EmlTrees *t, float *out) {
    for (int32_t c = 0; c < t->n_classes; c++) {
        out[c] = (float)(int32_t)t->sums[c] * t->scale;
    }
}

// Regressor: the mean of the trees' leaf values (summed in tree order).
static inline float eml_trees_regress(const EmlTrees *t) {
    eml_trees_reach_all(t);
    float sum = 0.0f;
    for (int32_t tree = 0; tree < t->n_trees; tree++) {
        sum += eml_trees_leaf_value(t, t->reached[tree]);
    }
    return sum * t->scale;
}

// Boosting, isolation: how the fixed-point sums find each tree's leaf.
// On in-order cores they walk each tree as they go: returns 1 (2 with
// more than 256 features) for a float model without NaN in the input, 3
// for an int16 model. Else 0 after filling t->reached (the four-lane walk,
// or a float input with NaNs).
static inline int eml_trees_fixed_walk(const EmlTrees *t) {
#if EML_TREES_LANES == 1
    if (t->int16) {
        return 3;
    }
    if (!t->nan_row) {
        return (t->n_features > 256) ? 2 : 1;
    }
#endif
    eml_trees_reach_all(t);
    return 0;
}

// sum plus the fixed-point leaf values of trees first..end-1, as found in
// t->reached.
EML_TREES_HOT int64_t eml_trees_add_reached(const EmlTrees *t, int32_t first, int32_t end, int64_t sum) {
    const int32_t *fixed = (const int32_t *)t->leaves;
    for (int32_t tree = first; tree < end; tree++) {
        sum += fixed[t->reached[tree]];
    }
    return sum;
}

// Where a walk from node offset (or leaf) i ends: -k-1 for leaf k. The
// test at the bottom of the loop saves a jump per node.
EML_TREES_HOT int32_t eml_trees_descend(const EmlTreesNode *nodes, const EmlTreesValue *in, int32_t i, int wide) {
    if (i < 0) {
        return i;
    }
    int32_t child;
    do {
        const EmlTreesNode *n = eml_trees_node(nodes, i);
        child = eml_trees_goes_left(in, n, wide) ? n->child[0] : n->child[1];
        i = child >> 8;
    } while (child >= 0);
    return i;
}

// The same for models of at most 256 features, out of line: its few live
// values then stay in registers on Thumb-1.
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static int32_t eml_trees_descend_narrow(const EmlTreesNode *nodes, const EmlTreesValue *in, int32_t i) {
    return eml_trees_descend(nodes, in, i, 0);
}

// The same sum, walking each tree from its root (roots to end, at most
// EML_TREES_WALK_CHUNK trees) on the way.
#define EML_TREES_WALK_CHUNK 32768
EML_TREES_HOT int64_t eml_trees_add_walked(const EmlTreesNode *nodes, const EmlTreesValue *in, const int32_t *roots,
                                           const int32_t *end, const int32_t *fixed, int64_t sum, int wide) {
    // two int32 sums of the leaves' high and low 16 bits: no overflow for
    // up to EML_TREES_WALK_CHUNK trees
    int32_t high = 0, low = 0;
    for (; roots < end; roots++) {
        const int32_t i = wide ? eml_trees_descend(nodes, in, *roots, 1) : eml_trees_descend_narrow(nodes, in, *roots);
        const int32_t v = fixed[~i];
        high += v >> 16;
        low += v & 0xffff;
    }
    return sum + (int64_t)high * 65536 + low;
}

// eml_trees_walk16 out of line, for the same reason.
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static int32_t eml_trees_walk16_call(const EmlTreesNode16 *nodes, const int16_t *x, int32_t i) {
    return eml_trees_walk16(nodes, x, i);
}

// The same for an int16 model (roots are node indices or -k-1).
EML_TREES_HOT int64_t eml_trees_add_walked16(const EmlTreesNode16 *nodes, const int16_t *x, const int32_t *roots,
                                             const int32_t *end, const int32_t *fixed, int64_t sum) {
    int32_t high = 0, low = 0;
    for (; roots < end; roots++) {
        const int32_t v = fixed[eml_trees_walk16_call(nodes, x, *roots)];
        high += v >> 16;
        low += v & 0xffff;
    }
    return sum + (int64_t)high * 65536 + low;
}

// sum plus the fixed-point leaf values of trees first..end-1 (walk: as
// eml_trees_fixed_walk returned).
static inline int64_t eml_trees_fixed_sum(const EmlTrees *t, int32_t first, int32_t end, int64_t sum, int walk) {
    if (walk == 0) {
        return eml_trees_add_reached(t, first, end, sum);
    }
    const int32_t *fixed = (const int32_t *)t->leaves;
    const EmlTreesValue *in = eml_trees_input(t);
    while (first < end) {
        const int32_t stop = (end - first > EML_TREES_WALK_CHUNK) ? first + EML_TREES_WALK_CHUNK : end;
        if (walk == 3) {
            sum = eml_trees_add_walked16(t->nodes16, (const int16_t *)t->input, t->roots + first, t->roots + stop,
                                         fixed, sum);
        } else {
            sum = (walk == 1) ? eml_trees_add_walked(t->nodes, in, t->roots + first, t->roots + stop, fixed, sum, 0)
                              : eml_trees_add_walked(t->nodes, in, t->roots + first, t->roots + stop, fixed, sum, 1);
        }
        first = stop;
    }
    return sum;
}

// Boosting: out[k] = base[k] + the leaf values of output k's trees, added
// exactly in fixed point, then rounded once to float32 (out: n_outputs).
static inline void eml_trees_margins(const EmlTrees *t, float *out) {
    const int walk = eml_trees_fixed_walk(t);
    for (int32_t k = 0; k < t->n_outputs; k++) {
        const int32_t first = k * t->per_output;
        const int64_t sum = eml_trees_fixed_sum(t, first, first + t->per_output, t->base_fixed[k], walk);
        out[k] = eml_trees_from_fixed(sum, t->shift);
    }
}

// Boosting, after eml_trees_margins: the class (first largest margin; for
// one margin, 1 when it is > 0).
static inline int32_t eml_trees_margin_class(const EmlTrees *t, const float *margins) {
    if (t->n_outputs == 1) {
        return margins[0] > 0.0f;
    }
    int32_t best = 0;
    for (int32_t k = 1; k < t->n_outputs; k++) {
        best = (margins[k] > margins[best]) ? k : best;
    }
    return best;
}

// Boosting classifier: margins (n_outputs) -> n_classes probabilities by
// the model's link. in and out may not overlap.
static inline void eml_trees_link(const EmlTrees *t, const float *margins, float *out) {
    if (t->link == EML_TREES_SIGMOID) {
        const float p = eml_math_reciprocal(1.0f + eml_math_exp(-margins[0]));
        out[0] = 1.0f - p;
        out[1] = p;
        return;
    }
    float top = margins[0];
    for (int32_t k = 1; k < t->n_outputs; k++) {
        top = (margins[k] > top) ? margins[k] : top;
    }
    float sum = 0.0f;
    for (int32_t k = 0; k < t->n_outputs; k++) {
        out[k] = eml_math_exp(margins[k] - top);
        sum += out[k];
    }
    const float r = eml_math_reciprocal(sum);
    for (int32_t k = 0; k < t->n_outputs; k++) {
        out[k] *= r;
    }
}

// IsolationForest: scikit-learn's score_samples, -2^(-mean path length /
// c(max_samples)) = -exp(-sum * base[0]). Leaves hold depth + c(n_leaf).
static inline float eml_trees_isolation_score(const EmlTrees *t) {
    const int64_t sum = eml_trees_fixed_sum(t, 0, t->n_trees, 0, eml_trees_fixed_walk(t));
    return -eml_math_exp(-(eml_trees_from_fixed(sum, t->shift) * t->base[0]));
}

#ifdef __cplusplus
}
#endif
#endif // EML_TREES_H
