// Streaming parser of the emlnet text format, one line at a time; it never
// allocates: when it needs memory it says how much (need_bytes) and the
// caller hands a block over with eml_net_loader_give(). Format (written by
// emlearn_micropython.export.net; integers decimal, floats as exactly 8
// lowercase hex digits of their float32 bits):
//   emlnet,1,<int8 0|1>,<n_layers>,<in_h>,<in_w>,<in_c>,<input inv scale>
//   layer,<type>,<act>,<out_float>,<kh>,<kw>,<sh>,<sw>,<pad_top>,<pad_left>,
//         <out_h>,<out_w>,<out_c>,<alpha>,<out_inv_scale>
//   w,<hex><hex>...  weights, digits run together (int8 models: 2 per value)
//   b,<hex><hex>...  bias (8 digits each: float32 bits, or int8 models' int32)
//   s,<hex><hex>...  scales (float32 bits)
//   ... (each layer line is followed by exactly its w, b, s values, over
//   as many lines as needed, in that order)
//   end,<n_layers>,<n_lines>,<crc32 of every byte before this line>
#ifndef EML_NET_LOAD_H
#define EML_NET_LOAD_H

#include "eml_net.h"
#include "eml_crc32.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    EmlNetLayer *layers;   // given after the header (n_layers of them)
    int32_t n_layers;
    int32_t n_read;        // layer lines read
    uint8_t is_int8;
    uint8_t done;          // the end line checked out
    int32_t in_h, in_w, in_c;
    float in_inv_scale;
    size_t need_bytes;     // > 0: call eml_net_loader_give before the next line
    uint8_t *block;        // the current layer's values
    EmlNetCounts counts;
    int32_t filled[3];     // values read so far: weights, bias, scale
    int32_t line;          // lines read so far
    uint32_t crc;
    const char *why;       // what was wrong, when a call returns an error
} EmlNetLoader;

typedef struct {
    const char *p;
    const char *end;
} EmlNetCursor;

static inline void eml_net_loader_start(EmlNetLoader *ld) {
    const EmlNetLoader zero = {0};
    *ld = zero;
    ld->crc = EML_CRC32_INIT;
}

static inline uint32_t eml_net_loader_crc(const EmlNetLoader *ld) {
    return eml_crc32_final(ld->crc);
}

// Bytes of the current layer's weights, rounded up to 4 for the bias.
static inline size_t eml_net_weight_bytes(const EmlNetLoader *ld) {
    return ((size_t)ld->counts.weights * (ld->is_int8 ? 1 : 4) + 3) & ~(size_t)3;
}

static inline EmlError eml_net_fail(EmlNetLoader *ld, const char *why) {
    ld->why = why;
    return EmlBadArgument;
}

// Skip `name` and its comma at the start of the line.
static inline int eml_net_take_name(EmlNetCursor *c, const char *name) {
    const char *p = c->p;
    for (; *name; name++, p++) {
        if (p >= c->end || *p != *name) {
            return 0;
        }
    }
    if (p >= c->end || *p != ',') {
        return 0;
    }
    c->p = p + 1;
    return 1;
}

// The next field as a decimal integer in [lo, hi]; *ok = 0 otherwise.
static inline int32_t eml_net_take_int(EmlNetCursor *c, int32_t lo, int32_t hi, int *ok) {
    int64_t v = 0;
    const char *start = c->p;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9' && v <= hi) {
        v = v * 10 + (*c->p++ - '0');
    }
    if (c->p == start || v < lo || v > hi || (c->p < c->end && *c->p++ != ',')) {
        *ok = 0;
    }
    return (int32_t)v;
}

// The next `digits` hex digits (lowercase) as a number; *ok = 0 otherwise.
static inline uint32_t eml_net_take_hex(EmlNetCursor *c, int digits, int *ok) {
    uint32_t v = 0;
    for (int i = 0; i < digits; i++, c->p++) {
        const char h = c->p < c->end ? *c->p : 'x';
        const int d = (h >= '0' && h <= '9') ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10 : -1;
        if (d < 0) {
            *ok = 0;
            return 0;
        }
        v = (v << 4) | (uint32_t)d;
    }
    return v;
}

static inline float eml_net_take_float(EmlNetCursor *c, int *ok) {
    const float f = eml_text_bits_float(eml_net_take_hex(c, 8, ok));
    if (c->p < c->end && *c->p++ != ',') {
        *ok = 0;
    }
    return f;
}

static inline EmlError eml_net_read_header(EmlNetLoader *ld, EmlNetCursor *c) {
    int ok = eml_net_take_name(c, "emlnet");
    eml_net_take_int(c, 1, 1, &ok);
    ld->is_int8 = (uint8_t)eml_net_take_int(c, 0, 1, &ok);
    ld->n_layers = eml_net_take_int(c, 1, 4096, &ok);
    ld->in_h = eml_net_take_int(c, 1, EML_NET_MAX_DIM, &ok);
    ld->in_w = eml_net_take_int(c, 1, EML_NET_MAX_DIM, &ok);
    ld->in_c = eml_net_take_int(c, 1, EML_NET_MAX_DIM, &ok);
    ld->in_inv_scale = eml_net_take_float(c, &ok);
    if (!ok || c->p != c->end) {
        return eml_net_fail(ld, "bad header: expected emlnet,1,<int8>,<n_layers>,<h>,<w>,<c>,<scale>");
    }
    if (!eml_net_dims_ok(ld->in_h, ld->in_w, ld->in_c)) {
        return eml_net_fail(ld, "input shape too large");
    }
    ld->need_bytes = (size_t)ld->n_layers * sizeof(EmlNetLayer);
    return EmlOk;
}

static inline int eml_net_values_left(const EmlNetLoader *ld) {
    return ld->filled[0] < ld->counts.weights || ld->filled[1] < ld->counts.bias ||
           ld->filled[2] < ld->counts.scale;
}

static inline EmlError eml_net_read_layer(EmlNetLoader *ld, EmlNetCursor *c) {
    if (ld->n_read >= ld->n_layers) {
        return eml_net_fail(ld, "more layers than the header says");
    }
    EmlNetLayer *l = &ld->layers[ld->n_read];
    const EmlNetLayer *prev = ld->n_read > 0 ? l - 1 : NULL;
    int ok = 1;
    l->type = (uint8_t)eml_net_take_int(c, 1, EmlNetLayerTypes - 1, &ok);
    l->activation = (uint8_t)eml_net_take_int(c, 0, EmlNetActivations - 1, &ok);
    l->out_float = (uint8_t)eml_net_take_int(c, 0, ld->is_int8, &ok);
    uint8_t *k[6] = {&l->kh, &l->kw, &l->sh, &l->sw, &l->pad_top, &l->pad_left};
    for (int i = 0; i < 6; i++) {
        *k[i] = (uint8_t)eml_net_take_int(c, 0, 255, &ok);
    }
    l->out_h = eml_net_take_int(c, 1, EML_NET_MAX_DIM, &ok);
    l->out_w = eml_net_take_int(c, 1, EML_NET_MAX_DIM, &ok);
    l->out_c = eml_net_take_int(c, 1, EML_NET_MAX_DIM, &ok);
    l->alpha = eml_net_take_float(c, &ok);
    l->out_inv_scale = eml_net_take_float(c, &ok);
    if (!ok || c->p != c->end) {
        return eml_net_fail(ld, "bad layer line");
    }
    l->in_h = prev ? prev->out_h : ld->in_h;
    l->in_w = prev ? prev->out_w : ld->in_w;
    l->in_c = prev ? prev->out_c : ld->in_c;
    if (l->activation == EmlNetSoftmax && ld->is_int8 && !l->out_float) {
        return eml_net_fail(ld, "int8 softmax needs a float output");
    }
    if (prev && prev->out_float) {
        return eml_net_fail(ld, "only the last layer can have a float output");
    }
    if (eml_net_layer_counts(l, ld->is_int8, &ld->counts) != EmlOk) {
        return eml_net_fail(ld, "layer shape does not fit its input or kind");
    }
    ld->filled[0] = ld->filled[1] = ld->filled[2] = 0;
    const size_t w_bytes = eml_net_weight_bytes(ld);
    ld->need_bytes = w_bytes + 4 * (size_t)(ld->counts.bias + ld->counts.scale);
    l->weights = NULL;
    ld->n_read++;
    return EmlOk;
}

// A w, b or s line: the next values of the current layer.
static inline EmlError eml_net_read_values(EmlNetLoader *ld, EmlNetCursor *c, int kind) {
    if (ld->n_read == 0 || !eml_net_values_left(ld)) {
        return eml_net_fail(ld, "values without a layer that needs them");
    }
    const int at = ld->filled[0] < ld->counts.weights ? 0 : ld->filled[1] < ld->counts.bias ? 1 : 2;
    if (kind != at) {
        return eml_net_fail(ld, "values out of order: w, then b, then s");
    }
    const int32_t total[3] = {ld->counts.weights, ld->counts.bias, ld->counts.scale};
    const int digits = (kind == 0 && ld->is_int8) ? 2 : 8;
    const size_t w_bytes = eml_net_weight_bytes(ld);
    uint8_t *base = ld->block + (kind == 0 ? 0 : kind == 1 ? w_bytes : w_bytes + 4 * (size_t)ld->counts.bias);
    int ok = 1;
    while (c->p < c->end && ok) {
        if (ld->filled[kind] >= total[kind]) {
            return eml_net_fail(ld, "more values than the layer has");
        }
        const uint32_t v = eml_net_take_hex(c, digits, &ok);
        if (digits == 2) {
            base[ld->filled[kind]] = (uint8_t)v;
        } else {
            ((uint32_t *)base)[ld->filled[kind]] = v;
        }
        ld->filled[kind]++;
    }
    return ok ? EmlOk : eml_net_fail(ld, "bad hex value");
}

static inline EmlError eml_net_read_end(EmlNetLoader *ld, EmlNetCursor *c) {
    int ok = 1;
    const int32_t n_layers = eml_net_take_int(c, 0, 4096, &ok);
    const int32_t n_lines = eml_net_take_int(c, 0, 0x7fffffff, &ok);
    const uint32_t crc = eml_net_take_hex(c, 8, &ok);
    if (!ok || c->p != c->end) {
        return eml_net_fail(ld, "bad end line: expected end,<n_layers>,<n_lines>,<crc32>");
    }
    if (n_layers != ld->n_read || n_layers != ld->n_layers || eml_net_values_left(ld)) {
        return eml_net_fail(ld, "file ends before its last layer");
    }
    if (n_lines != ld->line - 1) {
        return eml_net_fail(ld, "line count differs from the end line's");
    }
    if (crc != eml_net_loader_crc(ld)) {
        return eml_net_fail(ld, "crc32 differs from the end line's: file damaged");
    }
    ld->done = 1;
    return EmlOk;
}

// One line, with or without its line ending. On an error ld->why says
// what was wrong with line ld->line.
static inline EmlError eml_net_loader_line(EmlNetLoader *ld, const char *text, size_t length) {
    EmlNetCursor c = {text, text + length};
    while (c.end > c.p && (c.end[-1] == '\n' || c.end[-1] == '\r')) {
        c.end--;
    }
    ld->line++;
    if (ld->need_bytes > 0 || ld->done) {
        return eml_net_fail(ld, ld->done ? "line after the end line" : "memory not given");
    }
    const uint32_t crc = ld->crc;
    ld->crc = eml_crc32_update(ld->crc, (const uint8_t *)text, length);
    if (ld->line == 1) {
        return eml_net_read_header(ld, &c);
    }
    if (eml_net_take_name(&c, "layer")) {
        return eml_net_values_left(ld) ? eml_net_fail(ld, "layer before the previous one's values")
                                       : eml_net_read_layer(ld, &c);
    }
    const char *kinds = "wbs";
    for (int k = 0; k < 3; k++) {
        const char name[2] = {kinds[k], '\0'};
        if (eml_net_take_name(&c, name)) {
            return eml_net_read_values(ld, &c, k);
        }
    }
    if (eml_net_take_name(&c, "end")) {
        ld->crc = crc;
        return eml_net_read_end(ld, &c);
    }
    return eml_net_fail(ld, "unknown line kind");
}

// Hand over the need_bytes asked for (4-byte aligned).
static inline void eml_net_loader_give(EmlNetLoader *ld, void *memory) {
    if (ld->layers == NULL) {
        ld->layers = (EmlNetLayer *)memory;
    } else {
        EmlNetLayer *l = &ld->layers[ld->n_read - 1];
        const size_t w_bytes = eml_net_weight_bytes(ld);
        ld->block = (uint8_t *)memory;
        l->weights = ld->block;
        l->bias = ld->block + w_bytes;
        l->scale = (const float *)(ld->block + w_bytes + 4 * (size_t)ld->counts.bias);
    }
    ld->need_bytes = 0;
}

#ifdef __cplusplus
}
#endif
#endif // EML_NET_LOAD_H
