// emlneighbors: k-nearest-neighbours over int16 items, learnable on device.
// new(max_items, n_features, k, max_classes=None) or load(f, ...) make a
// model (load_model(model, f) refills one; the reader is emlneighbors_load.c)
// with additem, predict, getresult,
// getitem, quantize, classes and the sizes. Labels are int32, or ints and
// strs mapped to class indices when the model has classes.
#include "emlneighbors.h"

mp_obj_full_type_t knn_type;
static const mp_obj_fun_builtin_var_t new_obj;
static const mp_obj_fun_builtin_var_t load_obj;
static const mp_obj_fun_builtin_var_t load_model_obj;
static void knn_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest);

mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {
    MP_DYNRUNTIME_INIT_ENTRY
    emlmp_type_init(&knn_type, MP_QSTR_KNN);
    MP_OBJ_TYPE_SET_SLOT(&knn_type, attr, knn_attr, 0);
    mp_store_global(MP_QSTR_new, MP_OBJ_FROM_PTR(&new_obj));
    mp_store_global(MP_QSTR_load, MP_OBJ_FROM_PTR(&load_obj));
    mp_store_global(MP_QSTR_load_model, MP_OBJ_FROM_PTR(&load_model_obj));
    MP_DYNRUNTIME_INIT_EXIT
}

static mp_obj_t arg_or_none(size_t n_args, const mp_obj_t *args, size_t i) {
    return (i < n_args) ? args[i] : mp_const_none;
}

// load(f, k=None, max_items=None, max_classes=None, strict=True)
static mp_obj_t knn_load(size_t n_args, const mp_obj_t *args, mp_map_t *kw) {
    const bool strict = emlmp_strict_arg(n_args, 4, args, kw, MP_QSTR_strict);
    emlneighbors_settings_t s = {0, 0, 0, 0, -1, EML_NEIGHBORS_UNIFORM, NULL, 0, NULL};
    const mp_obj_t k = arg_or_none(n_args, args, 1), max_items = arg_or_none(n_args, args, 2);
    const mp_obj_t max_classes = arg_or_none(n_args, args, 3);
    s.k = (k != mp_const_none) ? emlneighbors_size(k, "k") : 0;
    s.max_items = (max_items != mp_const_none) ? emlneighbors_size(max_items, "max_items") : 0;
    s.max_classes = (max_classes != mp_const_none) ? (int32_t)emlneighbors_size(max_classes, "max_classes") : -1;
    return MP_OBJ_FROM_PTR(emlneighbors_read(args[0], &s, strict));
}
static MP_DEFINE_CONST_FUN_OBJ_KW(load_obj, 1, knn_load);

// load_model(model, f, strict=True): the file's items into a model from new().
static mp_obj_t knn_load_model(size_t n_args, const mp_obj_t *args, mp_map_t *kw) {
    if (mp_obj_get_type(args[0]) != (const mp_obj_type_t *)&knn_type) {
        mp_raise_TypeError(MP_ERROR_TEXT("model must come from emlneighbors.new()"));
    }
    knn_obj_t *m = MP_OBJ_TO_PTR(args[0]);
    emlneighbors_settings_t s = {0, 0, m->model.k, m->model.max_items, m->classes ? (int32_t)m->max_classes : -1,
                                 EML_NEIGHBORS_UNIFORM, NULL, 0, m};
    emlneighbors_read(args[1], &s, emlmp_strict_arg(n_args, 2, args, kw, MP_QSTR_strict));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_KW(load_model_obj, 2, knn_load_model);

// The message shows the value as given (a big int is not wrapped first).
uint32_t emlneighbors_size(mp_obj_t o, const char *name) {
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

knn_obj_t *emlneighbors_create(uint32_t max_items, uint32_t n_features, uint32_t k, uint32_t max_classes) {
    if (max_items > 0x3fffffff / n_features) {
        EMLMP_RAISE(&mp_type_ValueError, "max_items*n_features too large: %d*%d",
                    EMLMP_INT(max_items), EMLMP_INT(n_features));
    }
    knn_obj_t *o = EMLMP_NEW_OBJ(knn_obj_t, &knn_type, "the model object");
    o->offset = NULL;
    o->scale = NULL;
    o->classes = (max_classes > 0) ? EMLMP_NEW(mp_obj_t, max_classes, "the class labels") : NULL;
    o->n_classes = 0;
    o->max_classes = max_classes;
    int16_t *values = EMLMP_NEW(int16_t, (size_t)max_items * n_features, "the model items");
    int32_t *labels = EMLMP_NEW(int32_t, max_items, "the model labels");
    EmlNeighborsResult *results = EMLMP_NEW(EmlNeighborsResult, k, "the model results");
    EmlError err = eml_neighbors_init(&o->model, values, labels, results, max_items, n_features, k);
    if (err != EmlOk) {
        mp_raise_ValueError(MP_ERROR_TEXT(eml_error_str(err)));
    }
    return o;
}

static mp_obj_t knn_new(size_t n_args, const mp_obj_t *args) {
    const bool classes = n_args > 3 && args[3] != mp_const_none;
    return MP_OBJ_FROM_PTR(emlneighbors_create(
        emlneighbors_size(args[0], "max_items"), emlneighbors_size(args[1], "n_features"),
        emlneighbors_size(args[2], "k"), classes ? emlneighbors_size(args[3], "max_classes") : 0));
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(new_obj, 3, 4, knn_new);

static int32_t int_label(mp_obj_t o) {
    if (!mp_obj_is_int(o)) {
        mp_raise_TypeError(MP_ERROR_TEXT("label must be an int (str labels need classes: new(..., max_classes))"));
    }
    mp_obj_t lo = mp_obj_new_int(-0x7fffffff - 1);
    mp_obj_t hi = mp_obj_new_int(0x7fffffff);
    if (mp_obj_is_true(mp_binary_op(MP_BINARY_OP_LESS, o, lo)) ||
        mp_obj_is_true(mp_binary_op(MP_BINARY_OP_MORE, o, hi))) {
        mp_raise_msg(EMLMP_OVERFLOW_ERROR, MP_ERROR_TEXT("label must fit in int32"));
    }
    return (int32_t)mp_obj_get_int(o);
}

int32_t emlneighbors_label(knn_obj_t *self, mp_obj_t label) {
    if (self->classes == NULL) {
        return int_label(label);
    }
    const bool is_str = mp_obj_is_str(label);
    if ((!is_str && !mp_obj_is_int(label)) ||
        (self->n_classes > 0 && is_str != mp_obj_is_str(self->classes[0]))) {
        mp_raise_TypeError(MP_ERROR_TEXT("label must be an int or a str, as the model's classes"));
    }
    for (uint32_t i = 0; i < self->n_classes; i++) {
        if (mp_obj_is_true(mp_binary_op(MP_BINARY_OP_EQUAL, label, self->classes[i]))) {
            return (int32_t)i;
        }
    }
    if (self->n_classes == self->max_classes) {
        EMLMP_RAISE(&mp_type_ValueError, "unknown label %r: the model's %d classes are all in use (max_classes)",
                    EMLMP_OBJ(label), EMLMP_INT(self->max_classes));
    }
    self->classes[self->n_classes] = label;
    return (int32_t)self->n_classes++;
}

// What the user sees for a stored label.
static mp_obj_t label_obj(const knn_obj_t *self, int32_t label) {
    return (self->classes != NULL) ? self->classes[label] : mp_obj_new_int(label);
}

void emlneighbors_add(knn_obj_t *self, const int16_t *values, int32_t label) {
    if (eml_neighbors_add_item(&self->model, values, label) != EmlOk) {
        EMLMP_RAISE(&mp_type_ValueError, "model is full: max_items is %d", EMLMP_INT(self->model.max_items));
    }
}

static const void *get_row(mp_obj_t o, const knn_obj_t *self, char tc, const char *name, bool writable) {
    return emlmp_array(o, tc, writable, self->model.n_features, name, NULL);
}

static mp_obj_t knn_additem(mp_obj_t self_in, mp_obj_t values_in, mp_obj_t label_in) {
    knn_obj_t *self = MP_OBJ_TO_PTR(self_in);
    const int16_t *values = get_row(values_in, self, 'h', "values", false);
    const bool room = self->model.n_items < self->model.max_items;  // a full model adds no class
    emlneighbors_add(self, values, room ? emlneighbors_label(self, label_in) : 0);
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
    return label_obj(self, label);
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
        mp_obj_new_int(r->index), new_uint64(r->distance), label_obj(self, r->label)
    };
    return mp_obj_new_tuple(3, items);
}
static MP_DEFINE_CONST_FUN_OBJ_2(getresult_obj, knn_getresult);

static mp_obj_t knn_getitem(mp_obj_t self_in, mp_obj_t i_in, mp_obj_t out_in) {
    knn_obj_t *self = MP_OBJ_TO_PTR(self_in);
    uint32_t i = get_index(i_in, self->model.n_items, "item %d out of range: n_items is %d");
    int16_t *out = (int16_t *)get_row(out_in, self, 'h', "out", true);
    const int16_t *src = self->model.values + (size_t)i * self->model.n_features;
    for (uint32_t j = 0; j < self->model.n_features; j++) {
        out[j] = src[j];
    }
    return label_obj(self, self->model.labels[i]);
}
static MP_DEFINE_CONST_FUN_OBJ_3(getitem_obj, knn_getitem);

// out = x scaled as the training set was (eml_quantize.h). NaN raises.
static mp_obj_t knn_quantize(mp_obj_t self_in, mp_obj_t x_in, mp_obj_t out_in) {
    knn_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->scale == NULL) {
        mp_raise_ValueError(MP_ERROR_TEXT("no scaling: load a file that has offset and scale rows"));
    }
    const float *x = get_row(x_in, self, 'f', "x", false);
    int16_t *out = (int16_t *)get_row(out_in, self, 'h', "out", true);
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
    } else if (attr == MP_QSTR_weights) {
        dest[0] = MP_OBJ_NEW_QSTR(md->weights == EML_NEIGHBORS_DISTANCE ? MP_QSTR_distance : MP_QSTR_uniform);
    } else if (attr == MP_QSTR_classes) {
        dest[0] = self->classes ? mp_obj_new_tuple(self->n_classes, self->classes) : mp_const_none;
    }
}
