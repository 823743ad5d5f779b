"""numpy twin of lib/emlearn/eml_net.h: the same float32 operations in the
same order, so that a model's predict on the computer gives the device's
bits. Arrays are batches: (n, h, w, c) channels-last, float32 or int8.
"""
import numpy as np

F = np.float32
ACTIVATIONS = ('linear', 'relu', 'relu6', 'leaky_relu', 'sigmoid', 'tanh', 'softmax')


def bits_to_float(u):
    return np.asarray(u, dtype=np.uint32).view(F)


def float_to_bits(f):
    return np.asarray(f, dtype=F).view(np.uint32)


def round_away(v):
    """int(v + (v >= 0 ? 0.5 : -0.5)) in float32: C's truncating cast."""
    v = np.asarray(v, dtype=F)
    return np.trunc(v + np.where(v >= 0, F(0.5), F(-0.5))).astype(np.int64)


def exp(x):
    x = np.asarray(x, dtype=F)
    k = round_away(np.where(np.abs(x) < 200, x, 0) * F(1.44269504))
    kf = k.astype(F)
    r = (x - kf * F(0.693145751953125)) - kf * F(1.428606765330187e-06)
    p = F(1.98412698e-4)
    for c in (1.38888889e-3, 8.33333333e-3, 4.16666667e-2, 1.66666667e-1, 0.5, 1.0, 1.0):
        p = p * r + F(c)
    k1 = np.sign(k) * (np.abs(k) // 2)
    s1 = bits_to_float(((k1 + 127) << 23).astype(np.uint32))
    s2 = bits_to_float(((k - k1 + 127) << 23).astype(np.uint32))
    y = (p * s1) * s2
    y = np.where(x > F(88.72283), F(np.inf), y)
    return np.where(x > F(-87.33), y, np.where(np.isnan(x), x, F(0))).astype(F)


def recip(d):
    d = np.asarray(d, dtype=F)
    y = bits_to_float((np.uint32(0x7ef311c3) - float_to_bits(d)).astype(np.uint32))
    for _ in range(4):
        y = y * (F(2) - d * y)
    return y


def sigmoid(x):
    e = exp(np.where(x >= 0, -x, x))
    s = recip(F(1) + e)
    return np.where(x >= 0, s, e * s)


def tanh(x):
    a = np.abs(x)
    a2 = a * a
    small = a + a * (a2 * (F(-0.333333333) + a2 * F(0.133333333)))
    e = exp(F(-2) * a)
    t = np.where(a < F(0.0625), small, (F(1) - e) * recip(F(1) + e))
    return np.where(x >= 0, t, -t).astype(F)


def activate(v, act, alpha):
    v = np.asarray(v, dtype=F)
    if act == 'relu':
        return np.where(v > 0, v, F(0))
    if act == 'relu6':
        return np.where(v > 0, np.where(v < 6, v, F(6)), F(0))
    if act == 'leaky_relu':
        return np.where(v >= 0, v, v * F(alpha))
    if act == 'sigmoid':
        return sigmoid(v)
    if act == 'tanh':
        return tanh(v)
    return v  # linear, and softmax (applied after the layer)


def softmax(v):
    """Over the last axis, summed left to right as the C loop does."""
    most = v.max(axis=-1, keepdims=True)
    e = exp(v - most)
    total = np.zeros(v.shape[:-1], dtype=F)
    for i in range(v.shape[-1]):
        total = total + e[..., i]
    return e * recip(total)[..., None]


def quantize(v):
    v = np.asarray(v, dtype=F)
    v = v + np.where(v >= 0, F(0.5), F(-0.5))
    q = np.trunc(np.clip(np.nan_to_num(v, nan=0.0), -128, 127))
    return q.astype(np.int8)


def padded(x, layer):
    """x with zeros around it: pad_top/pad_left and enough below/right."""
    n, h, w, c = x.shape
    bottom = max((layer.out_h - 1) * layer.sh + layer.kh - h - layer.pad_top, 0)
    right = max((layer.out_w - 1) * layer.sw + layer.kw - w - layer.pad_left, 0)
    return np.pad(x, ((0, 0), (layer.pad_top, bottom), (layer.pad_left, right), (0, 0)))


def taps(xp, layer, ky, kx):
    """The input under tap (ky, kx) of every window: (n, out_h, out_w, c)."""
    return xp[:, ky:ky + (layer.out_h - 1) * layer.sh + 1:layer.sh,
              kx:kx + (layer.out_w - 1) * layer.sw + 1:layer.sw, :]


def accumulate(layer, x, acc):
    """acc plus every product of the layer, in the C loop order; acc and x
    are float32 (rounded at each step) or int64 (exact)."""
    kind = layer.kind
    w = layer.weights.astype(acc.dtype)
    if kind == 'dense':
        flat = x.reshape(len(x), -1).astype(acc.dtype)
        if acc.dtype != F:
            return acc + flat @ w.T
        for i in range(flat.shape[1]):
            acc = acc + flat[:, i:i + 1] * w[:, i]
        return acc
    xp = padded(x.astype(acc.dtype), layer)
    mult = layer.out_c // layer.in_c
    for ky in range(layer.kh):
        for kx in range(layer.kw):
            t = taps(xp, layer, ky, kx)
            if kind == 'depthwise':
                acc = acc + np.repeat(t, mult, axis=-1) * w[ky, kx]
                continue
            for ic in range(layer.in_c):
                acc = acc + t[..., ic:ic + 1] * w[:, ky, kx, ic]
    return acc


def pool(layer, x, dtype):
    """Max or sum over each window (C order), (n, out_h, out_w, c)."""
    x = x.astype(dtype)
    if layer.kind.startswith('global'):
        kh, kw, sh, sw = x.shape[1], x.shape[2], 1, 1
    else:
        kh, kw, sh, sw = layer.kh, layer.kw, layer.sh, layer.sw
    acc = None
    for ky in range(kh):
        for kx in range(kw):
            t = x[:, ky:ky + (layer.out_h - 1) * sh + 1:sh, kx:kx + (layer.out_w - 1) * sw + 1:sw, :]
            if acc is None:
                acc = t if 'max' in layer.kind else np.zeros_like(t) + t
            else:
                acc = np.maximum(acc, t) if 'max' in layer.kind else acc + t
    return acc


def layer_float(layer, x):
    if layer.kind in ('dense', 'conv2d', 'depthwise'):
        shape = (len(x), layer.out_h, layer.out_w, layer.out_c)
        acc = np.zeros(shape, F) + layer.bias.astype(F)
        acc = accumulate(layer, x, acc.reshape(len(x), -1) if layer.kind == 'dense' else acc)
        acc = acc.reshape(shape)
    elif layer.kind == 'activation':
        acc = x.reshape(len(x), layer.out_h, layer.out_w, layer.out_c)
    else:
        acc = pool(layer, x, F)
        if 'avg' in layer.kind:
            acc = acc * layer.scale[0]
    y = activate(acc, layer.act, layer.alpha)
    return softmax(y) if layer.act == 'softmax' else y


def layer_int8(layer, x):
    """int8 input -> int8 output, or float32 for the last layer."""
    shape = (len(x), layer.out_h, layer.out_w, layer.out_c)
    if layer.kind in ('dense', 'conv2d', 'depthwise'):
        acc = np.zeros(shape, np.int64) + layer.bias.astype(np.int64)
        acc = accumulate(layer, x, acc.reshape(len(x), -1) if layer.kind == 'dense' else acc)
        acc = acc.reshape(shape)
    elif layer.kind == 'activation':
        acc = x.reshape(shape).astype(np.int64)
    else:
        acc = pool(layer, x, np.int64)
    assert np.abs(acc).max(initial=0) < 2**31, 'int32 accumulator overflow'
    v = activate(acc.astype(F) * layer.scale, layer.act, layer.alpha)
    if layer.out_float:
        return softmax(v) if layer.act == 'softmax' else v
    return quantize(v * F(layer.out_inv_scale))


def run(layers, x, int8):
    for layer in layers:
        x = layer_int8(layer, x) if int8 else layer_float(layer, x)
    return x
