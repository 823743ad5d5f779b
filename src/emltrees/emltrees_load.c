// emltrees model files: one line at a time into the model (the file
// format is in the README; the reader and its self-check: emltrees_read.c).
#include "emltrees.h"

NORETURN void emltrees_raise_line(int32_t line, const char *what) {
    EMLMP_RAISE(&mp_type_ValueError, "line %d: %s", EMLMP_INT(line), EMLMP_STR(what));
}

// A decimal through the firmware's float(); *key is for thresholds: the
// largest float32 <= the value (exact on double-precision ports).
static bool parse_decimal(const char *s, size_t len, uint32_t *bits, int32_t *key) {
    if (!eml_text_is_decimal(s, len)) {
        return false;
    }
    mp_obj_t str = mp_obj_new_str(s, len);
    const mp_float_t v = mp_obj_get_float(mp_call_function_n_kw(mp_load_global(MP_QSTR_float), 1, 0, &str));
    const float f = (float)v;
    *bits = eml_text_float_bits(f);
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
        o->margins = EMLMP_NEW(float, n_classes, "the model's margins");
        o->base_fixed = EMLMP_NEW(int64_t, n_classes, "the model's base margins");
        o->sums_capacity = n_classes;
    }
    o->trees.keys = o->keys;
    o->trees.sums = o->sums;
}

static const char *load_error(char tag, EmlError err) {
    if (err == EmlUninitialized) {
        return (tag == 'n') ? "node before the f line (or d,int16 missing for an int16 node)" : "leaf before the c line";
    }
    if (err == EmlUnsupported) {
        return (tag == 'B') ? "unsupported leaf bits"
               : (tag == 'k') ? "k must follow c and come before leaves: boost needs identity (c,0), sigmoid (c,2) or softmax"
                              : "f, c, k, d and lb must come before leaves and nodes";
    }
    if (err == EmlSizeMismatch) {
        return (tag == 'O' || tag == 'S') ? "scaler needs one value per feature" : "leaf needs 1 value or one per class";
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
static EmlError load_leaf(model_obj_t *o, EmlTextCursor *c, int32_t line) {
    EmlTrees *t = &o->trees;
    const char *s;
    size_t len;
    int32_t n = 0, key, v;
    if (t->n_classes < 0) {
        return EmlUninitialized;
    }
    if (eml_trees_float_leaves(t)) {
        // "value[,0xbits]": the bits, when given, replace the decimal
        const char *b;
        size_t b_len;
        const bool has_bits = eml_text_next(c, &s, &len) && eml_text_next(c, &b, &b_len);
        if (!(has_bits ? eml_text_bits(b, b_len, &o->sums[0]) : parse_decimal(s, len, &o->sums[0], &key)) ||
            eml_text_next(c, &b, &b_len)) {
            emltrees_raise_line(line, "malformed leaf value");
        }
        return eml_trees_add_leaf(t, o->sums, 1);
    }
    while (eml_text_next(c, &s, &len)) {
        if (n >= o->sums_capacity) {
            return EmlSizeMismatch;
        }
        if (!eml_text_int(s, len, &v) || v < 0) {
            emltrees_raise_line(line, "malformed leaf");
        }
        o->sums[n++] = (uint32_t)v;
    }
    return eml_trees_add_leaf(t, o->sums, n);
}

// "n,feature,threshold,left,right[,0xbits[,nan_left]]": the bits, when
// given, are the exact float32 threshold and the decimal is only for
// people; nan_left 1 sends NaN inputs left (models with an m line).
static EmlError load_node(model_obj_t *o, EmlTextCursor *c, int32_t line) {
    const char *s[6];
    size_t len[6];
    int n = 0;
    int32_t nan_left = 0;
    while (n < 6 && eml_text_next(c, &s[n], &len[n])) {
        n++;
    }
    int32_t feature, left, right, key;
    uint32_t bits;
    const char *extra;
    size_t extra_len;
    if (n < 4 || eml_text_next(c, &extra, &extra_len) || !eml_text_int(s[0], len[0], &feature) ||
        !eml_text_int(s[2], len[2], &left) || !eml_text_int(s[3], len[3], &right)) {
        emltrees_raise_line(line, "malformed node");
    }
    if (o->trees.int16) {
        int32_t threshold;
        if (n != 4 || !eml_text_int(s[1], len[1], &threshold)) {
            emltrees_raise_line(line, "malformed int16 node: expected n,feature,threshold,left,right");
        }
        return eml_trees_add_node16(&o->trees, feature, threshold, left, right);
    }
    if (n == 6 && (!eml_text_int(s[5], len[5], &nan_left) || nan_left < 0 || nan_left > 1)) {
        emltrees_raise_line(line, "malformed nan direction: expected 0 or 1");
    }
    if (n >= 5) {
        if (!eml_text_bits(s[4], len[4], &bits) || eml_trees_is_nan(bits)) {
            emltrees_raise_line(line, "malformed threshold bits");
        }
        key = eml_trees_key(bits);
    } else if (!parse_decimal(s[1], len[1], &bits, &key)) {
        emltrees_raise_line(line, "malformed threshold");
    }
    return eml_trees_add_node_nan(&o->trees, feature, key, left, right, nan_left);
}

// One integer field, for the f, c, lb and r lines.
static int32_t load_int(EmlTextCursor *c, int32_t line) {
    const char *s, *extra;
    size_t len, extra_len;
    int32_t v;
    if (!eml_text_next(c, &s, &len) || !eml_text_int(s, len, &v) || eml_text_next(c, &extra, &extra_len)) {
        emltrees_raise_line(line, "expected one integer");
    }
    return v;
}

// "k,<forest|boost|isolation>[,<identity|sigmoid|softmax>]"
static EmlError load_kind(EmlTrees *t, EmlTextCursor *c, int32_t line) {
    const char *s[3];
    size_t len[3];
    int n = 0;
    while (n < 3 && eml_text_next(c, &s[n], &len[n])) {
        n++;
    }
    // no tables of strings: a native module cannot relocate data
    const int32_t kind = (n < 1) ? -1
                         : eml_text_is(s[0], len[0], "forest")    ? EML_TREES_FOREST
                         : eml_text_is(s[0], len[0], "boost")     ? EML_TREES_BOOST
                         : eml_text_is(s[0], len[0], "isolation") ? EML_TREES_ISOLATION
                                                                  : -1;
    const int32_t link = (n < 2) ? EML_TREES_IDENTITY
                         : eml_text_is(s[1], len[1], "identity") ? EML_TREES_IDENTITY
                         : eml_text_is(s[1], len[1], "sigmoid")  ? EML_TREES_SIGMOID
                         : eml_text_is(s[1], len[1], "softmax")  ? EML_TREES_SOFTMAX
                                                                 : -1;
    if (kind < 0 || link < 0 || n > 2) {
        emltrees_raise_line(line, "malformed k line: expected k,forest|boost|isolation[,identity|sigmoid|softmax]");
    }
    return eml_trees_set_kind(t, kind, link);
}

// "<tag>,0xbits,...": float32 values into *values (reallocated when
// longer than *capacity); returns how many.
static int32_t load_floats(EmlTextCursor *c, int32_t line, float **values, int32_t *capacity) {
    EmlTextCursor count = *c;
    const char *s;
    size_t len;
    int32_t n = 0;
    while (eml_text_next(&count, &s, &len)) {
        n++;
    }
    if (n > *capacity) {
        *values = EMLMP_NEW(float, n, "the model's float values");
        *capacity = n;
    }
    for (int32_t i = 0; i < n; i++) {
        uint32_t bits;
        if (!eml_text_next(c, &s, &len) || !eml_text_bits(s, len, &bits)) {
            emltrees_raise_line(line, "malformed float: expected 0x and 8 hex digits");
        }
        if ((bits & 0x7f800000u) == 0x7f800000u) {
            emlmp_not_finite(line, i + 1);
        }
        (*values)[i] = eml_text_bits_float(bits);
    }
    return n;
}

// "b,...": boosting's base margins, or isolation's scale and offset.
static EmlError load_base(model_obj_t *o, EmlTextCursor *c, int32_t line) {
    o->trees.n_base = load_floats(c, line, &o->base_values, &o->base_capacity);
    o->trees.base = o->base_values;
    return EmlOk;
}

// "qo,..." / "qs,...": an int16 model's scaler (offset, scale per feature).
static EmlError load_scaler(model_obj_t *o, EmlTextCursor *c, int32_t line, int which) {
    int32_t capacity = 0;
    o->scaler[which] = NULL;
    const int32_t n = load_floats(c, line, &o->scaler[which], &capacity);
    o->scaler_length[which] = n;
    return (n == o->trees.n_features) ? EmlOk : EmlSizeMismatch;
}

// "d,int16": an int16 model (before roots and nodes).
static EmlError load_dtype(EmlTrees *t, EmlTextCursor *c, int32_t line) {
    const char *s, *extra;
    size_t len, extra_len;
    if (!eml_text_next(c, &s, &len) || !eml_text_is(s, len, "int16") || eml_text_next(c, &extra, &extra_len)) {
        emltrees_raise_line(line, "malformed d line: expected d,int16");
    }
    return eml_trees_set_int16(t);
}

// "y,int,<label>,..." or "y,str,<label>,...": model.classes, in class order.
static void load_labels(model_obj_t *o, EmlTextCursor *c, int32_t line) {
    size_t n;
    mp_obj_t *items = emlmp_read_labels(c, line, 0, &n);
    o->classes = mp_obj_new_tuple(n, items);
    o->n_labels = (int32_t)n;
}

// The line's tag as one char ('B' for lb), 0 for lines to skip.
static char line_kind(const char *tag, size_t len) {
    if (len == 2) {
        return eml_text_is(tag, len, "lb") ? 'B' : eml_text_is(tag, len, "qo") ? 'O'
                                               : eml_text_is(tag, len, "qs") ? 'S' : 0;
    }
    const char k = tag[0];
    const bool known = k == 'f' || k == 'c' || k == 'k' || k == 'm' || k == 'b' || k == 'l' || k == 'r' || k == 'n' || k == 'y' || k == 'd';
    return (len == 1 && known) ? k : 0;
}

void emltrees_load_line(model_obj_t *o, const char *data, size_t len, int32_t line) {
    EmlTextCursor c = {data, data + len};
    const char *tag;
    size_t tag_len;
    if (!eml_text_next(&c, &tag, &tag_len)) {
        return;
    }
    EmlTrees *t = &o->trees;
    EmlError err = EmlOk;
    const char kind = line_kind(tag, tag_len);
    if (kind == 'f' || kind == 'c') {
        const int32_t v = load_int(&c, line);
        err = (kind == 'f') ? eml_trees_set_features(t, v) : eml_trees_set_classes(t, v);
        if (err == EmlOk) {
            ensure_scratch(o, (kind == 'f') ? v : 0, (kind == 'c') ? (v > 1 ? v : 1) : 0);
        }
    } else if (kind == 'B') {
        err = eml_trees_set_leaf_bits(t, load_int(&c, line));
    } else if (kind == 'k') {
        err = load_kind(t, &c, line);
    } else if (kind == 'm') {
        t->missing = load_int(&c, line) != 0;
    } else if (kind == 'b') {
        err = load_base(o, &c, line);
    } else if (kind == 'd') {
        err = load_dtype(t, &c, line);
    } else if (kind == 'O' || kind == 'S') {
        err = load_scaler(o, &c, line, kind == 'S');
    } else if (kind == 'y') {
        load_labels(o, &c, line);
    } else if (kind == 'r') {
        err = eml_trees_add_root(t, load_int(&c, line));
    } else if (kind == 'l') {
        err = load_leaf(o, &c, line);
    } else if (kind == 'n') {
        err = load_node(o, &c, line);
    }
    if (err != EmlOk) {
        emltrees_raise_line(line, load_error(kind, err));
    }
}
