#include <math.h>
#include <string.h>
#include "eml_net.h"
#include "eml_test.h"

// Distance in units in the last place between two finite floats.
static int64_t ulps(float a, float b) {
    int64_t ia = (int32_t)eml_text_float_bits(a), ib = (int32_t)eml_text_float_bits(b);
    ia = ia < 0 ? (int64_t)INT32_MIN - ia : ia;
    ib = ib < 0 ? (int64_t)INT32_MIN - ib : ib;
    return ia > ib ? ia - ib : ib - ia;
}

static void test_exp(void) {
    int64_t worst = 0;
    // every 97th float32 bit pattern in the range with normal results
    for (float x = -87.3f; x < 88.72f; x = eml_text_bits_float(eml_text_float_bits(x) + (x < 0 ? -97 : 97))) {
        const float ref = (float)exp((double)x);
        const int64_t d = ulps(eml_net_exp(x), ref);
        worst = d > worst ? d : worst;
        if (x < 0 && x > -1e-30f) {
            x = 1e-30f;
        }
    }
    printf("exp: worst %d ulp\n", (int)worst);
    CHECK(worst <= 2);
    CHECK(eml_net_exp(0.0f) == 1.0f);
    CHECK(eml_net_exp(-100.0f) == 0.0f);
    CHECK(isinf(eml_net_exp(89.0f)));
    CHECK(isnan(eml_net_exp(NAN)));
}

static void test_functions(void) {
    for (float d = 1e-30f; d < 1e30f; d *= 1.37f) {
        CHECK(ulps(eml_net_recip(d), 1.0f / d) <= 2);
    }
    for (float x = -20.0f; x < 20.0f; x += 0.0137f) {
        const double s = 1.0 / (1.0 + exp(-(double)x));
        CHECK(fabs(eml_net_sigmoid(x) - s) <= 2e-7 * s + 1e-30);
        CHECK(fabs(eml_net_tanh(x) - tanh((double)x)) <= 3e-7 * fabs(tanh((double)x)) + 1e-9);
    }
    CHECK(eml_net_activate(-2.0f, EmlNetRelu, 0) == 0.0f);
    CHECK(eml_net_activate(7.0f, EmlNetRelu6, 0) == 6.0f);
    CHECK(eml_net_activate(-2.0f, EmlNetLeakyRelu, 0.25f) == -0.5f);
    CHECK(eml_net_activate(-2.0f, EmlNetLinear, 0) == -2.0f);
    float v[3] = {1.0f, 2.0f, 3.0f};
    eml_net_softmax(v, 1, 3);
    const double e = exp(1.0) + exp(2.0) + exp(3.0);
    for (int i = 0; i < 3; i++) {
        CHECK(fabs(v[i] - exp(i + 1.0) / e) < 1e-7);
    }
    CHECK(eml_net_quantize(1.5f) == 2 && eml_net_quantize(-1.5f) == -2);
    CHECK(eml_net_quantize(1000.0f) == 127 && eml_net_quantize(-1000.0f) == -128);
    CHECK(eml_net_quantize(NAN) == 0);
}

// A deterministic pseudo-random value in [-1, 1).
static float rnd(uint32_t *s) {
    *s = *s * 1664525u + 1013904223u;
    return (float)(*s >> 8) / 8388608.0f - 1.0f;
}

// Reference convolution in double: padded input taken as zeros.
static double conv_ref(const EmlNetLayer *l, const float *x, int oy, int ox, int oc) {
    const float *w = l->weights;
    double acc = ((const float *)l->bias)[oc];
    const int dw = l->type == EmlNetDepthwise, mult = l->out_c / l->in_c;
    for (int ky = 0; ky < l->kh; ky++) {
        for (int kx = 0; kx < l->kw; kx++) {
            const int iy = oy * l->sh - l->pad_top + ky, ix = ox * l->sw - l->pad_left + kx;
            if (iy < 0 || ix < 0 || iy >= l->in_h || ix >= l->in_w) {
                continue;
            }
            for (int ic = 0; ic < l->in_c; ic++) {
                if (dw && ic != oc / mult) {
                    continue;
                }
                const float wv = dw ? w[(ky * l->kw + kx) * l->out_c + oc]
                                    : w[((oc * l->kh + ky) * l->kw + kx) * l->in_c + ic];
                acc += (double)x[(iy * l->in_w + ix) * l->in_c + ic] * wv;
            }
        }
    }
    return acc;
}

static void check_conv(EmlNetLayer l) {
    EmlNetCounts n;
    CHECK(eml_net_layer_counts(&l, 0, &n) == EmlOk);
    static float w[4096], b[64], x[4096], out[4096];
    uint32_t s = 7;
    for (int i = 0; i < n.weights; i++) {
        w[i] = rnd(&s);
    }
    for (int i = 0; i < n.bias; i++) {
        b[i] = rnd(&s);
    }
    for (int i = 0; i < eml_net_in_size(&l); i++) {
        x[i] = rnd(&s);
    }
    l.weights = w;
    l.bias = b;
    eml_net_layer_f(&l, x, out);
    for (int oy = 0; oy < l.out_h; oy++) {
        for (int ox = 0; ox < l.out_w; ox++) {
            for (int oc = 0; oc < l.out_c; oc++) {
                const double ref = conv_ref(&l, x, oy, ox, oc);
                CHECK(fabs(out[(oy * l.out_w + ox) * l.out_c + oc] - ref) < 1e-5);
            }
        }
    }
}

static void test_conv(void) {
    // 5x6x3 -> 3x3 kernel, valid, stride 1; same (pad 1), stride 2; depthwise x2
    EmlNetLayer valid = {EmlNetConv2D, 0, 0, 3, 3, 1, 1, 0, 0, 5, 6, 3, 3, 4, 4, 0, NULL, NULL, NULL, 0};
    check_conv(valid);
    EmlNetLayer same = {EmlNetConv2D, 0, 0, 3, 3, 2, 2, 1, 1, 5, 6, 3, 3, 3, 4, 0, NULL, NULL, NULL, 0};
    check_conv(same);
    EmlNetLayer dw = {EmlNetDepthwise, 0, 0, 3, 2, 1, 1, 1, 0, 5, 6, 3, 5, 5, 6, 0, NULL, NULL, NULL, 0};
    check_conv(dw);
    EmlNetLayer bad = same;
    bad.out_h = 4;  // (4-1)*2 - 1 = 5: a window outside the input
    EmlNetCounts n;
    CHECK(eml_net_layer_counts(&bad, 0, &n) == EmlSizeMismatch);
    bad = dw;
    bad.out_c = 7;
    CHECK(eml_net_layer_counts(&bad, 0, &n) == EmlSizeMismatch);
    bad = valid;
    bad.in_c = 0;
    CHECK(eml_net_layer_counts(&bad, 0, &n) == EmlSizeMismatch);
}

static void test_pools_and_dense(void) {
    // 4x4x2 input: max 2x2 stride 2, avg (scale 1/4), global avg/max, dense 32->3
    float x[32], out[32];
    for (int i = 0; i < 32; i++) {
        x[i] = (float)((i * 7) % 11) - 5.0f;
    }
    const float quarter = 0.25f, sixteenth = 0.0625f;
    EmlNetLayer mp = {EmlNetMaxPool, 0, 0, 2, 2, 2, 2, 0, 0, 4, 4, 2, 2, 2, 2, 0, NULL, NULL, NULL, 0};
    EmlNetLayer ap = mp;
    ap.type = EmlNetAvgPool;
    ap.scale = &quarter;
    EmlNetCounts n;
    CHECK(eml_net_layer_counts(&mp, 0, &n) == EmlOk && n.scale == 0 && n.weights == 0);
    CHECK(eml_net_layer_counts(&ap, 0, &n) == EmlOk && n.scale == 1);
    eml_net_layer_f(&mp, x, out);
    float apout[8];
    eml_net_layer_f(&ap, x, apout);
    for (int oy = 0; oy < 2; oy++) {
        for (int ox = 0; ox < 2; ox++) {
            for (int c = 0; c < 2; c++) {
                float most = -1e9f, sum = 0.0f;
                for (int k = 0; k < 4; k++) {
                    const float v = x[((2 * oy + k / 2) * 4 + 2 * ox + k % 2) * 2 + c];
                    most = v > most ? v : most;
                    sum += v;
                }
                CHECK(out[(oy * 2 + ox) * 2 + c] == most);
                CHECK(apout[(oy * 2 + ox) * 2 + c] == sum * 0.25f);
            }
        }
    }
    EmlNetLayer ga = {EmlNetGlobalAvgPool, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 2, 1, 1, 2, 0, NULL, NULL, &sixteenth, 0};
    eml_net_layer_f(&ga, x, out);
    float s0 = 0.0f;
    for (int p = 0; p < 16; p++) {
        s0 += x[p * 2];
    }
    CHECK(out[0] == s0 * 0.0625f);
    float w[96], b[3] = {0.5f, -1.0f, 2.0f};
    for (int i = 0; i < 96; i++) {
        w[i] = (float)(i % 5) - 2.0f;
    }
    EmlNetLayer d = {EmlNetDense, EmlNetRelu, 0, 0, 0, 0, 0, 0, 0, 4, 4, 2, 1, 1, 3, 0, w, b, NULL, 0};
    CHECK(eml_net_layer_counts(&d, 0, &n) == EmlOk && n.weights == 96 && n.bias == 3);
    eml_net_layer_f(&d, x, out);
    for (int o = 0; o < 3; o++) {
        float acc = b[o];
        for (int i = 0; i < 32; i++) {
            acc += x[i] * w[o * 32 + i];
        }
        CHECK(out[o] == (acc > 0 ? acc : 0.0f));
    }
}

static void test_int8(void) {
    // dense 4 -> 2 int8, then a float output layer; check by hand
    const int8_t x[4] = {10, -20, 30, 127};
    const int8_t w[8] = {1, 2, 3, 4, -5, -6, -7, -8};
    const int32_t b[2] = {100, -100};
    const float scale[2] = {0.01f, 0.02f};
    EmlNetLayer d = {EmlNetDense, EmlNetRelu, 0, 0, 0, 0, 0, 0, 0, 1, 1, 4, 1, 1, 2, 0, w, b, scale, 10.0f};
    EmlNetCounts n;
    CHECK(eml_net_layer_counts(&d, 1, &n) == EmlOk && n.scale == 2);
    int8_t out[2];
    eml_net_layer_q(&d, x, out);
    const int32_t acc0 = 100 + 10 - 40 + 90 + 508;
    CHECK(out[0] == eml_net_quantize(eml_net_activate((float)acc0 * 0.01f, EmlNetRelu, 0) * 10.0f));
    CHECK(out[1] == 0);
    // a whole net: float outputs with softmax in the last layer
    EmlNetLayer layers[2] = {d, d};
    layers[1].in_c = 2;
    layers[1].activation = EmlNetSoftmax;
    layers[1].out_float = 1;
    CHECK(eml_net_buffer_bytes(layers, 2, 1) == 8);
    int8_t buf0[8], buf1[8];
    EmlNet net;
    CHECK(eml_net_init(&net, layers, 2, 1, buf0, buf1) == EmlOk);
    memcpy(buf0, x, 4);
    const float *p = eml_net_run(&net);
    CHECK(fabs(p[0] + p[1] - 1.0f) < 1e-6);
    layers[1].in_c = 3;
    CHECK(eml_net_init(&net, layers, 2, 1, buf0, buf1) == EmlSizeMismatch);
    layers[1].in_c = 2;
    layers[0].out_float = 1;
    CHECK(eml_net_init(&net, layers, 2, 1, buf0, buf1) == EmlUnsupported);
}

int main(void) {
    test_exp();
    test_functions();
    test_conv();
    test_pools_and_dense();
    test_int8();
    TEST_DONE("eml_net");
    return 0;
}
