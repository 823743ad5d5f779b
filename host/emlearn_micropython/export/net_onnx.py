"""ONNX graphs (an onnx.ModelProto or a .onnx path) to emlnet layers.

emlnet runs a chain: the nodes from the graph's one input to its one
float32 output (a skl2onnx classifier's label branch is not on that path
and is left out). Each node on the chain must be one of OPS, or the
conversion stops with a ValueError naming the node's index and op.

Layout: ONNX tensors are NCHW, emlnet's are channels-last. The device (and
the computer's predict/run, and calibration=) take one sample as its
h*w*c values in channels-last order: nhwc(X) turns ONNX (n, c, h, w) rows
into those. To read them, convolution weights (out, in, kh, kw) become
(out, kh, kw, in), and a Gemm/MatMul after a Flatten of an (h, w, c) map
gets its columns permuted from ONNX's c*h*w order to the device's h*w*c
order. With one channel (a spectrogram) or a flat input the two orders
are the same bytes.
"""
import os

import numpy as np

from emlearn_micropython.export.net_build import Builder
from emlearn_micropython.export.net_layer import Layer, window_out

F = np.float32
FLOAT = 1   # onnx.TensorProto.FLOAT
ACTIVATIONS = {'Relu': 'relu', 'Sigmoid': 'sigmoid', 'Tanh': 'tanh'}


def nhwc(X):
    """ONNX-ordered samples (n, c, h, w) as the rows the device takes."""
    X = np.asarray(X)
    return X.transpose(0, 2, 3, 1).reshape(len(X), -1) if X.ndim == 4 else X


def load(model):
    import onnx
    if isinstance(model, (str, os.PathLike)):
        return onnx.load(os.fspath(model))
    return model


def attrs(node):
    from onnx import helper
    out = {}
    for a in node.attribute:
        v = helper.get_attribute_value(a)
        out[a.name] = v.decode() if isinstance(v, bytes) else v
    return out


def constants(graph):
    """{tensor name: numpy value} of the initializers and Constant nodes."""
    from onnx import numpy_helper
    values = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    for node in graph.node:
        if node.op_type == 'Constant':
            v = next(iter(attrs(node).values()))
            values[node.output[0]] = numpy_helper.to_array(v) if hasattr(v, 'dims') else np.asarray(v)
    return values


def where_of(i, node):
    return f'node {i} ({node.name}, {node.op_type})' if node.name else f'node {i} ({node.op_type})'


def data_inputs(node, values):
    """The inputs computed from the graph input (a Reshape's shape is a
    parameter even when computed)."""
    names = node.input[:1] if node.op_type == 'Reshape' else node.input
    return [n for n in names if n and n not in values]


def the_output(graph):
    floats = [o.name for o in graph.output if o.type.tensor_type.elem_type == FLOAT]
    if len(floats) != 1:
        names = [o.name for o in graph.output]
        raise ValueError(f'the graph must have one float32 output, it has {len(floats)} of {names} '
                         "(keep one with onnx.utils.extract_model; skl2onnx: options={id(model): {'zipmap': False}})")
    return floats[0]


def chain(graph, values):
    """(input value_info, [node index]) from the input to the output."""
    inputs = [i for i in graph.input if i.name not in values]
    if len(inputs) != 1:
        raise ValueError(f'the graph must have one input, it has {[i.name for i in inputs]}')
    producer = {out: i for i, node in enumerate(graph.node) for out in node.output}
    order, name = [], the_output(graph)
    while name != inputs[0].name:
        if name not in producer:
            raise ValueError(f'tensor {name!r} is not computed from the input {inputs[0].name!r}')
        i = producer[name]
        data = data_inputs(graph.node[i], values)
        if len(data) != 1:
            raise ValueError(f'{where_of(i, graph.node[i])}: takes {len(data)} tensors computed from '
                             'the input: emlnet runs a chain of layers')
        order.append(i)
        name = data[0]
    return inputs[0], order[::-1]


def dims_of(value_info):
    t = value_info.type.tensor_type
    return [d.dim_value if d.HasField('dim_value') else None for d in t.shape.dim]


def opset_of(model):
    return next((o.version for o in model.opset_import if o.domain in ('', 'ai.onnx')), 1)


def inferred_dims(model):
    """{tensor name: dims} from ONNX shape inference (for computed Reshape shapes)."""
    from onnx import shape_inference
    graph = shape_inference.infer_shapes(model).graph
    return {v.name: dims_of(v) for v in list(graph.value_info) + list(graph.output)}


class Reader:
    """Adds the nodes of the chain one by one to a Builder; rank is the ONNX
    rank of the current tensor (2: (n, f), 4: (n, c, h, w)); perm, after a
    Flatten of an (h, w, c) map, the ONNX flat index of each device value."""

    def __init__(self, model, values):
        self.model, self.values = model, values
        self.opset = opset_of(model)
        self.perm = None
        self.dims = None

    def start(self, value_info):
        if value_info.type.tensor_type.elem_type != FLOAT:
            raise ValueError(f'input {value_info.name!r} must be float32')
        dims = dims_of(value_info)[1:]
        if len(dims) not in (1, 3) or any(d is None for d in dims):
            raise ValueError(f'input {value_info.name!r} must be (n, features) or (n, c, h, w) '
                             f'with fixed sizes, got {dims_of(value_info)}')
        self.rank = len(dims) + 1
        self.b = Builder((dims[1], dims[2], dims[0]) if self.rank == 4 else dims)

    def const(self, node, k, where, what):
        name = node.input[k] if k < len(node.input) else ''
        if not name:
            return None
        if name not in self.values:
            raise ValueError(f'{where}: {what} must be a constant (an initializer)')
        return np.asarray(self.values[name], np.float64)

    def channel_vector(self, c, n, where):
        """A constant broadcast over (n, c[, h, w]) that varies only by channel."""
        shape = (1,) * (self.rank - c.ndim) + c.shape
        if c.size != 1 and shape != (1, n) + (1,) * (self.rank - 2):
            raise ValueError(f'{where}: constant of shape {c.shape} is not one value per channel ({n})')
        return np.broadcast_to(c.reshape(-1), (n,)).astype(np.float64)

    def dense(self, w, bias, where):
        if self.perm is not None and w.shape[1] == len(self.perm):
            w = w[:, self.perm]
        self.perm = None
        self.b.dense(w, bias, 'linear', where)

    def flat_input(self, where):
        if self.rank != 2:
            raise ValueError(f'{where}: needs a 2-D input (n, features): Flatten first')

    def gemm(self, node, where):
        self.flat_input(where)
        a = attrs(node)
        if a.get('transA', 0):
            raise ValueError(f'{where}: transA must be 0')
        w = self.const(node, 1, where, 'B')
        w = (w if a.get('transB', 0) else w.T) * a.get('alpha', 1.0)
        c = self.const(node, 2, where, 'C')
        bias = np.zeros(w.shape[0]) if c is None else self.channel_vector(c * a.get('beta', 1.0), w.shape[0], where)
        self.dense(w, bias, where)

    def matmul(self, node, where):
        self.flat_input(where)
        w = self.const(node, 1, where, 'the second input')
        if w.ndim != 2:
            raise ValueError(f'{where}: MatMul needs a 2-D constant weight')
        self.dense(w.T, np.zeros(w.shape[1]), where)

    def add(self, node, where):
        c = [n for n in node.input if n in self.values]
        last = self.b.foldable(where, 'Add')
        if last.kind not in ('dense', 'conv2d', 'depthwise'):
            raise ValueError(f'{where}: Add must be a bias after Gemm, MatMul or Conv')
        c = np.asarray(self.values[c[0]], np.float64)
        last.bias = (last.bias + self.channel_vector(c, last.out_c, where)).astype(F)

    def conv(self, node, where):
        a = attrs(node)
        w = self.const(node, 1, where, 'W')
        if w.ndim != 4 or self.rank != 4:
            raise ValueError(f'{where}: only 2-D convolutions of (n, c, h, w) tensors')
        if any(d != 1 for d in a.get('dilations', [1, 1])):
            raise ValueError(f'{where}: dilations must be 1')
        h, w_in, c = self.b.shape
        m, per_group, kh, kw = w.shape
        group = a.get('group', 1)
        if group == 1 and per_group == c:
            kind, weights = 'conv2d', w.transpose(0, 2, 3, 1)
        elif group == c and per_group == 1 and m % c == 0:
            kind, weights = 'depthwise', w[:, 0].transpose(1, 2, 0)
        else:
            raise ValueError(f'{where}: group={group} with {c} input channels: only 1 or depthwise')
        sh, sw = a.get('strides', [1, 1])
        (oh, pt), (ow, pl) = self.windows(a, (h, w_in), (kh, kw), (sh, sw), where)
        bias = self.const(node, 2, where, 'B')
        bias = np.zeros(m) if bias is None else bias
        self.b.add(Layer(kind, (h, w_in, c), (oh, ow, m), kh=kh, kw=kw, sh=sh, sw=sw, pad_top=pt, pad_left=pl,
                         weights=np.ascontiguousarray(weights, F), bias=bias.astype(F)), where)

    def windows(self, a, sizes, kernel, strides, where):
        """[(output size, padding before)] along h and w."""
        auto = a.get('auto_pad', 'NOTSET')
        pads = a.get('pads', [0, 0, 0, 0])
        out = []
        for i, (n, k, s) in enumerate(zip(sizes, kernel, strides)):
            if auto in ('SAME_UPPER', 'SAME_LOWER'):
                size, before = window_out(n, k, s, 'same')
                total = max((size - 1) * s + k - n, 0)
                before = total - before if auto == 'SAME_LOWER' else before
            elif auto == 'VALID':
                size, before = window_out(n, k, s, 'valid')
            else:
                before = pads[i]
                size = (n + before + pads[i + 2] - k) // s + 1
            if size < 1 or before >= k or (size - 1) * s - before >= n:
                raise ValueError(f'{where}: padding {pads} does not fit kernel {kernel} on {sizes}')
            out.append((size, before))
        return out

    def pool(self, node, where):
        a = attrs(node)
        if self.rank != 4:
            raise ValueError(f'{where}: pools need an (n, c, h, w) input')
        if any(a.get('pads', [0])) or a.get('auto_pad', 'NOTSET') not in ('NOTSET', 'VALID'):
            raise ValueError(f'{where}: pooling with padding is not supported')
        if any(d != 1 for d in a.get('dilations', [1, 1])):
            raise ValueError(f'{where}: dilations must be 1')
        h, w, c = self.b.shape
        kh, kw = a['kernel_shape']
        sh, sw = a.get('strides', [1, 1])
        oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
        if a.get('ceil_mode', 0) and (-(-(h - kh) // sh) + 1, -(-(w - kw) // sw) + 1) != (oh, ow):
            raise ValueError(f'{where}: ceil_mode=1 would need padding')
        kind = 'maxpool' if node.op_type == 'MaxPool' else 'avgpool'
        self.b.add(Layer(kind, (h, w, c), (oh, ow, c), kh=kh, kw=kw, sh=sh, sw=sw), where)

    def flatten(self, where):
        h, w, c = self.b.shape
        if self.rank == 4 and h * w > 1 and c > 1:
            self.perm = np.arange(h * w * c).reshape(c, h, w).transpose(1, 2, 0).reshape(-1)
        self.b.reshape((h * w * c,), where)
        self.rank = 2

    def reshape(self, node, where):
        target = self.values.get(node.input[1])
        if target is None:
            self.dims = self.dims or inferred_dims(self.model)
            target = self.dims.get(node.output[0])
            if target is None or any(d is None for d in target[1:]):
                raise ValueError(f'{where}: the target shape must be a constant')
        target = self.resolve([int(d) for d in target], attrs(node).get('allowzero', 0), where)
        h, w, c = self.b.shape
        if len(target) == 2:
            return self.flatten(where)
        ch, th, tw = (target + [0, 0, 0])[1:4]
        channels_kept = self.rank == 4 and ch == c
        from_flat = self.rank == 2 and self.perm is None and (ch == 1 or th * tw == 1)
        if len(target) != 4 or not (channels_kept or from_flat):
            raise ValueError(f'{where}: reshape to {target}: emlnet reshapes to (n, features), '
                             'or keeps the channels of an (n, c, h, w) map')
        self.b.reshape((th, tw, ch), where)
        self.rank = 4

    def resolve(self, target, allowzero, where):
        """ONNX Reshape's 0 (copy) and -1 (infer) resolved, batch 1."""
        h, w, c = self.b.shape
        now = [1, c, h, w] if self.rank == 4 else [1, h * w * c]
        out = [now[i] if d == 0 and not allowzero and i < len(now) else d for i, d in enumerate(target)]
        if out.count(-1) == 1:
            known = int(np.prod([d for d in out if d != -1]))
            out[out.index(-1)] = h * w * c // max(known, 1)
        if out[:1] != [1] or int(np.prod(out)) != h * w * c:
            raise ValueError(f'{where}: cannot reshape {now} to {target}')
        return out

    def softmax(self, node, where):
        axis = attrs(node).get('axis', -1 if self.opset >= 13 else 1)
        axis = axis + self.rank if axis < 0 else axis
        h, w, _ = self.b.shape
        if axis != 1 or self.perm is not None or (self.opset < 13 and h * w > 1):
            raise ValueError(f'{where}: softmax only over the channels (axis 1)')
        self.b.activation('softmax', 0.0, where)

    def clip(self, node, where):
        a = attrs(node)
        lo = self.const(node, 1, where, 'min') if len(node.input) > 1 else a.get('min')
        hi = self.const(node, 2, where, 'max') if len(node.input) > 2 else a.get('max')
        lo, hi = (None if v is None else float(v) for v in (lo, hi))
        if lo != 0.0 or hi not in (6.0, None):
            raise ValueError(f'{where}: Clip only as relu (min 0) or relu6 (min 0, max 6)')
        self.b.activation('relu6' if hi == 6.0 else 'relu', 0.0, where)

    def batchnorm(self, node, where):
        a = attrs(node)
        if a.get('training_mode', 0):
            raise ValueError(f'{where}: training_mode must be 0')
        gamma, beta, mean, var = (self.const(node, k, where, 'parameters') for k in range(1, 5))
        self.b.batchnorm(gamma, beta, mean, var, a.get('epsilon', 1e-5), where)

    def activation(self, node, where):
        op = node.op_type
        if op == 'LeakyRelu':
            self.b.activation('leaky_relu', attrs(node).get('alpha', 0.01), where)
        else:
            self.b.activation(ACTIVATIONS[op], 0.0, where)

    def global_pool(self, node, where):
        if self.rank != 4:
            raise ValueError(f'{where}: global pools need an (n, c, h, w) input')
        self.b.global_pool('globalavg' if 'Average' in node.op_type else 'globalmax', where)

    def flatten_node(self, node, where):
        if attrs(node).get('axis', 1) != 1:
            raise ValueError(f'{where}: Flatten axis must be 1')
        self.flatten(where)

    def cast(self, node, where):
        if attrs(node)['to'] != FLOAT:
            raise ValueError(f'{where}: Cast only to float32')

    def add_node(self, node, where):
        op = node.op_type
        handlers = {'Gemm': self.gemm, 'MatMul': self.matmul, 'Add': self.add, 'Conv': self.conv,
                    'MaxPool': self.pool, 'AveragePool': self.pool, 'GlobalAveragePool': self.global_pool,
                    'GlobalMaxPool': self.global_pool, 'Flatten': self.flatten_node, 'Reshape': self.reshape,
                    'BatchNormalization': self.batchnorm, 'Softmax': self.softmax, 'Clip': self.clip,
                    'LeakyRelu': self.activation, 'Cast': self.cast, 'Identity': None, 'Dropout': None}
        handlers.update(dict.fromkeys(ACTIVATIONS, self.activation))
        if node.domain not in ('', 'ai.onnx') or op not in handlers:
            raise ValueError(f'{where}: unsupported op {node.domain + "." if node.domain else ""}{op}')
        if handlers[op] is not None:
            handlers[op](node, where)

    def finish(self):
        h, w, c = self.b.shape
        if self.perm is not None or (self.rank == 4 and h * w > 1 and c > 1):
            raise ValueError('the output is a (c, h, w) map: emlnet would give it channels-last')
        return self.b.finish()


def layers_of(model):
    """(layers, input shape (h, w, c)) of an ONNX model that is a chain."""
    model = load(model)
    values = constants(model.graph)
    value_info, order = chain(model.graph, values)
    reader = Reader(model, values)
    reader.start(value_info)
    for i in order:
        reader.add_node(model.graph.node[i], where_of(i, model.graph.node[i]))
    return reader.finish()
