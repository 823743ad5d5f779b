// emlneighbors glue shared by its two files: the model object and the loader.
#ifndef EMLNEIGHBORS_H
#define EMLNEIGHBORS_H

#include "emlmp.h"
#include "eml_neighbors.h"
#include "eml_quantize.h"
#include "emlmp_text.h"
#include "emlmp_labels.h"

typedef struct {
    mp_obj_base_t base;
    EmlNeighbors model;
    float *offset;      // length n_features, or NULL: quantize() unavailable
    float *scale;       // length n_features, or NULL
    // With classes (classes != NULL), item labels are indices into
    // classes[0 .. n_classes-1] (ints or strs, room for max_classes);
    // without, they are the user's int32 labels.
    mp_obj_t *classes;
    uint32_t n_classes;
    uint32_t max_classes;
} knn_obj_t;

// A size argument in [1, 2^30 - 1], or ValueError/TypeError naming it.
uint32_t emlneighbors_size(mp_obj_t o, const char *name);
// An empty model; max_classes 0: int labels without classes.
knn_obj_t *emlneighbors_create(uint32_t max_items, uint32_t n_features, uint32_t k, uint32_t max_classes);
// The stored label of a user's label: the label itself (int32), or its
// class index, adding it to the classes when there is room.
int32_t emlneighbors_label(knn_obj_t *self, mp_obj_t label);
// Append an item, or ValueError when the model is full.
void emlneighbors_add(knn_obj_t *self, const int16_t *values, int32_t label);
// load(stream, k=None, max_items=None, max_classes=None, strict=True)
mp_obj_t emlneighbors_load(size_t n_args, const mp_obj_t *args, mp_map_t *kw);

#endif
