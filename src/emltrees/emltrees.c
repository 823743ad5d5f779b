// emltrees: decision trees and forests from scikit-learn, as a native module.
// emltrees.new(max_trees, max_nodes, max_leaves=None) -> model
// emltrees.load_model(model, f): streams a CSV model with f.readline()
// model.predict(x), model.predict_proba(x, out), model.n_features, ...
#include "emlmp.h"
#include "eml_trees.h"

typedef struct {
    mp_obj_base_t base;
    EmlTrees trees;
    int32_t *keys;          // keys_capacity input keys (scratch for predict)
    uint32_t *sums;         // sums_capacity vote sums (scratch), also leaf values while loading
    int32_t *reached;       // max_trees leaf indices (scratch)
    int32_t keys_capacity;
    int32_t sums_capacity;
    bool loaded;
} model_obj_t;

mp_obj_full_type_t model_type;
static const mp_obj_fun_builtin_var_t new_obj;
static const mp_obj_fun_builtin_fixed_t load_model_obj;
static void model_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest);

mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {
    MP_DYNRUNTIME_INIT_ENTRY
    emlmp_type_init(&model_type, MP_QSTR_Model);
    MP_OBJ_TYPE_SET_SLOT(&model_type, attr, model_attr, 0);
    mp_store_global(MP_QSTR_new, MP_OBJ_FROM_PTR(&new_obj));
    mp_store_global(MP_QSTR_load_model, MP_OBJ_FROM_PTR(&load_model_obj));
    MP_DYNRUNTIME_INIT_EXIT
}

static NORETURN void raise_line(int32_t line, const char *what) {
    EMLMP_RAISE(&mp_type_ValueError, "line %d: %s", EMLMP_INT(line), EMLMP_STR(what));
}

static mp_obj_t model_new(size_t n_args, const mp_obj_t *args) {
    const mp_int_t max_trees = mp_obj_get_int(args[0]);
    const mp_int_t max_nodes = mp_obj_get_int(args[1]);
    mp_int_t max_leaves = (n_args > 2 && args[2] != mp_const_none) ? mp_obj_get_int(args[2]) : 1;
    if (max_trees < 1 || max_nodes < 1 || max_leaves < 1 || max_trees > EML_TREES_MAX_INDEX ||
        max_nodes > EML_TREES_MAX_NODES || max_leaves > EML_TREES_MAX_INDEX) {
        mp_raise_ValueError(MP_ERROR_TEXT("max_nodes must be 1..699050, max_trees and max_leaves 1..8388607"));
    }
    if (n_args < 3 || args[2] == mp_const_none) {
        max_leaves = 4 * (max_trees + max_nodes);   // no overflow: both checked above
        max_leaves = (max_leaves > EML_TREES_MAX_INDEX) ? EML_TREES_MAX_INDEX : max_leaves;
    }
    model_obj_t *o = EMLMP_NEW_OBJ(model_obj_t, &model_type, "the model object");
    o->keys = NULL;
    o->sums = NULL;
    o->keys_capacity = 0;
    o->sums_capacity = 0;
    o->loaded = false;
    o->reached = EMLMP_NEW(int32_t, max_trees, "the model's tree scratch");
    EmlTreesNode *nodes = EMLMP_NEW(EmlTreesNode, max_nodes, "the model nodes");
    int32_t *roots = EMLMP_NEW(int32_t, max_trees, "the model roots");
    uint32_t *leaves = EMLMP_NEW(uint32_t, max_leaves, "the model leaves");
    eml_trees_init(&o->trees, nodes, (int32_t)max_nodes, roots, (int32_t)max_trees, leaves, (int32_t)max_leaves);
    return MP_OBJ_FROM_PTR(o);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(new_obj, 2, 3, model_new);

// A decimal through the firmware's float(); *key is for thresholds: the
// largest float32 <= the value (exact on double-precision ports).
static bool parse_decimal(const char *s, size_t len, uint32_t *bits, int32_t *key) {
    if (!eml_trees_is_decimal(s, len)) {
        return false;
    }
    mp_obj_t str = mp_obj_new_str(s, len);
    const mp_float_t v = mp_obj_get_float(mp_call_function_n_kw(mp_load_global(MP_QSTR_float), 1, 0, &str));
    const float f = (float)v;
    *bits = eml_trees_float_bits(f);
    *key = eml_trees_key(*bits);
    #if MICROPY_FLOAT_IMPL == MICROPY_FLOAT_IMPL_DOUBLE
    if ((mp_float_t)f > v) {
        *key -= 1;
    }
    #endif
    return true;
}

static void ensure_scratch(model_obj_t *o, int32_t n_features, int32_t n_classes) {
    if (n_features > o->keys_capacity) {
        o->keys = EMLMP_NEW(int32_t, n_features, "the model's input keys");
        o->keys_capacity = n_features;
    }
    if (n_classes > o->sums_capacity) {
        o->sums = EMLMP_NEW(uint32_t, n_classes, "the model's class sums");
        o->sums_capacity = n_classes;
    }
    o->trees.keys = o->keys;
    o->trees.sums = o->sums;
}

static const char *load_error(char tag, EmlError err) {
    if (err == EmlUninitialized) {
        return (tag == 'n') ? "node before the f line" : "leaf before the c line";
    }
    if (err == EmlUnsupported) {
        return (tag == 'b') ? "unsupported leaf bits" : "f, c and lb must come before leaves and nodes";
    }
    if (err == EmlSizeMismatch) {
        return "leaf needs 1 value or one per class";
    }
    switch (tag) {
        case 'n': return "node feature or child out of range";
        case 'l': return "leaf class, weight or value out of range";
        case 'r': return "root out of range";
        default: return "value out of range";
    }
}

// A leaf line: regression "l,value[,0xbits]"; classifier "l,class" or
// "l,w0,w1,...". Values are collected in the sums scratch.
static EmlError load_leaf(model_obj_t *o, EmlTreesCursor *c, int32_t line) {
    EmlTrees *t = &o->trees;
    const char *s;
    size_t len;
    int32_t n = 0, key, v;
    if (t->n_classes < 0) {
        return EmlUninitialized;
    }
    if (t->n_classes == 0) {
        // "value[,0xbits]": the bits, when given, replace the decimal
        const char *b;
        size_t b_len;
        const bool has_bits = eml_trees_next_field(c, &s, &len) && eml_trees_next_field(c, &b, &b_len);
        if (!(has_bits ? eml_trees_parse_bits(b, b_len, &o->sums[0]) : parse_decimal(s, len, &o->sums[0], &key)) ||
            eml_trees_next_field(c, &b, &b_len)) {
            raise_line(line, "malformed leaf value");
        }
        return eml_trees_add_leaf(t, o->sums, 1);
    }
    while (eml_trees_next_field(c, &s, &len)) {
        if (n >= o->sums_capacity) {
            return EmlSizeMismatch;
        }
        if (!eml_trees_parse_int(s, len, &v) || v < 0) {
            raise_line(line, "malformed leaf");
        }
        o->sums[n++] = (uint32_t)v;
    }
    return eml_trees_add_leaf(t, o->sums, n);
}

// "n,feature,threshold,left,right[,0xbits]": the bits, when given, are
// the exact float32 threshold and the decimal is only for people.
static EmlError load_node(model_obj_t *o, EmlTreesCursor *c, int32_t line) {
    const char *s[5];
    size_t len[5];
    int n = 0;
    while (n < 5 && eml_trees_next_field(c, &s[n], &len[n])) {
        n++;
    }
    int32_t feature, left, right, key;
    uint32_t bits;
    const char *extra;
    size_t extra_len;
    if (n < 4 || eml_trees_next_field(c, &extra, &extra_len) || !eml_trees_parse_int(s[0], len[0], &feature) ||
        !eml_trees_parse_int(s[2], len[2], &left) || !eml_trees_parse_int(s[3], len[3], &right)) {
        raise_line(line, "malformed node");
    }
    if (n == 5) {
        if (!eml_trees_parse_bits(s[4], len[4], &bits) || eml_trees_is_nan(bits)) {
            raise_line(line, "malformed threshold bits");
        }
        key = eml_trees_key(bits);
    } else if (!parse_decimal(s[1], len[1], &bits, &key)) {
        raise_line(line, "malformed threshold");
    }
    return eml_trees_add_node(&o->trees, feature, key, left, right);
}

// One integer field, for the f, c, lb and r lines.
static int32_t load_int(EmlTreesCursor *c, int32_t line) {
    const char *s, *extra;
    size_t len, extra_len;
    int32_t v;
    if (!eml_trees_next_field(c, &s, &len) || !eml_trees_parse_int(s, len, &v) || eml_trees_next_field(c, &extra, &extra_len)) {
        raise_line(line, "expected one integer");
    }
    return v;
}

static void load_line(model_obj_t *o, const char *data, size_t len, int32_t line) {
    EmlTreesCursor c = {data, data + len};
    const char *tag;
    size_t tag_len;
    if (!eml_trees_next_field(&c, &tag, &tag_len) || tag_len > 2) {
        return;
    }
    EmlTrees *t = &o->trees;
    EmlError err = EmlOk;
    char kind = tag[0];
    if (tag_len == 2) {
        kind = (tag[0] == 'l' && tag[1] == 'b') ? 'b' : 0;
    }
    if (kind == 'f' || kind == 'c') {
        const int32_t v = load_int(&c, line);
        err = (kind == 'f') ? eml_trees_set_features(t, v) : eml_trees_set_classes(t, v);
        if (err == EmlOk) {
            ensure_scratch(o, (kind == 'f') ? v : 0, (kind == 'c') ? (v > 1 ? v : 1) : 0);
        }
    } else if (kind == 'b') {
        err = eml_trees_set_leaf_bits(t, load_int(&c, line));
    } else if (kind == 'r') {
        err = eml_trees_add_root(t, load_int(&c, line));
    } else if (kind == 'l') {
        err = load_leaf(o, &c, line);
    } else if (kind == 'n') {
        err = load_node(o, &c, line);
    }
    if (err != EmlOk) {
        raise_line(line, load_error(kind, err));
    }
}

static NORETURN void raise_finish(const EmlTrees *t, EmlError err, int32_t bad) {
    if (err == EmlCapacityExceeded) {
        EMLMP_RAISE(&mp_type_ValueError,
                    "model needs %d trees, %d nodes, %d leaf words; new() gave %d, %d, %d",
                    EMLMP_INT(t->n_trees), EMLMP_INT(t->n_nodes),
                    EMLMP_INT(t->n_leaves + t->n_vector_words), EMLMP_INT(t->roots_capacity),
                    EMLMP_INT(t->nodes_capacity), EMLMP_INT(t->leaves_capacity));
    } else if (err == EmlOutOfRange) {
        EMLMP_RAISE(&mp_type_ValueError, "model: child or root out of range at index %d", EMLMP_INT(bad));
    } else if (err == EmlUnsupported) {
        mp_raise_ValueError(MP_ERROR_TEXT("model: too many trees for its leaf bits"));
    }
    mp_raise_ValueError(MP_ERROR_TEXT("model incomplete: needs f, c, l, r and n lines"));
}

static mp_float_t py_reciprocal(int32_t n) {
    return mp_obj_get_float(mp_binary_op(MP_BINARY_OP_TRUE_DIVIDE, mp_obj_new_int(1), mp_obj_new_int(n)));
}

static mp_obj_t load_model(mp_obj_t self_in, mp_obj_t f) {
    if (mp_obj_get_type(self_in) != (const mp_obj_type_t *)&model_type) {
        mp_raise_TypeError(MP_ERROR_TEXT("model must come from emltrees.new()"));
    }
    model_obj_t *o = MP_OBJ_TO_PTR(self_in);
    EmlTrees *t = &o->trees;
    mp_obj_t readline[2];
    mp_load_method(f, MP_QSTR_readline, readline);
    const size_t n_self = (readline[1] == MP_OBJ_NULL) ? 0 : 1;
    o->loaded = false;
    eml_trees_init(t, t->nodes, t->nodes_capacity, t->roots, t->roots_capacity, t->leaves, t->leaves_capacity);
    for (int32_t line = 1;; line++) {
        mp_buffer_info_t buf;
        mp_get_buffer_raise(mp_call_function_n_kw(readline[0], n_self, 0, &readline[1]), &buf, MP_BUFFER_READ);
        if (buf.len == 0) {
            break;
        }
        load_line(o, buf.buf, buf.len, line);
    }
    t->keys = o->keys;
    t->sums = o->sums;
    t->reached = o->reached;
    int32_t bad;
    const EmlError err = eml_trees_finish(t, &bad);
    if (err != EmlOk) {
        raise_finish(t, err, bad);
    }
    // Reciprocals by the firmware's division: the C core never divides.
    t->scale = (float)py_reciprocal(t->n_trees);
    if (t->n_classes > 0) {
        t->scale *= (float)py_reciprocal((int32_t)t->full_weight);
    }
    o->loaded = true;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(load_model_obj, load_model);

// Maps x (array 'f' or 'h' of n_features) into the model's input keys.
static model_obj_t *map_input(mp_obj_t self_in, mp_obj_t x) {
    model_obj_t *o = MP_OBJ_TO_PTR(self_in);
    if (!o->loaded) {
        mp_raise_ValueError(MP_ERROR_TEXT("no model loaded: call emltrees.load_model first"));
    }
    mp_buffer_info_t buf;
    mp_get_buffer_raise(x, &buf, MP_BUFFER_READ);
    const int32_t n = o->trees.n_features;
    if ((buf.typecode == 'f' && buf.len == (size_t)n * 4) || (buf.typecode == 'h' && buf.len == (size_t)n * 2)) {
        if (buf.typecode == 'h') {
            eml_trees_set_input_int16(&o->trees, buf.buf);
        } else if (eml_trees_set_input_float(&o->trees, buf.buf)) {
            mp_raise_ValueError(MP_ERROR_TEXT("x contains nan"));
        }
        return o;
    }
    const bool known = buf.typecode == 'f' || buf.typecode == 'h';
    EMLMP_RAISE(&mp_type_ValueError, "x must be array('f') or array('h') of length %d, got %d", EMLMP_INT(n),
                EMLMP_INT(known ? (int32_t)(buf.len >> (buf.typecode == 'f' ? 2 : 1)) : -1));
}

static mp_obj_t predict(mp_obj_t self_in, mp_obj_t x) {
    model_obj_t *o = map_input(self_in, x);
    if (o->trees.n_classes > 0) {
        return mp_obj_new_int(eml_trees_vote(&o->trees));
    }
    return mp_obj_new_float(eml_trees_regress(&o->trees));
}
static MP_DEFINE_CONST_FUN_OBJ_2(predict_obj, predict);

static mp_obj_t predict_proba(mp_obj_t self_in, mp_obj_t x, mp_obj_t out) {
    model_obj_t *o = map_input(self_in, x);
    mp_buffer_info_t buf;
    mp_get_buffer_raise(out, &buf, MP_BUFFER_WRITE);
    if (o->trees.n_classes == 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("predict_proba needs a classifier model"));
    }
    if (buf.typecode != 'f' || buf.len != (size_t)o->trees.n_classes * 4) {
        EMLMP_RAISE(&mp_type_ValueError, "out must be array('f') of length n_classes %d",
                    EMLMP_INT(o->trees.n_classes));
    }
    eml_trees_vote(&o->trees);
    eml_trees_proba(&o->trees, buf.buf);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(predict_proba_obj, predict_proba);

// Methods and read-only counts, looked up without a locals dict.
static void model_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    if (dest[0] != MP_OBJ_NULL) {
        return;
    }
    const EmlTrees *t = &((model_obj_t *)MP_OBJ_TO_PTR(self_in))->trees;
    if (attr == MP_QSTR_predict || attr == MP_QSTR_predict_proba) {
        dest[0] = MP_OBJ_FROM_PTR(attr == MP_QSTR_predict ? &predict_obj : &predict_proba_obj);
        dest[1] = self_in;
        return;
    }
    int32_t v;
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
    } else {
        return;
    }
    dest[0] = mp_obj_new_int(v);
}
