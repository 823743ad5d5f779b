// emltrees model files: the reader (f.readline()), the self-check (end
// line with the counts and a CRC32, see eml_text.h), the s line for
// emltrees.load, and the checks once the file is read.
#include "emltrees.h"

static NORETURN void raise_finish(const EmlTrees *t, EmlError err, int32_t bad) {
    if (err == EmlCapacityExceeded) {
        EMLMP_RAISE(&mp_type_ValueError,
                    "model needs %d trees, %d nodes, %d leaf words; new() gave %d, %d, %d",
                    EMLMP_INT(t->n_trees), EMLMP_INT(t->n_nodes),
                    EMLMP_INT(t->n_leaves + t->n_vector_words), EMLMP_INT(t->roots_capacity),
                    EMLMP_INT(t->nodes_capacity), EMLMP_INT(t->leaves_capacity));
    } else if (err == EmlOutOfRange && bad < 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("model: b line values must be finite"));
    } else if (err == EmlOutOfRange) {
        EMLMP_RAISE(&mp_type_ValueError, "model: child or root out of range at index %d", EMLMP_INT(bad));
    } else if (err == EmlUnsupported) {
        mp_raise_ValueError(MP_ERROR_TEXT("model: too many trees for its leaf bits"));
    } else if (err == EmlSizeMismatch) {
        mp_raise_ValueError(MP_ERROR_TEXT("model: b line needs one value per output (isolation: 2), and trees a multiple of the outputs"));
    }
    mp_raise_ValueError(MP_ERROR_TEXT("model incomplete: needs f, c, l, r and n lines"));
}


void emltrees_reader_init(emltrees_reader_t *r, mp_obj_t f, bool strict) {
    r->readline = mp_load_attr(f, MP_QSTR_readline);
    r->line = 0;
    r->strict = strict;
    eml_text_check_init(&r->check);
}

const char *emltrees_reader_next(emltrees_reader_t *r, size_t *len) {
    r->line += 1;
    const char *line = emlmp_readline(r->readline, r->line, len);
    if (*len > 0 && !eml_text_is_end(line, *len)) {
        eml_text_check_line(&r->check, line, *len);
    }
    return line;
}

static void read_end(emltrees_reader_t *r, const EmlTrees *t, const char *line, size_t len) {
    const int32_t counts[3] = {t->n_trees, t->n_nodes, t->n_leaves};
    const EmlError err = eml_text_check_end(&r->check, line, len, counts, 3);
    if (err == EmlBadArgument) {
        emltrees_raise_line(r->line, "malformed end line: expected end,<trees>,<nodes>,<leaves>,<crc32 as 8 hex digits>");
    } else if (err == EmlSizeMismatch) {
        emltrees_raise_line(r->line, "end line counts differ from the file's trees, nodes and leaves");
    } else if (err != EmlOk) {
        emltrees_raise_line(r->line, "checksum mismatch: the file is damaged");
    }
    size_t more;
    emltrees_reader_next(r, &more);
    if (more > 0) {
        emltrees_raise_line(r->line, "data after the end line");
    }
}

static mp_float_t py_reciprocal(int32_t n) {
    return mp_obj_get_float(mp_binary_op(MP_BINARY_OP_TRUE_DIVIDE, mp_obj_new_int(1), mp_obj_new_int(n)));
}

void emltrees_read(model_obj_t *o, emltrees_reader_t *r) {
    EmlTrees *t = &o->trees;
    o->loaded = false;
    o->classes = mp_const_none;
    o->n_labels = 0;
    o->scaler[0] = o->scaler[1] = NULL;
    eml_trees_init(t, t->nodes, t->nodes_capacity, t->roots, t->roots_capacity, t->leaves, t->leaves_capacity);
    for (;;) {
        size_t len;
        const char *line = emltrees_reader_next(r, &len);
        if (len == 0) {
            break;
        }
        if (eml_text_is_end(line, len)) {
            read_end(r, t, line, len);
            break;
        }
        emltrees_load_line(o, line, len, r->line);
    }
    if (r->strict && !r->check.ended) {
        emlmp_missing_end();
    }
    t->keys = o->keys;
    t->sums = o->sums;
    t->reached = o->reached;
    t->base_fixed = o->base_fixed;
    int32_t bad;
    const EmlError err = eml_trees_finish(t, &bad);
    if (err != EmlOk) {
        raise_finish(t, err, bad);
    }
    if (o->classes != mp_const_none && o->n_labels != t->n_classes) {
        EMLMP_RAISE(&mp_type_ValueError, "model: %d class labels for %d classes", EMLMP_INT(o->n_labels),
                    EMLMP_INT(t->n_classes));
    }
    // Reciprocals by the firmware's division: the C core never divides.
    t->scale = (float)py_reciprocal(t->n_trees);
    if (t->n_classes > 0) {
        t->scale *= (float)py_reciprocal((int32_t)t->full_weight);
    }
    o->loaded = true;
}

void emltrees_read_sizes(emltrees_reader_t *r, int32_t sizes[3]) {
    // "s,<trees>,<nodes>,<leaf words>[,int16]": int16 nodes take 2/3 of the room
    for (;;) {
        size_t len;
        const char *line = emltrees_reader_next(r, &len);
        EmlTextCursor c = {line, line + len};
        const char *tag;
        size_t tag_len;
        if (len > 0 && (line[0] == '#' || !eml_text_next(&c, &tag, &tag_len))) {
            continue;
        }
        if (len == 0 || !eml_text_is(tag, tag_len, "s")) {
            emltrees_raise_line(r->line, "expected the sizes line s,<trees>,<nodes>,<leaf words> (use new() and load_model())");
        }
        for (int i = 0; i < 3; i++) {
            if (!eml_text_next(&c, &tag, &tag_len) || !eml_text_int(tag, tag_len, &sizes[i])) {
                emltrees_raise_line(r->line, "malformed sizes line");
            }
        }
        if (eml_text_next(&c, &tag, &tag_len)) {
            if (!eml_text_is(tag, tag_len, "int16") || sizes[1] < 1 || sizes[1] > EML_TREES_MAX_NODES) {
                emltrees_raise_line(r->line, "malformed sizes line");
            }
            sizes[1] = (sizes[1] * 2 + 2) / 3;
        }
        return;
    }
}
