// emlneighbors glue shared by its two files: the model object and the loader.
#ifndef EMLNEIGHBORS_H
#define EMLNEIGHBORS_H

#include "emlmp.h"
#include "eml_neighbors.h"
#include "emlmp_text.h"
#include "emlmp_quantize.h"
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
// What load() or load_model() give the loader, and the file's settings.
typedef struct {
    mp_int_t n_items;      // the header's
    uint32_t n_features;   // the header's
    uint32_t k;            // given, else the k line's, else 0
    uint32_t max_items;    // given, else n_items (at least 1)
    int32_t max_classes;   // given, or -1: the y line's count
    EmlNeighborsWeights weights;
    mp_obj_t *classes;     // the y line's, or NULL
    size_t n_classes;
    knn_obj_t *target;     // load_model's model, or NULL: a new one
} emlneighbors_settings_t;

// Reads a model file with f.readline() (emlneighbors_load.c).
knn_obj_t *emlneighbors_read(mp_obj_t f, emlneighbors_settings_t *s, bool strict);

#endif
