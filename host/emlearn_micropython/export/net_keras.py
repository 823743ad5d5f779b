"""Keras 3 models (Sequential, or functional chains) to emlnet layers.
BatchNormalization is folded into the layer before it, Dropout dropped,
Flatten/Reshape change only the shape (NHWC is the device's layout)."""
import numpy as np

from emlearn_micropython.export.net_layer import Layer, window_out
from emlearn_micropython.export.net_build import Builder

F = np.float32
SKIPPED = ('InputLayer', 'Dropout', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout')


def activation_name(fn, where):
    name = fn if isinstance(fn, str) else getattr(fn, '__name__', str(fn))
    name = {'softmax_v2': 'softmax', None: 'linear'}.get(name, name)
    if name not in ('linear', 'relu', 'relu6', 'leaky_relu', 'sigmoid', 'tanh', 'softmax'):
        raise ValueError(f'{where}: unsupported activation {name!r}')
    return name


def check_2d(layer, where, dilation=True):
    cfg = layer.get_config()
    if cfg.get('data_format', 'channels_last') != 'channels_last':
        raise ValueError(f'{where}: data_format must be channels_last')
    if dilation and tuple(cfg.get('dilation_rate', (1, 1))) != (1, 1):
        raise ValueError(f'{where}: dilation_rate must be 1')
    if cfg.get('groups', 1) != 1:
        raise ValueError(f'{where}: groups must be 1')
    return cfg


def conv(b, layer, where, kind, kernel, bias, act='linear'):
    cfg = check_2d(layer, where)
    (kh, kw), (sh, sw) = cfg['kernel_size'], cfg['strides']
    h, w, c = b.shape
    oh, pt = window_out(h, kh, sh, cfg['padding'])
    ow, pl = window_out(w, kw, sw, cfg['padding'])
    if kind == 'conv2d':
        weights = kernel.transpose(3, 0, 1, 2)
    else:
        weights = kernel.reshape(kh, kw, -1)
    out_c = weights.shape[0] if kind == 'conv2d' else weights.shape[2]
    bias = np.zeros(out_c, F) if bias is None else bias
    b.add(Layer(kind, (h, w, c), (oh, ow, out_c), act, kh=kh, kw=kw, sh=sh, sw=sw, pad_top=pt,
                pad_left=pl, weights=np.ascontiguousarray(weights, F), bias=bias.astype(F)), where)


def pool(b, layer, where, kind):
    cfg = check_2d(layer, where, dilation=False)
    if cfg['padding'] != 'valid':
        raise ValueError(f"{where}: pooling padding must be 'valid'")
    (kh, kw) = cfg['pool_size']
    (sh, sw) = cfg['strides'] or cfg['pool_size']
    h, w, c = b.shape
    b.add(Layer(kind, (h, w, c), ((h - kh) // sh + 1, (w - kw) // sw + 1, c), kh=kh, kw=kw, sh=sh, sw=sw), where)


def weights_of(layer):
    return [np.asarray(v, dtype=np.float64) for v in layer.get_weights()]


def add_layer(b, layer, where):
    name = type(layer).__name__
    cfg = layer.get_config()
    ws = weights_of(layer)
    use_bias = cfg.get('use_bias', False)
    act = lambda: activation_name(cfg.get('activation', 'linear'), where)
    if name == 'Dense':
        b.dense(ws[0].T, ws[1] if use_bias else np.zeros(ws[0].shape[1]), act(), where)
    elif name == 'Conv2D':
        conv(b, layer, where, 'conv2d', ws[0], ws[1] if use_bias else None, act())
    elif name == 'DepthwiseConv2D':
        conv(b, layer, where, 'depthwise', ws[0], ws[1] if use_bias else None, act())
    elif name == 'SeparableConv2D':
        conv(b, layer, where, 'depthwise', ws[0], None)
        h, w, c = b.shape
        pw = ws[1].reshape(c, -1).T
        bias = ws[2] if use_bias else np.zeros(pw.shape[0])
        b.add(Layer('conv2d', (h, w, c), (h, w, pw.shape[0]), act(), kh=1, kw=1,
                    weights=np.ascontiguousarray(pw.reshape(-1, 1, 1, c), F), bias=bias.astype(F)), where)
    elif name in ('MaxPooling2D', 'AveragePooling2D'):
        pool(b, layer, where, 'maxpool' if name.startswith('Max') else 'avgpool')
    elif name in ('GlobalAveragePooling2D', 'GlobalMaxPooling2D'):
        check_2d(layer, where, dilation=False)
        b.global_pool('globalavg' if 'Average' in name else 'globalmax', where)
    elif name in ('Flatten', 'Reshape'):
        b.reshape(tuple(layer.output.shape[1:]), where)
    elif name == 'BatchNormalization':
        if cfg['axis'] not in (-1, len(layer.input.shape) - 1, [-1], [len(layer.input.shape) - 1]):
            raise ValueError(f'{where}: BatchNormalization must normalize the channel axis')
        gamma = ws.pop(0) if cfg['scale'] else 1.0
        beta = ws.pop(0) if cfg['center'] else 0.0
        b.batchnorm(gamma, beta, ws[0], ws[1], cfg['epsilon'], where)
    elif name in ('Activation', 'ReLU', 'LeakyReLU', 'Softmax'):
        b.activation(*keras_activation(name, cfg, where), where)
    elif name not in SKIPPED:
        raise ValueError(f'{where}: unsupported layer {name}')
    if cfg.get('activation') == 'leaky_relu':
        b.layers[-1].alpha = 0.2  # keras.activations.leaky_relu's slope


def keras_activation(name, cfg, where):
    if name == 'Activation':
        return activation_name(cfg['activation'], where), 0.0
    if name == 'LeakyReLU':
        return 'leaky_relu', cfg.get('negative_slope', cfg.get('alpha', 0.3))
    if name == 'Softmax':
        return 'softmax', 0.0
    slope, top = cfg.get('negative_slope', 0.0), cfg.get('max_value')
    if cfg.get('threshold', 0.0) != 0.0 or (slope and top is not None):
        raise ValueError(f'{where}: ReLU with a threshold or with both max_value and negative_slope')
    if top is not None:
        if float(top) != 6.0:
            raise ValueError(f'{where}: ReLU max_value must be 6')
        return 'relu6', 0.0
    return ('leaky_relu', slope) if slope else ('relu', 0.0)


def layers_of(model):
    """(layers, input shape (h, w, c)) of a Keras model that is a chain."""
    shape = tuple(model.inputs[0].shape[1:])
    if any(d is None for d in shape):
        raise ValueError(f'input shape must be fixed, got {shape}')
    b = Builder(shape)
    prev = None
    for i, layer in enumerate(model.layers):
        where = f'layer {i} ({layer.name}, {type(layer).__name__})'
        if prev is not None and type(prev).__name__ != 'InputLayer' and layer.input is not prev.output:
            raise ValueError(f'{where}: the model must be a chain of layers')
        add_layer(b, layer, where)
        prev = layer
    return b.finish()
