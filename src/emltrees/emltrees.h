// emltrees glue shared by its two files: the model object and the loader.
#ifndef EMLTREES_H
#define EMLTREES_H

#include "emlmp.h"
#include "eml_trees.h"
#include "emlmp_text.h"
#include "emlmp_quantize.h"
#include "emlmp_labels.h"

typedef struct {
    mp_obj_base_t base;
    EmlTrees trees;
    int32_t *keys;          // keys_capacity input keys (scratch for predict)
    uint32_t *sums;         // sums_capacity vote sums (scratch), also leaf values while loading
    int32_t *reached;       // max_trees leaf indices (scratch)
    float *margins;         // sums_capacity floats (boosting scratch)
    int64_t *base_fixed;    // sums_capacity: boosting's base margins in fixed point
    float *base_values;     // base_capacity floats: the b line's values
    int32_t keys_capacity;
    int32_t sums_capacity;
    int32_t base_capacity;
    float *scaler[2];       // int16 models: per-feature offset and scale (qo, qs lines), or NULL
    int32_t scaler_length[2];
    mp_obj_t classes;       // tuple of the y line's labels, or None
    int32_t n_labels;
    bool loaded;
} model_obj_t;

// Reads a model file line by line with f.readline(), checking its end
// line (strict: required) and CRC.
typedef struct {
    mp_obj_t readline;      // the file's bound readline method
    int32_t line;
    bool strict;
    EmlTextCheck check;
} emltrees_reader_t;

void emltrees_reader_init(emltrees_reader_t *r, mp_obj_t f, bool strict);
// The next line (len 0 at the end of the file), added to the CRC unless it
// is the end line.
const char *emltrees_reader_next(emltrees_reader_t *r, size_t *len);
// Reads the rest of the file into the model (after any lines already read).
void emltrees_read(model_obj_t *o, emltrees_reader_t *r);
// The capacities that an "s,<trees>,<nodes>,<leaf words>" line gives, or
// ValueError when the file does not start with one (after comments).
void emltrees_read_sizes(emltrees_reader_t *r, int32_t sizes[3]);

NORETURN void emltrees_raise_line(int32_t line, const char *what);
// One line of a model file (not the end line) into the model.
void emltrees_load_line(model_obj_t *o, const char *data, size_t len, int32_t line);

#endif
