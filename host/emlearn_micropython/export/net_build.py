"""The layer list that the Keras and ONNX readers build, one source layer
at a time: folds BatchNormalization and activations into the layer before
them, keeps Flatten/Reshape as shape changes (a copy layer only when a
spatial layer needs the new shape)."""
import numpy as np

from emlearn_micropython.export.net_layer import Layer

F = np.float32


def as_hwc(shape, where):
    shape = tuple(int(d) for d in shape)
    if len(shape) == 1:
        return (1, 1) + shape
    if len(shape) == 2:
        return (1,) + shape
    if len(shape) == 3:
        return shape
    raise ValueError(f'{where}: shape {shape} has more than 3 dimensions')


class Builder:
    def __init__(self, input_shape):
        self.input_shape = as_hwc(input_shape, 'input')
        self.shape = self.input_shape
        self.layers = []

    def prev_shape(self):
        return self.layers[-1].out_shape if self.layers else self.input_shape

    def add(self, layer, where):
        if min(layer.out_shape) < 1:
            raise ValueError(f'{where}: empty output shape {layer.out_shape}')
        prev = self.prev_shape()
        if layer.in_shape != prev:
            if layer.kind == 'dense':
                layer.in_shape = prev
            elif not self.layers:
                self.input_shape = layer.in_shape
            else:
                self.layers.append(Layer('activation', prev, layer.in_shape))
        self.layers.append(layer)
        self.shape = layer.out_shape

    def dense(self, w, b, act, where):
        h, w_, c = self.shape
        if h * w_ > 1:
            raise ValueError(f'{where}: Dense needs a flat input (Flatten first), got {self.shape}')
        if w.shape[1] != c:
            raise ValueError(f'{where}: weights for {w.shape[1]} inputs, input has {c}')
        self.add(Layer('dense', self.shape, (1, 1, w.shape[0]), act,
                       weights=np.ascontiguousarray(w, F), bias=np.asarray(b, F)), where)

    def global_pool(self, kind, where):
        h, w, c = self.shape
        self.add(Layer(kind, self.shape, (1, 1, c)), where)

    def reshape(self, shape, where):
        shape = as_hwc(shape, where)
        if np.prod(shape) != np.prod(self.shape):
            raise ValueError(f'{where}: cannot reshape {self.shape} to {shape}')
        self.shape = shape

    def foldable(self, where, what):
        last = self.layers[-1] if self.layers else None
        if last is None or last.out_shape != self.shape or last.act != 'linear':
            raise ValueError(f'{where}: {what} must follow a layer without activation')
        return last

    def batchnorm(self, gamma, beta, mean, var, eps, where):
        last = self.foldable(where, 'BatchNormalization')
        if last.kind not in ('dense', 'conv2d', 'depthwise'):
            raise ValueError(f'{where}: BatchNormalization must follow Dense or a convolution')
        s = np.asarray(gamma, np.float64) / np.sqrt(np.asarray(var, np.float64) + eps)
        w = last.weights.astype(np.float64)
        w = w * s if last.kind == 'depthwise' else w * s.reshape((-1,) + (1,) * (w.ndim - 1))
        last.weights = w.astype(F)
        last.bias = ((last.bias - np.asarray(mean, np.float64)) * s + beta).astype(F)

    def activation(self, act, alpha, where):
        last = self.layers[-1] if self.layers else None
        if last is not None and last.out_shape == self.shape and last.act == 'linear':
            last.act, last.alpha = act, float(alpha)
            return
        self.add(Layer('activation', self.shape, self.shape, act, alpha=float(alpha)), where)

    def finish(self):
        if not self.layers:
            raise ValueError('the model has no layers to run')
        return self.layers, self.input_shape
