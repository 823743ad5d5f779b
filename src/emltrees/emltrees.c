// emltrees: decision trees and forests from scikit-learn, as a native module.
// emltrees.new(max_trees, max_nodes, max_leaves=None) -> model
// emltrees.load_model(model, f, strict=True): streams a model file with f.readline()
// emltrees.load(f, strict=True) -> model sized by the file's s line
// model.predict(x), model.predict_proba(x, out), model.n_features, ...
#include "emltrees.h"

mp_obj_full_type_t model_type;
static const mp_obj_fun_builtin_var_t new_obj;
static const mp_obj_fun_builtin_var_t load_model_obj;
static const mp_obj_fun_builtin_var_t load_obj;
static void model_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest);

mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {
    MP_DYNRUNTIME_INIT_ENTRY
    emlmp_type_init(&model_type, MP_QSTR_Model);
    MP_OBJ_TYPE_SET_SLOT(&model_type, attr, model_attr, 0);
    mp_store_global(MP_QSTR_new, MP_OBJ_FROM_PTR(&new_obj));
    mp_store_global(MP_QSTR_load_model, MP_OBJ_FROM_PTR(&load_model_obj));
    mp_store_global(MP_QSTR_load, MP_OBJ_FROM_PTR(&load_obj));
    MP_DYNRUNTIME_INIT_EXIT
}

// max_leaves 0: room for 4 leaf words per tree and node.
static mp_obj_t model_alloc(mp_int_t max_trees, mp_int_t max_nodes, mp_int_t max_leaves) {
    if (max_trees < 1 || max_nodes < 1 || max_leaves < 0 || max_trees > EML_TREES_MAX_INDEX ||
        max_nodes > EML_TREES_MAX_NODES || max_leaves > EML_TREES_MAX_INDEX) {
        EMLMP_RAISE(&mp_type_ValueError, "max_nodes must be 1..%d, max_trees and max_leaves 1..%d",
                    EMLMP_INT(EML_TREES_MAX_NODES), EMLMP_INT(EML_TREES_MAX_INDEX));
    }
    if (max_leaves == 0) {
        max_leaves = 4 * (max_trees + max_nodes);   // no overflow: both checked above
        max_leaves = (max_leaves > EML_TREES_MAX_INDEX) ? EML_TREES_MAX_INDEX : max_leaves;
    }
    model_obj_t *o = EMLMP_NEW_OBJ(model_obj_t, &model_type, "the model object");
    o->keys = NULL;
    o->sums = NULL;
    o->margins = NULL;
    o->base_fixed = NULL;
    o->base_values = NULL;
    o->keys_capacity = 0;
    o->sums_capacity = 0;
    o->base_capacity = 0;
    o->loaded = false;
    o->classes = mp_const_none;
    o->n_labels = 0;
    o->scaler[0] = o->scaler[1] = NULL;
    o->reached = EMLMP_NEW(int32_t, max_trees, "the model's tree scratch");
    EmlTreesNode *nodes = EMLMP_NEW(EmlTreesNode, max_nodes, "the model nodes");
    int32_t *roots = EMLMP_NEW(int32_t, max_trees, "the model roots");
    uint32_t *leaves = EMLMP_NEW(uint32_t, max_leaves, "the model leaves");
    eml_trees_init(&o->trees, nodes, (int32_t)max_nodes, roots, (int32_t)max_trees, leaves, (int32_t)max_leaves);
    return MP_OBJ_FROM_PTR(o);
}

static mp_obj_t model_new(size_t n_args, const mp_obj_t *args) {
    const mp_int_t max_leaves = (n_args > 2 && args[2] != mp_const_none) ? mp_obj_get_int(args[2]) : 0;
    if (max_leaves == 0 && n_args > 2 && args[2] != mp_const_none) {
        mp_raise_ValueError(MP_ERROR_TEXT("max_leaves must be >= 1"));
    }
    return model_alloc(mp_obj_get_int(args[0]), mp_obj_get_int(args[1]), max_leaves);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(new_obj, 2, 3, model_new);

static mp_obj_t load_model(size_t n_args, const mp_obj_t *args, mp_map_t *kw) {
    if (mp_obj_get_type(args[0]) != (const mp_obj_type_t *)&model_type) {
        mp_raise_TypeError(MP_ERROR_TEXT("model must come from emltrees.new()"));
    }
    emltrees_reader_t r;
    emltrees_reader_init(&r, args[1], emlmp_strict_arg(n_args, 2, args, kw, MP_QSTR_strict));
    emltrees_read(MP_OBJ_TO_PTR(args[0]), &r);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_KW(load_model_obj, 2, load_model);

static mp_obj_t load(size_t n_args, const mp_obj_t *args, mp_map_t *kw) {
    emltrees_reader_t r;
    emltrees_reader_init(&r, args[0], emlmp_strict_arg(n_args, 1, args, kw, MP_QSTR_strict));
    int32_t sizes[3];
    emltrees_read_sizes(&r, sizes);
    mp_obj_t model = model_alloc(sizes[0], sizes[1], sizes[2]);
    emltrees_read(MP_OBJ_TO_PTR(model), &r);
    return model;
}
static MP_DEFINE_CONST_FUN_OBJ_KW(load_obj, 1, load);

static model_obj_t *loaded_model(mp_obj_t self_in) {
    model_obj_t *o = MP_OBJ_TO_PTR(self_in);
    if (!o->loaded) {
        mp_raise_ValueError(MP_ERROR_TEXT("no model loaded: call emltrees.load_model first"));
    }
    return o;
}

// Maps x (array 'f' or 'h' of n_features) into the model's input keys.
static model_obj_t *map_input(mp_obj_t self_in, mp_obj_t x) {
    model_obj_t *o = loaded_model(self_in);
    const size_t n = (size_t)o->trees.n_features;
    if (o->trees.int16) {
        eml_trees_set_input16(&o->trees, emlmp_array(x, 'h', false, n, "x (int16 model)", NULL));
        return o;
    }
    char tc;
    const void *values = emlmp_array_of(x, 'f', 'h', false, n, "x", NULL, &tc);
    if (tc == 'h') {
        eml_trees_set_input_int16(&o->trees, values);
    } else if (eml_trees_set_input_float(&o->trees, values) && !o->trees.missing) {
        mp_raise_ValueError(MP_ERROR_TEXT("x contains nan"));
    }
    return o;
}

static float *out_array(mp_obj_t out, int32_t n) {
    return emlmp_array(out, 'f', true, (size_t)n, "out", NULL);
}

static mp_obj_t predict(mp_obj_t self_in, mp_obj_t x) {
    model_obj_t *o = map_input(self_in, x);
    const EmlTrees *t = &o->trees;
    if (t->kind == EML_TREES_BOOST) {
        eml_trees_margins(t, o->margins);
        return (t->n_classes > 0) ? mp_obj_new_int(eml_trees_margin_class(t, o->margins))
                                  : mp_obj_new_float(o->margins[0]);
    }
    if (t->kind == EML_TREES_ISOLATION) {
        // scikit-learn: outlier (-1) when score_samples - offset_ < 0
        return mp_obj_new_int(eml_trees_isolation_score(t) - t->base[1] < 0.0f ? -1 : 1);
    }
    if (t->n_classes > 0) {
        return mp_obj_new_int(eml_trees_vote(t));
    }
    return mp_obj_new_float(eml_trees_regress(t));
}
static MP_DEFINE_CONST_FUN_OBJ_2(predict_obj, predict);

static mp_obj_t predict_proba(mp_obj_t self_in, mp_obj_t x, mp_obj_t out) {
    model_obj_t *o = map_input(self_in, x);
    const EmlTrees *t = &o->trees;
    if (t->n_classes == 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("predict_proba needs a classifier model"));
    }
    float *p = out_array(out, t->n_classes);
    if (t->kind == EML_TREES_BOOST) {
        eml_trees_margins(t, o->margins);
        eml_trees_link(t, o->margins, p);
        return mp_const_none;
    }
    eml_trees_vote(t);
    eml_trees_proba(t, p);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(predict_proba_obj, predict_proba);

// Boosting: decision_function(x, out) fills the raw margins (n_outputs);
// isolation: decision_function(x) returns score_samples(x) - offset_.
static mp_obj_t decision_function(size_t n_args, const mp_obj_t *args) {
    model_obj_t *o = map_input(args[0], args[1]);
    const EmlTrees *t = &o->trees;
    if (t->kind == EML_TREES_ISOLATION && n_args == 2) {
        return mp_obj_new_float(eml_trees_isolation_score(t) - t->base[1]);
    }
    if (t->kind != EML_TREES_BOOST || n_args != 3) {
        mp_raise_ValueError(MP_ERROR_TEXT("decision_function(x, out) needs a boosting model (isolation: decision_function(x))"));
    }
    eml_trees_margins(t, out_array(args[2], t->n_outputs));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(decision_function_obj, 2, 3, decision_function);

static mp_obj_t score_samples(mp_obj_t self_in, mp_obj_t x) {
    model_obj_t *o = map_input(self_in, x);
    if (o->trees.kind != EML_TREES_ISOLATION) {
        mp_raise_ValueError(MP_ERROR_TEXT("score_samples needs an IsolationForest model"));
    }
    return mp_obj_new_float(eml_trees_isolation_score(&o->trees));
}
static MP_DEFINE_CONST_FUN_OBJ_2(score_samples_obj, score_samples);

// int16 models with a scaler: quantize(x_float, x_int16) as Int16Scaler.
static mp_obj_t quantize(mp_obj_t self_in, mp_obj_t x, mp_obj_t out) {
    model_obj_t *o = MP_OBJ_TO_PTR(self_in);
    const size_t n = (size_t)o->trees.n_features;
    if (!o->loaded || o->scaler[0] == NULL || o->scaler[1] == NULL) {
        mp_raise_ValueError(MP_ERROR_TEXT("quantize needs an int16 model with qo and qs lines"));
    }
    emlmp_quantize(emlmp_array(x, 'f', false, n, "x", NULL), o->scaler[0], o->scaler[1],
                   emlmp_array(out, 'h', true, n, "out", NULL), (int32_t)n);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(quantize_obj, quantize);

static const mp_obj_base_t *method(qstr attr) {
    if (attr == MP_QSTR_predict) {
        return &predict_obj.base;
    } else if (attr == MP_QSTR_predict_proba) {
        return &predict_proba_obj.base;
    } else if (attr == MP_QSTR_decision_function) {
        return &decision_function_obj.base;
    } else if (attr == MP_QSTR_score_samples) {
        return &score_samples_obj.base;
    } else if (attr == MP_QSTR_quantize) {
        return &quantize_obj.base;
    }
    return NULL;
}

// Methods and read-only counts, looked up without a locals dict.
static void model_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    if (dest[0] != MP_OBJ_NULL) {
        return;
    }
    const mp_obj_base_t *m = method(attr);
    if (m != NULL) {
        dest[0] = MP_OBJ_FROM_PTR(m);
        dest[1] = self_in;
        return;
    }
    const model_obj_t *o = MP_OBJ_TO_PTR(self_in);
    const EmlTrees *t = &o->trees;
    int32_t v = 0;
    if (attr == MP_QSTR_n_features) {
        v = t->n_features;
    } else if (attr == MP_QSTR_n_classes) {
        v = t->n_classes;
    } else if (attr == MP_QSTR_n_trees) {
        v = t->n_trees;
    } else if (attr == MP_QSTR_n_nodes) {
        v = t->n_nodes;
    } else if (attr == MP_QSTR_n_leaves) {
        v = t->n_leaves;
    } else if (attr == MP_QSTR_leaf_words) {
        v = t->n_leaves + t->n_vector_words;
    } else if (attr == MP_QSTR_n_outputs) {
        v = t->n_outputs;
    } else if (attr != MP_QSTR_classes) {
        return;
    }
    // what the loaded model uses: before a load succeeds there is none
    loaded_model(self_in);
    dest[0] = (attr == MP_QSTR_classes) ? o->classes : mp_obj_new_int(v);
}
