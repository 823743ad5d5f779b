"""Neural networks for the emlnet module: convert a scikit-learn MLP, a
Keras 3 model or an ONNX graph, save it for emlnet.load(), and predict on
the computer exactly as the device does (export/net_emulate.py).

Layout: channels-last (NHWC, as Keras). The device's input is the h*w*c
values of one sample in that order (x[(y*w + x)*c + ch]); ONNX's NCHW
graphs are mapped to it (export/net_onnx.py).

int8: symmetric int8 weights with one scale per output channel, int8
activations with one scale per tensor (from the largest magnitude seen on
`calibration`), int32 accumulators and float32 requantization; the last
layer's output stays float32.
"""
import dataclasses
import os
import zlib

import numpy as np

from emlearn_micropython.export import net_emulate as emu

F = np.float32
KINDS = ('dense', 'conv2d', 'depthwise', 'maxpool', 'avgpool', 'globalavg', 'globalmax', 'activation')
LINE_VALUES = 64


from emlearn_micropython.export.net_layer import Layer, window_out  # noqa: F401


def pool_scale(layer):
    taps = layer.in_h * layer.in_w if layer.kind == 'globalavg' else layer.kh * layer.kw
    return np.array([1.0 / taps], F)


class Model:
    """A converted network: save(file) for the device, predict,
    predict_proba and run on the computer with the device's arithmetic."""

    def __init__(self, layers, input_shape, dtype='float32', calibration=None):
        self.layers = layers
        self.input_shape = tuple(input_shape)
        self.dtype = dtype
        self.calibration = calibration

    def fit(self):
        """Float scales; for int8 the quantized weights and scales."""
        if self.dtype not in ('float32', 'int8'):
            raise ValueError(f"dtype must be 'float32' or 'int8', got {self.dtype!r}")
        for layer in self.layers:
            layer.scale = pool_scale(layer) if layer.kind in ('avgpool', 'globalavg') else None
        self.float_layers_ = [dataclasses.replace(layer) for layer in self.layers]
        if self.dtype == 'int8':
            self._quantize()
        return self

    def _quantize(self):
        if self.calibration is None:
            raise ValueError("dtype='int8' needs calibration=X (rows of typical input)")
        x = self._batch(self.calibration)
        self.input_scale_ = tensor_scale(x)
        scale_in = self.input_scale_
        for i, layer in enumerate(self.layers):
            y = emu.layer_float(self.float_layers_[i], x)
            last = i == len(self.layers) - 1
            if layer.act == 'softmax' and not last:
                raise ValueError(f'layer {i}: int8 softmax only in the last layer')
            scale_out = tensor_scale(y)
            quantize_layer(layer, scale_in, scale_out, last)
            x, scale_in = y, scale_out

    def _batch(self, X):
        X = np.asarray(X, dtype=F)
        n = int(np.prod(self.input_shape))
        if X.size % n or (X.ndim > 1 and X[0].size != n):
            raise ValueError(f'X rows must have {n} values (input shape {self.input_shape}), got shape {X.shape}')
        return X.reshape((-1,) + self.input_shape)

    def run(self, X):
        """Raw outputs (n_samples, n_outputs), as emlnet's run()."""
        x = self._batch(X)
        if self.dtype == 'int8':
            x = emu.quantize(x * F(1.0 / self.input_scale_))
        y = emu.run(self.layers, x, self.dtype == 'int8')
        return y.reshape(len(x), -1)

    def predict_proba(self, X):
        y = self.run(X)
        return np.hstack([F(1) - y, y]) if y.shape[1] == 1 else y

    def predict(self, X):
        """Class index: the first largest output, or output > 0.5."""
        y = self.run(X)
        return (y[:, 0] > F(0.5)).astype(int) if y.shape[1] == 1 else np.argmax(y, axis=1)

    def save(self, file):
        """Write the emlnet text file to a path or a text stream."""
        if isinstance(file, str):
            with open(file, 'w', newline='\n') as f:
                return self.save(f)
        lines = self.lines()
        body = ''.join(lines)
        crc = zlib.crc32(body.encode('ascii'))
        file.write(body + f'end,{len(self.layers)},{len(lines)},{crc:08x}\n')

    def lines(self):
        int8 = self.dtype == 'int8'
        h, w, c = self.input_shape
        inv = hex32(1.0 / self.input_scale_) if int8 else hex32(1.0)
        out = [f'emlnet,1,{int(int8)},{len(self.layers)},{h},{w},{c},{inv}\n']
        for layer in self.layers:
            fields = [KINDS.index(layer.kind) + 1, emu.ACTIVATIONS.index(layer.act), layer.out_float,
                      layer.kh, layer.kw, layer.sh, layer.sw, layer.pad_top, layer.pad_left, *layer.out_shape]
            out.append('layer,' + ','.join(map(str, fields)) +
                       f',{hex32(layer.alpha)},{hex32(layer.out_inv_scale)}\n')
            for tag, values in (('w', layer.weights), ('b', layer.bias), ('s', layer.scale)):
                out.extend(value_lines(tag, values))
        return out

    @property
    def n_weights(self):
        return sum(0 if layer.weights is None else layer.weights.size for layer in self.layers)

    def buffer_bytes(self):
        """Bytes of each of the device's two activation buffers."""
        size = 1 if self.dtype == 'int8' else 4
        sizes = [int(np.prod(self.input_shape)) * size]
        sizes += [int(np.prod(lay.out_shape)) * (4 if lay.out_float else size) for lay in self.layers]
        return max(sizes)


def tensor_scale(x):
    most = float(np.max(np.abs(x))) if np.size(x) else 0.0
    return most / 127.0 if most > 0 else 1.0


def quantize_layer(layer, scale_in, scale_out, last):
    """int8 weights (per output channel), int32 bias, float32 scales."""
    layer.out_float = int(last)
    layer.out_inv_scale = F(1.0 / scale_out)
    if layer.kind in ('dense', 'conv2d', 'depthwise'):
        w = layer.weights
        axis = w.ndim - 1 if layer.kind == 'depthwise' else 0
        other = tuple(a for a in range(w.ndim) if a != axis)
        w_scale = np.max(np.abs(w), axis=other) / 127.0
        w_scale = np.where(w_scale > 0, w_scale, 1.0)
        shape = [1] * w.ndim
        shape[axis] = -1
        layer.weights = np.clip(np.round(w / w_scale.reshape(shape)), -127, 127).astype(np.int8)
        bias = np.round(layer.bias.astype(np.float64) / (scale_in * w_scale))
        layer.bias = np.clip(bias, -2**30, 2**30).astype(np.int32)
        layer.scale = (scale_in * w_scale).astype(F)
    elif layer.kind in ('avgpool', 'globalavg'):
        layer.scale = np.array([scale_in * float(pool_scale(layer)[0])], F)
    else:
        layer.scale = np.array([scale_in], F)


def hex32(v):
    return f'{int(emu.float_to_bits(v)):08x}'


def value_lines(tag, values):
    if values is None or values.size == 0:
        return []
    flat = values.reshape(-1)
    if flat.dtype == np.int8:
        digits = flat.view(np.uint8)
        text = [f'{int(v):02x}' for v in digits]
    else:
        words = flat.view(np.uint32) if flat.dtype == F else flat.astype(np.int32).view(np.uint32)
        text = [f'{int(v):08x}' for v in words]
    return [f'{tag},' + ''.join(text[i:i + LINE_VALUES]) + '\n' for i in range(0, len(text), LINE_VALUES)]


def from_sklearn(model):
    """Dense layers of a fitted MLPClassifier/MLPRegressor."""
    acts = {'relu': 'relu', 'tanh': 'tanh', 'logistic': 'sigmoid', 'identity': 'linear', 'softmax': 'softmax'}
    n_in = model.coefs_[0].shape[0]
    layers = []
    for i, (w, b) in enumerate(zip(model.coefs_, model.intercepts_)):
        last = i == len(model.coefs_) - 1
        act = model.out_activation_ if last else model.activation
        if act not in acts:
            raise ValueError(f'layer {i}: unsupported activation {act!r}')
        layers.append(Layer('dense', (1, 1, w.shape[0]), (1, 1, w.shape[1]), acts[act],
                            weights=np.ascontiguousarray(w.T, dtype=F), bias=b.astype(F)))
    return layers, (1, 1, n_in)


def source_of(model):
    """Which converter reads this model: 'sklearn', 'keras' or 'onnx'."""
    name = type(model).__name__
    module = type(model).__module__
    if name in ('MLPClassifier', 'MLPRegressor'):
        return 'sklearn'
    if module.startswith('keras'):
        return 'keras'
    if name == 'ModelProto' or isinstance(model, (str, os.PathLike)) and os.fspath(model).endswith('.onnx'):
        return 'onnx'
    raise ValueError(f'cannot convert {name}: give an MLPClassifier/MLPRegressor, a Keras model, '
                     'an ONNX model or a .onnx path')


def convert(model, dtype='float32', calibration=None):
    """A Model for emlnet from a fitted scikit-learn MLP, a Keras 3 model,
    or an ONNX ModelProto (or .onnx path). Frameworks are imported only
    for their own models. Unsupported layers raise ValueError naming the
    layer and its index."""
    source = source_of(model)
    if source == 'sklearn':
        layers, shape = from_sklearn(model)
    elif source == 'keras':
        from emlearn_micropython.export import net_keras
        layers, shape = net_keras.layers_of(model)
    else:
        from emlearn_micropython.export import net_onnx
        layers, shape = net_onnx.layers_of(model)
    return Model(layers, shape, dtype=dtype, calibration=calibration).fit()


# For export.convert(): the class names this exporter takes.
ESTIMATORS = ('MLPClassifier', 'MLPRegressor', 'Sequential', 'Functional', 'ModelProto', '.onnx')
