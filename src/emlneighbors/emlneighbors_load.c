// emlneighbors.load(stream, k=None, max_items=None, max_classes=None,
// strict=True) streams a training set written by
// emlearn_micropython.neighbors.save, one line at a time. Every field but
// a y,str line's labels is an integer (exact on every board, whatever its
// float precision):
//   emlneighbors,1,<n_items>,<n_features>
//   # comment lines are skipped
//   k,<k>                       (optional: load's default k)
//   w,uniform | w,distance      (optional: the vote's weights)
//   y,int,<label>,... | y,str,<label>,...   (optional: the classes; item
//                               labels are then indices into them)
//   offset_bits,<n_features float32 bit patterns as int32>   (optional)
//   scale_bits,<n_features float32 bit patterns as int32>    (optional)
//   <label>,<value 1>,...,<value n_features>                 (n_items lines)
//   end,<n_items>,<crc32>   (eml_text.h; strict=False reads files without it)
// k, w and y come before the other lines: the model is made at the first
// line that needs it.
#include "emlneighbors.h"

typedef struct {
    mp_obj_t readline;
    const char *raw;  // the line as read, with its newline
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
            EMLMP_RAISE(&mp_type_ValueError, "line %d: field %d is not a finite float32 (nan or inf)",
                        EMLMP_INT(r->line), EMLMP_INT(r->field - 1));
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

typedef emlneighbors_settings_t settings_t;

static void read_header(reader_t *r, settings_t *s) {
    next_line(r);
    if (!skip_name(r, "emlneighbors")) {
        EMLMP_RAISE(&mp_type_ValueError, "line %d: expected emlneighbors header", EMLMP_INT(r->line));
    }
    next_int(r, 1, 1);
    s->n_items = next_int(r, 0, 0x3fffffff);
    s->n_features = (uint32_t)next_int(r, 1, 0x3fffffff);
    end_of_line(r);
    if (s->max_items == 0) {
        s->max_items = s->n_items > 0 ? (uint32_t)s->n_items : 1;
    } else if (s->max_items < (uint32_t)s->n_items) {
        EMLMP_RAISE(&mp_type_ValueError, "max_items %d is less than the file's %d items",
                    EMLMP_INT(s->max_items), EMLMP_INT(s->n_items));
    }
}

// A k, w or y line (its name already skipped) into the settings.
static void read_setting(reader_t *r, settings_t *s, char name) {
    if (name == 'k') {
        const uint32_t k = (uint32_t)next_int(r, 1, 0x3fffffff);
        s->k = s->k ? s->k : k;
        end_of_line(r);
    } else if (name == 'w') {
        s->weights = skip_name(r, ",distance") ? EML_NEIGHBORS_DISTANCE : EML_NEIGHBORS_UNIFORM;
        if (s->weights == EML_NEIGHBORS_UNIFORM && !skip_name(r, ",uniform")) {
            EMLMP_RAISE(&mp_type_ValueError, "line %d: expected w,uniform or w,distance", EMLMP_INT(r->line));
        }
        end_of_line(r);
    } else {
        EmlTextCursor c = {r->p, r->end};
        const size_t room = s->max_classes > 0 ? (size_t)s->max_classes : 0;
        s->classes = emlmp_read_labels(&c, r->line, room, &s->n_classes);
        if (s->max_classes >= 0 && s->n_classes > (size_t)s->max_classes) {
            EMLMP_RAISE(&mp_type_ValueError, "max_classes %d is less than the file's %d classes",
                        EMLMP_INT(s->max_classes), EMLMP_INT(s->n_classes));
        }
    }
}

// load_model: the target emptied, with the file's weights and classes.
static knn_obj_t *refill(const settings_t *s) {
    knn_obj_t *self = s->target;
    if (s->n_features != self->model.n_features) {
        EMLMP_RAISE(&mp_type_ValueError, "the file has %d features, the model %d",
                    EMLMP_INT(s->n_features), EMLMP_INT(self->model.n_features));
    }
    self->model.weights = s->weights;
    self->offset = self->scale = NULL;
    self->n_classes = 0;
    if (s->classes != NULL) {
        self->classes = s->classes;
        self->n_classes = (uint32_t)s->n_classes;
        self->max_classes = self->max_classes > self->n_classes ? self->max_classes : self->n_classes;
    }
    return self;
}

static knn_obj_t *make_model(const settings_t *s) {
    if (s->target != NULL) {
        return refill(s);
    }
    if (s->k == 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("k missing: the file has no k line, give load(f, k)"));
    }
    const int32_t max_classes = s->max_classes >= 0 ? s->max_classes : (int32_t)s->n_classes;
    knn_obj_t *self = emlneighbors_create(s->max_items, s->n_features, s->k, s->classes ? 0 : (uint32_t)max_classes);
    self->model.weights = s->weights;
    if (s->classes != NULL) {
        self->classes = s->classes;
        self->n_classes = (uint32_t)s->n_classes;
        self->max_classes = (uint32_t)max_classes;
    }
    return self;
}

// One item line: label then n_features values, parsed into the next slot.
static void read_item(reader_t *r, knn_obj_t *self, const settings_t *s) {
    EmlNeighbors *md = &self->model;
    if ((mp_int_t)md->n_items >= s->n_items) {
        EMLMP_RAISE(&mp_type_ValueError, "line %d: more items than the header's %d",
                    EMLMP_INT(r->line), EMLMP_INT(s->n_items));
    }
    const bool indices = s->classes != NULL;
    int32_t label = (int32_t)next_int(r, indices ? 0 : -0x7fffffff - 1,
                                      indices ? (mp_int_t)s->n_classes - 1 : 0x7fffffff);
    int16_t *row = md->values + (size_t)md->n_items * md->n_features;
    for (uint32_t j = 0; j < md->n_features; j++) {
        row[j] = (int16_t)next_int(r, -32768, 32767);
    }
    end_of_line(r);
    emlneighbors_add(self, row, indices ? label : emlneighbors_label(self, mp_obj_new_int(label)));
}

// A setting line's name ('k', 'w' or 'y'), or 0.
static char setting_name(reader_t *r) {
    return skip_name(r, "k") ? 'k' : skip_name(r, "w") ? 'w' : skip_name(r, "y") ? 'y' : 0;
}

// The item, scaling and end lines, into the model made at the first of them.
static knn_obj_t *read_body(reader_t *r, settings_t *s) {
    knn_obj_t *self = NULL;
    while (next_line(r)) {
        const bool is_end = eml_text_is_end(r->raw, r->raw_len);
        if (!is_end && (r->p == r->end || r->p[0] == '#')) {
            continue;
        }
        const char name = is_end ? 0 : setting_name(r);
        if (name && self != NULL) {
            EMLMP_RAISE(&mp_type_ValueError, "line %d: k, w and y lines must come before the items",
                        EMLMP_INT(r->line));
        } else if (name) {
            read_setting(r, s, name);
            continue;
        }
        self = self ? self : make_model(s);
        if (is_end) {
            const int32_t counts[1] = {(int32_t)self->model.n_items};
            emlmp_check_end(&r->check, r->raw, r->raw_len, counts, 1, r->line, "end,<items>,<crc32>");
        } else if (skip_name(r, "offset_bits")) {
            self->offset = read_floats(r, self->model.n_features);
        } else if (skip_name(r, "scale_bits")) {
            self->scale = read_floats(r, self->model.n_features);
        } else {
            read_item(r, self, s);
        }
    }
    return self ? self : make_model(s);
}

knn_obj_t *emlneighbors_read(mp_obj_t f, emlneighbors_settings_t *s, bool strict) {
    reader_t r = { mp_load_attr(f, MP_QSTR_readline), NULL, 0, NULL, NULL, 0, 0, {0, 0} };
    eml_text_check_init(&r.check);
    if (s->target != NULL) {
        s->target->model.n_items = 0;
        s->target->model.n_results = 0;
    }
    read_header(&r, s);
    knn_obj_t *self = read_body(&r, s);
    if ((mp_int_t)self->model.n_items != s->n_items) {
        EMLMP_RAISE(&mp_type_ValueError, "line %d: file ends after %d items",
                    EMLMP_INT(r.line), EMLMP_INT(self->model.n_items));
    }
    if (strict && !r.check.ended) {
        emlmp_missing_end();
    }
    if ((self->offset == NULL) != (self->scale == NULL)) {
        mp_raise_ValueError(MP_ERROR_TEXT("file has only one of offset_bits and scale_bits"));
    }
    return self;
}
