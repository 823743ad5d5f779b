// emlnet: neural networks (MLP, small CNN) in float32 or int8, loaded from
// files written by emlearn_micropython.export.net. load(stream) streams the
// file line by line (lib/emlearn/eml_net_load.h) and allocates everything
// once: layers, weights and two activation buffers; run, predict and
// predict_proba allocate nothing. Kernels: lib/emlearn/eml_net.h.
#include "emlmp.h"
#include "eml_net_load.h"
#include "emlmp_text.h"

typedef struct {
    mp_obj_base_t base;
    EmlNet net;
    int32_t in_h, in_w, in_c;
    int32_t n_outputs;
    float in_inv_scale;   // int8 models: quantizes float input
    mp_int_t n_bytes;     // everything allocated for the model
} net_obj_t;

mp_obj_full_type_t net_type;
mp_map_elem_t net_locals_table[3];
static MP_DEFINE_CONST_DICT(net_locals_dict, net_locals_table);
static const mp_obj_fun_builtin_fixed_t load_obj, run_obj, predict_obj, proba_obj;
static void net_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest);

mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {
    MP_DYNRUNTIME_INIT_ENTRY
    emlmp_type_init(&net_type, MP_QSTR_Net);
    net_locals_table[0] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_run), MP_OBJ_FROM_PTR(&run_obj)};
    net_locals_table[1] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_predict), MP_OBJ_FROM_PTR(&predict_obj)};
    net_locals_table[2] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_predict_proba), MP_OBJ_FROM_PTR(&proba_obj)};
    MP_OBJ_TYPE_SET_SLOT(&net_type, locals_dict, (void *)&net_locals_dict, 0);
    MP_OBJ_TYPE_SET_SLOT(&net_type, attr, net_attr, 1);
    mp_store_global(MP_QSTR_load, MP_OBJ_FROM_PTR(&load_obj));
    MP_DYNRUNTIME_INIT_EXIT
}

static int32_t n_inputs(const net_obj_t *self) {
    return self->in_h * self->in_w * self->in_c;
}

static NORETURN void raise_line(const EmlNetLoader *ld) {
    EMLMP_RAISE(&mp_type_ValueError, "line %d: %s", EMLMP_INT(ld->line), EMLMP_STR(ld->why));
}

static void *give(EmlNetLoader *ld, const char *what, mp_int_t *n_bytes) {
    void *p = EMLMP_NEW(uint32_t, (ld->need_bytes + 3) >> 2, what);
    *n_bytes += (mp_int_t)ld->need_bytes;
    eml_net_loader_give(ld, p);
    return p;
}

// Feed every line of the stream to the loader, allocating what it asks for.
static void read_lines(mp_obj_t stream, EmlNetLoader *ld, mp_int_t *n_bytes) {
    mp_obj_t readline = mp_load_attr(stream, MP_QSTR_readline);
    while (!ld->done) {
        size_t len;
        const char *text = emlmp_readline(readline, ld->line + 1, &len);
        if (len == 0) {
            EMLMP_RAISE(&mp_type_ValueError, "line %d: file ends without its end line",
                        EMLMP_INT(ld->line + 1));
        }
        if (eml_net_loader_line(ld, text, len) != EmlOk) {
            raise_line(ld);
        }
        if (ld->need_bytes > 0) {
            give(ld, ld->layers == NULL ? "the network layers" : "the layer weights", n_bytes);
        }
    }
}

// load(stream): a network from an object with readline() (a file).
static mp_obj_t net_load(mp_obj_t stream) {
    net_obj_t *o = EMLMP_NEW_OBJ(net_obj_t, &net_type, "the network object");
    EmlNetLoader ld;
    eml_net_loader_start(&ld);
    o->n_bytes = (mp_int_t)sizeof(net_obj_t);
    read_lines(stream, &ld, &o->n_bytes);
    const EmlNetLayer *last = &ld.layers[ld.n_layers - 1];
    if (ld.is_int8 && !last->out_float) {
        EMLMP_RAISE(&mp_type_ValueError, "line %d: int8 model: the last layer must have a float output",
                    EMLMP_INT(ld.line));
    }
    const size_t bytes = eml_net_buffer_bytes(ld.layers, ld.n_layers, ld.is_int8);
    const size_t words = (bytes + 3) >> 2;
    void *b0 = EMLMP_NEW(uint32_t, words, "the activation buffers");
    void *b1 = EMLMP_NEW(uint32_t, words, "the activation buffers");
    o->n_bytes += (mp_int_t)(8 * words);
    if (eml_net_init(&o->net, ld.layers, ld.n_layers, ld.is_int8, b0, b1) != EmlOk) {
        mp_raise_ValueError(MP_ERROR_TEXT("layers do not chain"));
    }
    o->in_h = ld.in_h;
    o->in_w = ld.in_w;
    o->in_c = ld.in_c;
    o->in_inv_scale = ld.in_inv_scale;
    o->n_outputs = eml_net_out_size(last);
    return MP_OBJ_FROM_PTR(o);
}
static MP_DEFINE_CONST_FUN_OBJ_1(load_obj, net_load);

// Copy x into the first buffer: array('f'), or array('b') for int8 models
// (float input quantized with the file's input scale). NaN raises.
static void put_input(net_obj_t *self, mp_obj_t x_in) {
    const size_t n = (size_t)n_inputs(self);
    mp_buffer_info_t buf;
    const bool int8_in = self->net.is_int8 && mp_get_buffer(x_in, &buf, MP_BUFFER_READ) && buf.typecode == 'b';
    if (int8_in) {
        const int8_t *x = emlmp_array(x_in, 'b', false, n, "x", NULL);
        int8_t *dst = self->net.buffers[0];
        for (size_t i = 0; i < n; i++) {
            dst[i] = x[i];
        }
        return;
    }
    const float *x = emlmp_array(x_in, 'f', false, n, "x", NULL);
    for (size_t i = 0; i < n; i++) {
        if (x[i] != x[i]) {
            EMLMP_RAISE(&mp_type_ValueError, "x[%d] is nan", EMLMP_INT(i));
        }
        if (self->net.is_int8) {
            ((int8_t *)self->net.buffers[0])[i] = eml_net_quantize(x[i] * self->in_inv_scale);
        } else {
            ((float *)self->net.buffers[0])[i] = x[i];
        }
    }
}

static const float *forward(net_obj_t *self, mp_obj_t x_in) {
    put_input(self, x_in);
    return eml_net_run(&self->net);
}

// run(x, out): the raw outputs into out, array('f') of n_outputs.
static mp_obj_t net_run(mp_obj_t self_in, mp_obj_t x_in, mp_obj_t out_in) {
    net_obj_t *self = MP_OBJ_TO_PTR(self_in);
    float *out = emlmp_array(out_in, 'f', true, (size_t)self->n_outputs, "out", NULL);
    const float *y = forward(self, x_in);
    for (int32_t i = 0; i < self->n_outputs; i++) {
        out[i] = y[i];
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(run_obj, net_run);

// predict_proba(x, out): class probabilities; a single (sigmoid) output p
// gives the two classes [1 - p, p], as scikit-learn does.
static mp_obj_t net_predict_proba(mp_obj_t self_in, mp_obj_t x_in, mp_obj_t out_in) {
    net_obj_t *self = MP_OBJ_TO_PTR(self_in);
    const int32_t n = self->n_outputs == 1 ? 2 : self->n_outputs;
    float *out = emlmp_array(out_in, 'f', true, (size_t)n, "out", NULL);
    const float *y = forward(self, x_in);
    if (self->n_outputs == 1) {
        out[0] = 1.0f - y[0];
        out[1] = y[0];
        return mp_const_none;
    }
    for (int32_t i = 0; i < n; i++) {
        out[i] = y[i];
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(proba_obj, net_predict_proba);

// predict(x): the class index, the first largest output (or p > 0.5).
static mp_obj_t net_predict(mp_obj_t self_in, mp_obj_t x_in) {
    net_obj_t *self = MP_OBJ_TO_PTR(self_in);
    const float *y = forward(self, x_in);
    if (self->n_outputs == 1) {
        return mp_obj_new_int(y[0] > 0.5f);
    }
    int32_t best = 0;
    for (int32_t i = 1; i < self->n_outputs; i++) {
        best = y[i] > y[best] ? i : best;
    }
    return mp_obj_new_int(best);
}
static MP_DEFINE_CONST_FUN_OBJ_2(predict_obj, net_predict);

static void net_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    if (dest[0] != MP_OBJ_NULL) {
        return;  // no stores or deletes: AttributeError
    }
    net_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (attr == MP_QSTR_n_inputs) {
        dest[0] = mp_obj_new_int(n_inputs(self));
    } else if (attr == MP_QSTR_n_outputs) {
        dest[0] = mp_obj_new_int(self->n_outputs);
    } else if (attr == MP_QSTR_n_bytes) {
        dest[0] = mp_obj_new_int(self->n_bytes);
    } else if (attr == MP_QSTR_n_layers) {
        dest[0] = mp_obj_new_int(self->net.n_layers);
    } else if (attr == MP_QSTR_input_shape) {
        mp_obj_t shape[3] = {mp_obj_new_int(self->in_h), mp_obj_new_int(self->in_w), mp_obj_new_int(self->in_c)};
        dest[0] = mp_obj_new_tuple(3, shape);
    } else {
        dest[1] = MP_OBJ_SENTINEL;  // methods: look in locals_dict
    }
}
