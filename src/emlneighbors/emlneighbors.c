// emlneighbors: k-nearest-neighbours over int16 items, learnable on device.
// new(max_items, n_features, k) or load(stream, k[, max_items]) make a model
// with additem, predict, getresult, getitem, quantize and n_items.
#include "emlmp.h"
#include "eml_neighbors.h"
#include "emlmp_text.h"
#include "emlmp_quantize.h"

typedef struct {
    mp_obj_base_t base;
    EmlNeighbors model;
    float *offset;  // length n_features, or NULL: quantize() unavailable
    float *scale;   // length n_features, or NULL
} knn_obj_t;

mp_obj_full_type_t knn_type;
static const mp_obj_fun_builtin_fixed_t new_obj;
static const mp_obj_fun_builtin_var_t load_obj;
static void knn_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest);

mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {
    MP_DYNRUNTIME_INIT_ENTRY
    emlmp_type_init(&knn_type, MP_QSTR_KNN);
    MP_OBJ_TYPE_SET_SLOT(&knn_type, attr, knn_attr, 0);
    mp_store_global(MP_QSTR_new, MP_OBJ_FROM_PTR(&new_obj));
    mp_store_global(MP_QSTR_load, MP_OBJ_FROM_PTR(&load_obj));
    MP_DYNRUNTIME_INIT_EXIT
}

// A size argument in [1, 2^30 - 1]; the message names it and shows the
// value as given (a big int is not wrapped or saturated first).
static uint32_t get_size(mp_obj_t o, const char *name) {
    if (!mp_obj_is_int(o)) {
        EMLMP_RAISE(&mp_type_TypeError, "%s must be an int", EMLMP_STR(name));
    }
    if (mp_obj_is_true(mp_binary_op(MP_BINARY_OP_LESS, o, mp_obj_new_int(1))) ||
        mp_obj_is_true(mp_binary_op(MP_BINARY_OP_MORE, o, mp_obj_new_int(0x3fffffff)))) {
        EMLMP_RAISE(&mp_type_ValueError, "%s must be between 1 and 1073741823, got %r",
                    EMLMP_STR(name), EMLMP_OBJ(o));
    }
    return (uint32_t)mp_obj_get_int(o);
}

static knn_obj_t *knn_create(uint32_t max_items, uint32_t n_features, uint32_t k) {
    if (max_items > 0x3fffffff / n_features) {
        EMLMP_RAISE(&mp_type_ValueError, "max_items*n_features too large: %d*%d",
                    EMLMP_INT(max_items), EMLMP_INT(n_features));
    }
    knn_obj_t *o = EMLMP_NEW_OBJ(knn_obj_t, &knn_type, "the model object");
    o->offset = NULL;
    o->scale = NULL;
    int16_t *values = EMLMP_NEW(int16_t, (size_t)max_items * n_features, "the model items");
    int32_t *labels = EMLMP_NEW(int32_t, max_items, "the model labels");
    EmlNeighborsResult *results = EMLMP_NEW(EmlNeighborsResult, k, "the model results");
    EmlError err = eml_neighbors_init(&o->model, values, labels, results, max_items, n_features, k);
    if (err != EmlOk) {
        mp_raise_ValueError(MP_ERROR_TEXT(eml_error_str(err)));
    }
    return o;
}

static mp_obj_t knn_new(mp_obj_t max_items, mp_obj_t n_features, mp_obj_t k) {
    return MP_OBJ_FROM_PTR(knn_create(
        get_size(max_items, "max_items"),
        get_size(n_features, "n_features"),
        get_size(k, "k")));
}
static MP_DEFINE_CONST_FUN_OBJ_3(new_obj, knn_new);

// The items of `o`, an array with typecode `tc` and n_features items.
static void *get_row(mp_obj_t o, const knn_obj_t *self, char tc, const char *name, bool writable) {
    return emlmp_array(o, tc, writable, self->model.n_features, name, NULL);
}

// An int label in the int32 range.
static int32_t get_label(mp_obj_t o) {
    if (!mp_obj_is_int(o)) {
        mp_raise_TypeError(MP_ERROR_TEXT("label must be an int"));
    }
    mp_obj_t lo = mp_obj_new_int(-0x7fffffff - 1);
    mp_obj_t hi = mp_obj_new_int(0x7fffffff);
    if (mp_obj_is_true(mp_binary_op(MP_BINARY_OP_LESS, o, lo)) ||
        mp_obj_is_true(mp_binary_op(MP_BINARY_OP_MORE, o, hi))) {
        mp_raise_msg(EMLMP_OVERFLOW_ERROR, MP_ERROR_TEXT("label must fit in int32"));
    }
    return (int32_t)mp_obj_get_int(o);
}

static void add_checked(knn_obj_t *self, const int16_t *values, int32_t label) {
    if (eml_neighbors_add_item(&self->model, values, label) != EmlOk) {
        EMLMP_RAISE(&mp_type_ValueError, "model is full: max_items is %d", EMLMP_INT(self->model.max_items));
    }
}

static mp_obj_t knn_additem(mp_obj_t self_in, mp_obj_t values_in, mp_obj_t label_in) {
    knn_obj_t *self = MP_OBJ_TO_PTR(self_in);
    const int16_t *values = get_row(values_in, self, 'h', "values", false);
    int32_t label = get_label(label_in);
    add_checked(self, values, label);
    return mp_obj_new_int(self->model.n_items - 1);
}
static MP_DEFINE_CONST_FUN_OBJ_3(additem_obj, knn_additem);

static mp_obj_t knn_predict(mp_obj_t self_in, mp_obj_t values_in) {
    knn_obj_t *self = MP_OBJ_TO_PTR(self_in);
    const int16_t *values = get_row(values_in, self, 'h', "values", false);
    int32_t label = 0;
    if (eml_neighbors_predict(&self->model, values, &label) != EmlOk) {
        mp_raise_ValueError(MP_ERROR_TEXT("model has no items: additem() first"));
    }
    return mp_obj_new_int(label);
}
static MP_DEFINE_CONST_FUN_OBJ_2(predict_obj, knn_predict);

// An index in [0, n), else IndexError naming `fmt`.
static uint32_t get_index(mp_obj_t o, uint32_t n, const char *fmt) {
    mp_int_t i = mp_obj_get_int(o);
    if (i < 0 || (mp_uint_t)i >= n) {
        EMLMP_RAISE(&mp_type_IndexError, fmt, EMLMP_INT(i), EMLMP_INT(n));
    }
    return (uint32_t)i;
}

static mp_obj_t new_uint64(uint64_t v) {
    if (v <= 0x3fffffff) {
        return mp_obj_new_int((mp_int_t)v);
    }
    mp_obj_t hi = mp_binary_op(MP_BINARY_OP_LSHIFT, mp_obj_new_int((mp_int_t)(v >> 32)),
                               mp_obj_new_int(32));
    mp_obj_t lo = mp_obj_new_int_from_uint((mp_uint_t)(v & 0xffffffffu));
    return mp_binary_op(MP_BINARY_OP_ADD, hi, lo);
}

static mp_obj_t knn_getresult(mp_obj_t self_in, mp_obj_t i_in) {
    knn_obj_t *self = MP_OBJ_TO_PTR(self_in);
    uint32_t i = get_index(i_in, self->model.n_results,
                           "result %d out of range: last predict() gave %d results");
    const EmlNeighborsResult *r = &self->model.results[i];
    mp_obj_t items[3] = {
        mp_obj_new_int(r->index), new_uint64(r->distance), mp_obj_new_int(r->label)
    };
    return mp_obj_new_tuple(3, items);
}
static MP_DEFINE_CONST_FUN_OBJ_2(getresult_obj, knn_getresult);

static mp_obj_t knn_getitem(mp_obj_t self_in, mp_obj_t i_in, mp_obj_t out_in) {
    knn_obj_t *self = MP_OBJ_TO_PTR(self_in);
    uint32_t i = get_index(i_in, self->model.n_items, "item %d out of range: n_items is %d");
    int16_t *out = get_row(out_in, self, 'h', "out", true);
    const int16_t *src = self->model.values + (size_t)i * self->model.n_features;
    for (uint32_t j = 0; j < self->model.n_features; j++) {
        out[j] = src[j];
    }
    return mp_obj_new_int(self->model.labels[i]);
}
static MP_DEFINE_CONST_FUN_OBJ_3(getitem_obj, knn_getitem);

// out[j] = x[j] scaled as the training set was: trunc((x - offset) * scale
// +- 0.5) in float32, clamped to int16. NaN raises.
static mp_obj_t knn_quantize(mp_obj_t self_in, mp_obj_t x_in, mp_obj_t out_in) {
    knn_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->scale == NULL) {
        mp_raise_ValueError(MP_ERROR_TEXT("no scaling: load a file that has offset and scale rows"));
    }
    const float *x = get_row(x_in, self, 'f', "x", false);
    int16_t *out = get_row(out_in, self, 'h', "out", true);
    emlmp_quantize(x, self->offset, self->scale, out, (int32_t)self->model.n_features);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(quantize_obj, knn_quantize);

static void knn_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    if (dest[0] != MP_OBJ_NULL) {
        return;  // no stores or deletes: AttributeError
    }
    knn_obj_t *self = MP_OBJ_TO_PTR(self_in);
    const mp_obj_t methods[6][2] = {
        { MP_OBJ_NEW_QSTR(MP_QSTR_additem), MP_OBJ_FROM_PTR(&additem_obj) },
        { MP_OBJ_NEW_QSTR(MP_QSTR_predict), MP_OBJ_FROM_PTR(&predict_obj) },
        { MP_OBJ_NEW_QSTR(MP_QSTR_getresult), MP_OBJ_FROM_PTR(&getresult_obj) },
        { MP_OBJ_NEW_QSTR(MP_QSTR_getitem), MP_OBJ_FROM_PTR(&getitem_obj) },
        { MP_OBJ_NEW_QSTR(MP_QSTR_quantize), MP_OBJ_FROM_PTR(&quantize_obj) },
        { MP_OBJ_NULL, MP_OBJ_NULL },
    };
    for (int m = 0; methods[m][0] != MP_OBJ_NULL; m++) {
        if (methods[m][0] == MP_OBJ_NEW_QSTR(attr)) {
            dest[0] = methods[m][1];
            dest[1] = self_in;
            return;
        }
    }
    const EmlNeighbors *md = &self->model;
    if (attr == MP_QSTR_n_items) {
        dest[0] = mp_obj_new_int(md->n_items);
    } else if (attr == MP_QSTR_n_features) {
        dest[0] = mp_obj_new_int(md->n_features);
    } else if (attr == MP_QSTR_max_items) {
        dest[0] = mp_obj_new_int(md->max_items);
    } else if (attr == MP_QSTR_k) {
        dest[0] = mp_obj_new_int(md->k);
    }
}

// load(stream, k[, max_items], strict=True) streams a training set written by
// emlearn_micropython.neighbors.save, one line at a time. Every field is an
// integer (exact on every board, whatever its float precision):
//   emlneighbors,1,<n_items>,<n_features>
//   # comment lines are skipped
//   offset_bits,<n_features float32 bit patterns as int32>   (optional)
//   scale_bits,<n_features float32 bit patterns as int32>    (optional)
//   <label>,<value 1>,...,<value n_features>                 (n_items lines)
//   end,<n_items>,<crc32>   (eml_text.h; strict=False reads files without it)
typedef struct {
    mp_obj_t readline;
    const char *raw;  // the line as read, with its newline (keeps it alive while p points into it)
    size_t raw_len;
    const char *p;
    const char *end;
    mp_int_t line;
    mp_int_t field;
    EmlTextCheck check;
} reader_t;

// Read the next line; false at the end of the stream. Every line but the
// end line goes into the CRC (a UTF-8 byte order mark on line 1 does not).
static bool next_line(reader_t *r) {
    r->line += 1;
    r->field = 0;
    r->raw = emlmp_readline(r->readline, r->line, &r->raw_len);
    if (r->raw_len > 0 && r->check.ended) {
        EMLMP_RAISE(&mp_type_ValueError, "line %d: data after the end line", EMLMP_INT(r->line));
    }
    if (!eml_text_is_end(r->raw, r->raw_len)) {
        eml_text_check_line(&r->check, r->raw, r->raw_len);
    }
    r->p = r->raw;
    r->end = r->p + r->raw_len;
    while (r->end > r->p && (r->end[-1] == '\n' || r->end[-1] == '\r' || r->end[-1] == ' ')) {
        r->end--;
    }
    return r->raw_len > 0;
}

static void skip_spaces(reader_t *r) {
    while (r->p < r->end && r->p[0] == ' ') {
        r->p++;
    }
}

// The next comma-separated integer of the line, which must be in [lo, hi].
static mp_int_t next_int(reader_t *r, mp_int_t lo, mp_int_t hi) {
    skip_spaces(r);
    if (r->field > 0 && r->p == r->end) {
        EMLMP_RAISE(&mp_type_ValueError, "line %d: field %d missing (fields count from 0)",
                    EMLMP_INT(r->line), EMLMP_INT(r->field));
    }
    if (r->field > 0 && *r->p++ != ',') {
        EMLMP_RAISE(&mp_type_ValueError, "line %d: expected a comma before field %d",
                    EMLMP_INT(r->line), EMLMP_INT(r->field));
    }
    skip_spaces(r);
    int neg = (r->p < r->end && r->p[0] == '-');
    r->p += (r->p < r->end && (r->p[0] == '-' || r->p[0] == '+'));
    const char *start = r->p;
    uint32_t v = 0;  // below 2^32: saturates at 2147483649, beyond every range
    while (r->p < r->end && r->p[0] >= '0' && r->p[0] <= '9') {
        v = (v > 214748364u) ? 2147483649u : v * 10 + (uint32_t)(r->p[0] - '0');
        r->p++;
    }
    if (r->p == start || (r->p < r->end && r->p[0] != ',' && r->p[0] != ' ')) {
        EMLMP_RAISE(&mp_type_ValueError, "line %d: field %d is not an integer",
                    EMLMP_INT(r->line), EMLMP_INT(r->field));
    }
    int64_t value = neg ? -(int64_t)v : (int64_t)v;
    if (value < lo || value > hi) {
        EMLMP_RAISE(&mp_type_ValueError, "line %d: field %d out of range", EMLMP_INT(r->line), EMLMP_INT(r->field));
    }
    r->field += 1;
    return (mp_int_t)value;
}

static void end_of_line(reader_t *r) {
    skip_spaces(r);
    if (r->p != r->end) {
        EMLMP_RAISE(&mp_type_ValueError, "line %d: more than %d fields", EMLMP_INT(r->line), EMLMP_INT(r->field));
    }
}

// A row of n float32 bit patterns after its name; the name is already read.
static float *read_floats(reader_t *r, uint32_t n) {
    float *out = EMLMP_NEW(float, n, "the scaling row");
    for (uint32_t j = 0; j < n; j++) {
        union { int32_t i; float f; } bits;
        bits.i = (int32_t)next_int(r, -0x7fffffff - 1, 0x7fffffff);
        if ((bits.i & 0x7f800000) == 0x7f800000) {
            emlmp_not_finite(r->line, r->field - 1);
        }
        out[j] = bits.f;
    }
    end_of_line(r);
    return out;
}

// Skip `name` at the start of the line; false if the line does not start so.
static bool skip_name(reader_t *r, const char *name) {
    size_t m = 0;
    while (name[m] && r->p + m < r->end && r->p[m] == name[m]) {
        m++;
    }
    if (name[m]) {
        return false;
    }
    r->p += m;
    r->field = 1;
    return true;
}

// Header line: returns the model, sized by the header unless max_items is
// given; *n_items gets the number of item lines to expect.
static knn_obj_t *read_header(reader_t *r, size_t n_args, const mp_obj_t *args, mp_int_t *n_items_out) {
    next_line(r);
    if (!skip_name(r, "emlneighbors")) {
        EMLMP_RAISE(&mp_type_ValueError, "line %d: expected emlneighbors header", EMLMP_INT(r->line));
    }
    next_int(r, 1, 1);
    mp_int_t n_items = next_int(r, 0, 0x3fffffff);
    mp_int_t n_features = next_int(r, 1, 0x3fffffff);
    end_of_line(r);
    uint32_t max_items = n_items > 0 ? (uint32_t)n_items : 1;
    if (n_args > 2) {
        max_items = get_size(args[2], "max_items");
        if (max_items < (uint32_t)n_items) {
            EMLMP_RAISE(&mp_type_ValueError, "max_items %d is less than the file's %d items",
                        EMLMP_INT(max_items), EMLMP_INT(n_items));
        }
    }
    uint32_t k = get_size(args[1], "k");
    *n_items_out = n_items;
    return knn_create(max_items, (uint32_t)n_features, k);
}

// One item line: label then n_features values, parsed into the next slot.
static void read_item(reader_t *r, knn_obj_t *self, mp_int_t n_expected) {
    EmlNeighbors *md = &self->model;
    if ((mp_int_t)md->n_items >= n_expected) {
        EMLMP_RAISE(&mp_type_ValueError, "line %d: more items than the header's %d",
                    EMLMP_INT(r->line), EMLMP_INT(n_expected));
    }
    int32_t label = (int32_t)next_int(r, -0x7fffffff - 1, 0x7fffffff);
    int16_t *row = md->values + (size_t)md->n_items * md->n_features;
    for (uint32_t j = 0; j < md->n_features; j++) {
        row[j] = (int16_t)next_int(r, -32768, 32767);
    }
    end_of_line(r);
    add_checked(self, row, label);
}

static mp_obj_t knn_load(size_t n_args, const mp_obj_t *args, mp_map_t *kw) {
    const bool strict = emlmp_strict_arg(n_args, 3, args, kw, MP_QSTR_strict);
    reader_t r = { mp_load_attr(args[0], MP_QSTR_readline), NULL, 0, NULL, NULL, 0, 0, {0, 0} };
    eml_text_check_init(&r.check);
    mp_int_t n_expected = 0;
    knn_obj_t *self = read_header(&r, n_args > 3 ? 3 : n_args, args, &n_expected);
    while (next_line(&r)) {
        if (eml_text_is_end(r.raw, r.raw_len)) {
            const int32_t counts[1] = {(int32_t)self->model.n_items};
            emlmp_check_end(&r.check, r.raw, r.raw_len, counts, 1, r.line, "end,<items>,<crc32>");
        } else if (r.p == r.end || r.p[0] == '#') {
            continue;
        } else if (skip_name(&r, "offset_bits")) {
            self->offset = read_floats(&r, self->model.n_features);
        } else if (skip_name(&r, "scale_bits")) {
            self->scale = read_floats(&r, self->model.n_features);
        } else {
            read_item(&r, self, n_expected);
        }
    }
    if ((mp_int_t)self->model.n_items != n_expected) {
        EMLMP_RAISE(&mp_type_ValueError, "line %d: file ends after %d items",
                    EMLMP_INT(r.line), EMLMP_INT(self->model.n_items));
    }
    if (strict && !r.check.ended) {
        emlmp_missing_end();
    }
    if ((self->offset == NULL) != (self->scale == NULL)) {
        mp_raise_ValueError(MP_ERROR_TEXT("file has only one of offset_bits and scale_bits"));
    }
    return MP_OBJ_FROM_PTR(self);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(load_obj, 2, knn_load);
