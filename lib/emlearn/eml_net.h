// Neural network layers (MLP and small CNN) on caller-owned memory,
// float32 or int8. Tensors are channels-last (NHWC without N, like Keras):
// element (y, x, c) of an h*w*c tensor is at (y*w + x)*c + c.
//
// Weight layouts (all row-major):
//   Dense      w[out][in]                      bias[out]
//   Conv2D     w[out_c][kh][kw][in_c]          bias[out_c]
//   Depthwise  w[kh][kw][out_c], out channel oc = ic*mult + m   bias[out_c]
// float32 models: weights/bias float, avg pools have scale[0] = 1/(kh*kw).
// int8 models: weights int8 (symmetric, per output channel), bias int32 in
// units of in_scale*w_scale[oc]; scale[oc] = in_scale*w_scale[oc] (or one
// value for pools and activations: the input scale, times 1/(kh*kw) for
// avg pools); out_inv_scale = 1/out_scale. A layer output is
// act(acc*scale) in float, then quantized: trunc(v*out_inv_scale +- 0.5)
// clamped to [-128, 127], or kept as float when out_float is set (the
// last layer). Padding taps are skipped (the same as adding zeros).
// Every float operation is a single IEEE float32 add or multiply in a
// fixed order, so that numpy can compute the same bits (no fused
// multiply-add: compile with -ffp-contract=off, which -std=c99 implies).
#ifndef EML_NET_H
#define EML_NET_H

#include <stddef.h>
#include <stdint.h>
#include "eml_common.h"
#include "eml_text.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    EmlNetDense = 1,
    EmlNetConv2D,
    EmlNetDepthwise,
    EmlNetMaxPool,
    EmlNetAvgPool,
    EmlNetGlobalAvgPool,
    EmlNetGlobalMaxPool,
    EmlNetActivate,     // activation alone: out = act(in), any shape of as many values
    EmlNetLayerTypes,
} EmlNetLayerType;

typedef enum {
    EmlNetLinear = 0,
    EmlNetRelu,
    EmlNetRelu6,
    EmlNetLeakyRelu,    // alpha = negative slope
    EmlNetSigmoid,
    EmlNetTanh,
    EmlNetSoftmax,      // over the channels of each position
    EmlNetActivations,
} EmlNetActivation;

// Largest height, width or channel count, and element count of a tensor.
#define EML_NET_MAX_DIM 16384
#define EML_NET_MAX_ELEMENTS (1L << 24)

typedef struct {
    uint8_t type;         // EmlNetLayerType
    uint8_t activation;   // EmlNetActivation
    uint8_t out_float;    // int8 models: output float instead of int8
    uint8_t kh, kw, sh, sw, pad_top, pad_left;
    int32_t in_h, in_w, in_c, out_h, out_w, out_c;
    float alpha;
    const void *weights;
    const void *bias;
    const float *scale;
    float out_inv_scale;
} EmlNetLayer;

typedef struct {
    const EmlNetLayer *layers;
    int32_t n_layers;
    uint8_t is_int8;
    void *buffers[2];     // each of eml_net_buffer_bytes()
} EmlNet;

// Counts of weights, bias and scale values that layer `l` needs.
typedef struct {
    int32_t weights;
    int32_t bias;
    int32_t scale;
} EmlNetCounts;

static inline int32_t eml_net_out_size(const EmlNetLayer *l) {
    return l->out_h * l->out_w * l->out_c;
}

static inline int32_t eml_net_in_size(const EmlNetLayer *l) {
    return l->in_h * l->in_w * l->in_c;
}

static inline int eml_net_dims_ok(int32_t h, int32_t w, int32_t c) {
    return h >= 1 && w >= 1 && c >= 1 && h <= EML_NET_MAX_DIM && w <= EML_NET_MAX_DIM &&
           c <= EML_NET_MAX_DIM && (int64_t)h * w * c <= EML_NET_MAX_ELEMENTS;
}

// Kernel windows: every output position's window starts inside the
// padded input and at least one tap of it lies in the input.
static inline int eml_net_window_ok(int32_t in, int32_t out, int k, int s, int pad) {
    return k >= 1 && s >= 1 && pad < k && (int64_t)(out - 1) * s - pad < in;
}

static inline EmlError eml_net_check_shape(const EmlNetLayer *l) {
    EML_PRECONDITION(eml_net_dims_ok(l->in_h, l->in_w, l->in_c), EmlSizeMismatch);
    EML_PRECONDITION(eml_net_dims_ok(l->out_h, l->out_w, l->out_c), EmlSizeMismatch);
    EML_PRECONDITION(l->activation < EmlNetActivations, EmlUnsupported);
    const int flat = l->out_h == 1 && l->out_w == 1;
    const int same = eml_net_in_size(l) == eml_net_out_size(l);
    switch (l->type) {
    case EmlNetDense:
        return flat ? EmlOk : EmlSizeMismatch;
    case EmlNetGlobalAvgPool:
    case EmlNetGlobalMaxPool:
        return flat && l->out_c == l->in_c ? EmlOk : EmlSizeMismatch;
    case EmlNetActivate:
        return same ? EmlOk : EmlSizeMismatch;
    case EmlNetMaxPool:
    case EmlNetAvgPool:
        // no padding: every window lies inside the input
        EML_PRECONDITION(l->out_c == l->in_c && l->pad_top == 0 && l->pad_left == 0, EmlSizeMismatch);
        EML_PRECONDITION(l->kh >= 1 && l->kw >= 1 && l->sh >= 1 && l->sw >= 1, EmlSizeMismatch);
        EML_PRECONDITION((int64_t)(l->out_h - 1) * l->sh + l->kh <= l->in_h, EmlSizeMismatch);
        EML_PRECONDITION((int64_t)(l->out_w - 1) * l->sw + l->kw <= l->in_w, EmlSizeMismatch);
        return EmlOk;
    case EmlNetDepthwise:
        EML_PRECONDITION(l->out_c % l->in_c == 0, EmlSizeMismatch);
        // fall through
    case EmlNetConv2D:
        EML_PRECONDITION(eml_net_window_ok(l->in_h, l->out_h, l->kh, l->sh, l->pad_top), EmlSizeMismatch);
        EML_PRECONDITION(eml_net_window_ok(l->in_w, l->out_w, l->kw, l->sw, l->pad_left), EmlSizeMismatch);
        return EmlOk;
    default:
        return EmlUnsupported;
    }
}

// Checks the layer's shape and kind; *counts gets what it needs.
static inline EmlError eml_net_layer_counts(const EmlNetLayer *l, int is_int8, EmlNetCounts *counts) {
    EmlError err = eml_net_check_shape(l);
    EML_PRECONDITION(err == EmlOk, err);
    const int64_t taps = (int64_t)l->kh * l->kw;
    int64_t w = 0;
    int32_t b = 0;
    int32_t channels = 1;
    if (l->type == EmlNetDense || l->type == EmlNetConv2D || l->type == EmlNetDepthwise) {
        w = l->type == EmlNetDense ? (int64_t)eml_net_in_size(l) * l->out_c
            : l->type == EmlNetConv2D ? taps * l->in_c * l->out_c : taps * l->out_c;
        b = l->out_c;
        channels = l->out_c;
    }
    EML_PRECONDITION(w <= EML_NET_MAX_ELEMENTS, EmlSizeMismatch);
    // int8: 127*128 per tap, so that an int32 accumulator cannot overflow
    const int64_t fan_in = l->type == EmlNetDense ? eml_net_in_size(l)
        : l->type == EmlNetConv2D ? taps * l->in_c
        : l->type == EmlNetGlobalAvgPool ? (int64_t)l->in_h * l->in_w : taps;
    EML_PRECONDITION(!is_int8 || fan_in <= (1 << 16), EmlSizeMismatch);
    counts->weights = (int32_t)w;
    counts->bias = b;
    if (is_int8) {
        counts->scale = channels;
    } else {
        counts->scale = (l->type == EmlNetAvgPool || l->type == EmlNetGlobalAvgPool) ? 1 : 0;
    }
    return EmlOk;
}

// Bytes of each activation buffer: the largest tensor, input included.
static inline size_t eml_net_buffer_bytes(const EmlNetLayer *layers, int32_t n_layers, int is_int8) {
    size_t most = (size_t)eml_net_in_size(&layers[0]) * (is_int8 ? 1 : 4);
    for (int32_t i = 0; i < n_layers; i++) {
        const size_t bytes = (size_t)eml_net_out_size(&layers[i]) * ((is_int8 && !layers[i].out_float) ? 1 : 4);
        most = bytes > most ? bytes : most;
    }
    return most;
}

// Checks that the layers chain (each input shape is the previous output);
// the layers themselves must have passed eml_net_layer_counts.
static inline EmlError eml_net_init(EmlNet *net, const EmlNetLayer *layers, int32_t n_layers,
                                    int is_int8, void *buffer0, void *buffer1) {
    EML_PRECONDITION(n_layers >= 1, EmlSizeMismatch);
    for (int32_t i = 1; i < n_layers; i++) {
        const EmlNetLayer *a = &layers[i - 1];
        const EmlNetLayer *b = &layers[i];
        EML_PRECONDITION(a->out_h == b->in_h && a->out_w == b->in_w && a->out_c == b->in_c, EmlSizeMismatch);
        EML_PRECONDITION(!a->out_float, EmlUnsupported);
    }
    net->layers = layers;
    net->n_layers = n_layers;
    net->is_int8 = (uint8_t)(is_int8 != 0);
    net->buffers[0] = buffer0;
    net->buffers[1] = buffer1;
    return EmlOk;
}

// ---------------------------------------------------------------------------
// Elementary functions without libm or division.

// Round half away from zero, for |v| < 2^31.
static inline int32_t eml_net_round(float v) {
    return (int32_t)(v + (v >= 0.0f ? 0.5f : -0.5f));
}

// exp(x): x = k*ln2 + r with |r| <= ln2/2, exp(r) by a degree-7 Taylor
// polynomial, 2^k from exponent bits. 0 below -87.3 (no subnormals),
// +inf above 88.72.
static inline float eml_net_exp(float x) {
    if (!(x > -87.33f)) {
        return (x != x) ? x : 0.0f;
    }
    if (x > 88.72283f) {
        return eml_text_bits_float(0x7f800000u);
    }
    const int32_t k = eml_net_round(x * 1.44269504f);
    const float kf = (float)k;
    // ln2 split so that k*ln2_hi is exact
    const float r = (x - kf * 0.693145751953125f) - kf * 1.428606765330187e-06f;
    float p = 1.98412698e-4f;              // 1/7!
    p = p * r + 1.38888889e-3f;            // 1/6!
    p = p * r + 8.33333333e-3f;            // 1/5!
    p = p * r + 4.16666667e-2f;            // 1/4!
    p = p * r + 1.66666667e-1f;            // 1/3!
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    // 2^k in two factors: k may be 128 or -126 and below
    const int32_t k1 = k / 2;
    const float s1 = eml_text_bits_float((uint32_t)(k1 + 127) << 23);
    const float s2 = eml_text_bits_float((uint32_t)(k - k1 + 127) << 23);
    return (p * s1) * s2;
}

// 1/d for a positive normal d: a first guess from the bits, then four
// Newton steps y = y*(2 - d*y).
static inline float eml_net_recip(float d) {
    float y = eml_text_bits_float(0x7ef311c3u - eml_text_float_bits(d));
    for (int i = 0; i < 4; i++) {
        y = y * (2.0f - d * y);
    }
    return y;
}

// sigmoid(x) = 1/(1 + e) for x >= 0, e/(1 + e) below, e = exp(-|x|).
static inline float eml_net_sigmoid(float x) {
    const float e = eml_net_exp(x >= 0.0f ? -x : x);
    const float s = eml_net_recip(1.0f + e);
    return x >= 0.0f ? s : e * s;
}

// tanh(x) = (1 - e)/(1 + e), e = exp(-2|x|); odd polynomial near 0.
static inline float eml_net_tanh(float x) {
    const float a = x >= 0.0f ? x : -x;
    float t;
    if (a < 0.0625f) {
        const float a2 = a * a;
        t = a + a * (a2 * (-0.333333333f + a2 * 0.133333333f));
    } else {
        const float e = eml_net_exp(-2.0f * a);
        t = (1.0f - e) * eml_net_recip(1.0f + e);
    }
    return x >= 0.0f ? t : -t;
}

// Every activation but softmax, which works on a whole channel vector.
static inline float eml_net_activate(float v, uint8_t act, float alpha) {
    switch (act) {
    case EmlNetRelu: return v > 0.0f ? v : 0.0f;
    case EmlNetRelu6: return v > 0.0f ? (v < 6.0f ? v : 6.0f) : 0.0f;
    case EmlNetLeakyRelu: return v >= 0.0f ? v : v * alpha;
    case EmlNetSigmoid: return eml_net_sigmoid(v);
    case EmlNetTanh: return eml_net_tanh(v);
    default: return v;
    }
}

// Softmax over each run of n values: exp(v - max) * (1/sum).
static inline void eml_net_softmax(float *v, int32_t n_rows, int32_t n) {
    for (int32_t r = 0; r < n_rows; r++, v += n) {
        float most = v[0];
        for (int32_t i = 1; i < n; i++) {
            most = v[i] > most ? v[i] : most;
        }
        float sum = 0.0f;
        for (int32_t i = 0; i < n; i++) {
            v[i] = eml_net_exp(v[i] - most);
            sum += v[i];
        }
        const float inv = eml_net_recip(sum);
        for (int32_t i = 0; i < n; i++) {
            v[i] = v[i] * inv;
        }
    }
}

static inline int8_t eml_net_quantize(float v) {
    if (!(v == v)) {
        return 0;
    }
    v = v + (v >= 0.0f ? 0.5f : -0.5f);
    return v >= 127.0f ? 127 : v <= -128.0f ? -128 : (int8_t)(int32_t)v;
}

// ---------------------------------------------------------------------------
// Layer kernels. One template per layer kind, instantiated for float32
// (T float, accumulator float) and int8 (T int8_t, accumulator int32).
// EML_NET_STORE(l, out, i, acc, channel) writes one output value.

#define EML_NET_STORE_F(l, out, i, acc, ch) \
    ((float *)(out))[i] = eml_net_activate((acc), (l)->activation, (l)->alpha)

static inline void eml_net_store_q(const EmlNetLayer *l, void *out, int32_t i, int32_t acc, int32_t ch) {
    const float v = eml_net_activate((float)acc * l->scale[ch], l->activation, l->alpha);
    if (l->out_float) {
        ((float *)out)[i] = v;
    } else {
        ((int8_t *)out)[i] = eml_net_quantize(v * l->out_inv_scale);
    }
}
#define EML_NET_STORE_Q(l, out, i, acc, ch) eml_net_store_q((l), (out), (i), (acc), (ch))

// acc plus the n products x[i]*w[i], added in order (float: each product
// rounded, then the sum; int8: exact in int32).
static inline float eml_net_dot_f(const float *x, const float *w, int32_t n, float acc) {
    for (int32_t i = 0; i < n; i++) {
        acc += x[i] * w[i];
    }
    return acc;
}

// Not inlined on Thumb: in the convolution's loop nest, short of core
// registers, gcc -Os spilled the accumulator and pointers to the stack
// (13 instructions per product on Cortex-M4 instead of 6).
#if defined(__GNUC__) && defined(__thumb__)
#define EML_NET_NOINLINE __attribute__((noinline))
#else
#define EML_NET_NOINLINE
#endif
static EML_NET_NOINLINE int32_t eml_net_dot_q(const int8_t *x, const int8_t *w, int32_t n, int32_t acc) {
    for (int32_t i = 0; i < n; i++) {
        acc += (int32_t)x[i] * (int32_t)w[i];
    }
    return acc;
}

// The taps [lo, hi) of a window starting at `start` (may be negative)
// that fall in [0, n).
#define EML_NET_TAPS(start, k, n, lo, hi) \
    const int32_t lo = (start) < 0 ? -(start) : 0; \
    const int32_t hi = (start) + (k) > (n) ? (n) - (start) : (k)

#define EML_NET_KERNELS(SUFFIX, T, W, B, ACC, STORE, SCALE_AVG) \
static inline void eml_net_dense_##SUFFIX(const EmlNetLayer *l, const T *x, void *out) { \
    const W *w = (const W *)l->weights; \
    const B *bias = (const B *)l->bias; \
    const int32_t n_in = eml_net_in_size(l); \
    for (int32_t o = 0; o < l->out_c; o++, w += n_in) { \
        STORE(l, out, o, eml_net_dot_##SUFFIX(x, w, n_in, bias[o]), o); \
    } \
} \
static inline void eml_net_conv_##SUFFIX(const EmlNetLayer *l, const T *x, void *out) { \
    const B *bias = (const B *)l->bias; \
    const int32_t ic_n = l->in_c; \
    int32_t i = 0; \
    for (int32_t oy = 0; oy < l->out_h; oy++) { \
        const int32_t iy = oy * l->sh - l->pad_top; \
        EML_NET_TAPS(iy, l->kh, l->in_h, ky0, ky1); \
        for (int32_t ox = 0; ox < l->out_w; ox++) { \
            const int32_t ix = ox * l->sw - l->pad_left; \
            EML_NET_TAPS(ix, l->kw, l->in_w, kx0, kx1); \
            const W *w = (const W *)l->weights; \
            for (int32_t oc = 0; oc < l->out_c; oc++, w += l->kh * l->kw * ic_n) { \
                ACC acc = bias[oc]; \
                for (int32_t ky = ky0; ky < ky1; ky++) { \
                    const int32_t j = kx0 * ic_n; \
                    acc = eml_net_dot_##SUFFIX(x + ((iy + ky) * l->in_w + ix) * ic_n + j, \
                                               w + ky * l->kw * ic_n + j, (kx1 - kx0) * ic_n, acc); \
                } \
                STORE(l, out, i, acc, oc); \
                i++; \
            } \
        } \
    } \
} \
static inline void eml_net_depthwise_##SUFFIX(const EmlNetLayer *l, const T *x, void *out) { \
    const W *w = (const W *)l->weights; \
    const B *bias = (const B *)l->bias; \
    const int32_t mult = l->out_c / l->in_c; \
    int32_t i = 0; \
    for (int32_t oy = 0; oy < l->out_h; oy++) { \
        const int32_t iy = oy * l->sh - l->pad_top; \
        EML_NET_TAPS(iy, l->kh, l->in_h, ky0, ky1); \
        for (int32_t ox = 0; ox < l->out_w; ox++) { \
            const int32_t ix = ox * l->sw - l->pad_left; \
            EML_NET_TAPS(ix, l->kw, l->in_w, kx0, kx1); \
            int32_t oc = 0; \
            for (int32_t ic = 0; ic < l->in_c; ic++) { \
                for (int32_t m = 0; m < mult; m++, oc++) { \
                    ACC acc = bias[oc]; \
                    for (int32_t ky = ky0; ky < ky1; ky++) { \
                        for (int32_t kx = kx0; kx < kx1; kx++) { \
                            const int32_t p = (iy + ky) * l->in_w + ix + kx; \
                            acc += (ACC)x[p * l->in_c + ic] * (ACC)w[(ky * l->kw + kx) * l->out_c + oc]; \
                        } \
                    } \
                    STORE(l, out, i, acc, oc); \
                    i++; \
                } \
            } \
        } \
    } \
} \
static inline void eml_net_pool_##SUFFIX(const EmlNetLayer *l, const T *x, void *out) { \
    const int is_max = l->type == EmlNetMaxPool || l->type == EmlNetGlobalMaxPool; \
    const int global = l->type == EmlNetGlobalMaxPool || l->type == EmlNetGlobalAvgPool; \
    const int32_t kh = global ? l->in_h : l->kh, kw = global ? l->in_w : l->kw; \
    const int32_t sh = global ? 1 : l->sh, sw = global ? 1 : l->sw; \
    const int32_t c_n = l->in_c; \
    int32_t i = 0; \
    for (int32_t oy = 0; oy < l->out_h; oy++) { \
        for (int32_t ox = 0; ox < l->out_w; ox++) { \
            const T *xw = x + (oy * sh * l->in_w + ox * sw) * c_n; \
            for (int32_t c = 0; c < c_n; c++) { \
                ACC acc = is_max ? (ACC)xw[c] : (ACC)0; \
                for (int32_t ky = 0; ky < kh; ky++) { \
                    for (int32_t kx = 0; kx < kw; kx++) { \
                        const ACC v = (ACC)xw[(ky * l->in_w + kx) * c_n + c]; \
                        if (is_max) { \
                            acc = v > acc ? v : acc; \
                        } else { \
                            acc += v; \
                        } \
                    } \
                } \
                acc = (is_max || SCALE_AVG == 0) ? acc : acc * (ACC)l->scale[0]; \
                STORE(l, out, i, acc, 0); \
                i++; \
            } \
        } \
    } \
} \
static inline void eml_net_activate_##SUFFIX(const EmlNetLayer *l, const T *x, void *out) { \
    const int32_t n = eml_net_in_size(l); \
    for (int32_t i = 0; i < n; i++) { \
        STORE(l, out, i, (ACC)x[i], 0); \
    } \
} \
static inline void eml_net_layer_##SUFFIX(const EmlNetLayer *l, const void *x, void *out) { \
    switch (l->type) { \
    case EmlNetDense: eml_net_dense_##SUFFIX(l, (const T *)x, out); break; \
    case EmlNetConv2D: eml_net_conv_##SUFFIX(l, (const T *)x, out); break; \
    case EmlNetDepthwise: eml_net_depthwise_##SUFFIX(l, (const T *)x, out); break; \
    case EmlNetActivate: eml_net_activate_##SUFFIX(l, (const T *)x, out); break; \
    default: eml_net_pool_##SUFFIX(l, (const T *)x, out); break; \
    } \
}

EML_NET_KERNELS(f, float, float, float, float, EML_NET_STORE_F, 1)
EML_NET_KERNELS(q, int8_t, int8_t, int32_t, int32_t, EML_NET_STORE_Q, 0)

// Runs the network on the input already in buffers[0] (float32, or int8
// for int8 models); returns the buffer holding the last layer's output
// (float32, or int8 unless the last layer has out_float).
static inline const void *eml_net_run(const EmlNet *net) {
    int cur = 0;
    for (int32_t i = 0; i < net->n_layers; i++) {
        const EmlNetLayer *l = &net->layers[i];
        if (net->is_int8) {
            eml_net_layer_q(l, net->buffers[cur], net->buffers[1 - cur]);
        } else {
            eml_net_layer_f(l, net->buffers[cur], net->buffers[1 - cur]);
        }
        cur = 1 - cur;
        if (l->activation == EmlNetSoftmax && (!net->is_int8 || l->out_float)) {
            eml_net_softmax((float *)net->buffers[cur], l->out_h * l->out_w, l->out_c);
        }
    }
    return net->buffers[cur];
}

#ifdef __cplusplus
}
#endif
#endif // EML_NET_H
