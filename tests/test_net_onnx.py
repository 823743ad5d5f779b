"""emlnet from ONNX graphs, through the .mpy, against onnxruntime.

Models: skl2onnx's export of a digits MLPClassifier (Cast, MatMul + Add,
Relu, Softmax) and two CNNs written with onnx.helper in NCHW (Conv with
padding/strides/SAME_UPPER/depthwise groups, BatchNormalization, MaxPool,
AveragePool, GlobalAveragePool, Flatten, Reshape, Gemm, Clip, LeakyRelu,
Sigmoid, Tanh), random convolutions and a last layer fitted by logistic
regression on their features. The device takes nhwc() of onnxruntime's
NCHW rows. Tolerances and board rows as tests/test_net.py: float32 rtol 1e-5 / atol 1e-6,
int8 the host's bits and >= 99% class agreement with float.
"""
import functools

import numpy as np
import pytest

onnx = pytest.importorskip('onnx')
ort = pytest.importorskip('onnxruntime')
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

from emlearn_micropython import convert  # noqa: E402
from emlearn_micropython.export.net_onnx import nhwc  # noqa: E402
from test_net import check_float, check_int8, on_device, split, synthetic_patches, text_of  # noqa: E402


def graph(nodes, weights, in_dims, out_dims, out='y'):
    inits = [numpy_helper.from_array(np.asarray(v, np.float32 if np.asarray(v).dtype.kind == 'f' else np.int64), k)
             for k, v in weights.items()]
    g = helper.make_graph(nodes, 'g', [helper.make_tensor_value_info('x', TensorProto.FLOAT, [None] + in_dims)],
                          [helper.make_tensor_value_info(out, TensorProto.FLOAT, [None] + out_dims)], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)], ir_version=8)


def onnx_run(model, X):
    return ort.InferenceSession(model.SerializeToString()).run(None, {'x': np.asarray(X, np.float32)})[0]



def he(rng, *shape):
    return rng.standard_normal(shape) * np.sqrt(2.0 / np.prod(shape[1:]))


def fitted_head(nodes, weights, in_dims, feat_dims, X, y, n_cls, transposed):
    """The graph `nodes` (ending in tensor 'feat') plus a Gemm (or MatMul +
    Add) and Softmax that logistic regression fits on the features of X."""
    feats = onnx_run(graph(nodes, weights, in_dims, feat_dims, out='feat'), X).reshape(len(X), -1)
    fit = LogisticRegression(max_iter=2000).fit(feats, y)
    if transposed:
        weights.update(wo=fit.coef_, bo=fit.intercept_)
        nodes += [helper.make_node('Gemm', ['feat', 'wo', 'bo'], ['logits'], transB=1)]
    else:
        weights.update(wo=fit.coef_.T, bo=fit.intercept_.reshape(1, -1))
        nodes += [helper.make_node('MatMul', ['feat', 'wo'], ['mm']), helper.make_node('Add', ['mm', 'bo'], ['logits'])]
    nodes.append(helper.make_node('Softmax', ['logits'], ['y'], axis=1))
    return graph(nodes, weights, in_dims, [n_cls])


def cnn_models(rng):
    """(model, NCHW rows) of two small CNNs."""
    X = synthetic_patches(rng, 320, (16, 16, 3), 3).transpose(0, 3, 1, 2)
    y = np.arange(len(X)) % 3
    w = {'w1': he(rng, 8, 3, 3, 3), 'g': rng.uniform(0.5, 1.5, 8), 'be': rng.normal(0, 0.1, 8),
         'mu': rng.normal(0, 0.2, 8), 'var': rng.uniform(0.5, 2, 8), 'w2': he(rng, 12, 8, 3, 3),
         'b2': rng.normal(0, 0.1, (1, 12, 1, 1)), 'lo': np.float32(0), 'hi': np.float32(6),
         'w3': he(rng, 16, 108), 'b3': rng.normal(0, 0.1, 16)}
    N = helper.make_node
    nodes = [N('Conv', ['x', 'w1'], ['c1'], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             N('BatchNormalization', ['c1', 'g', 'be', 'mu', 'var'], ['n1'], epsilon=1e-3),
             N('Relu', ['n1'], ['r1']), N('MaxPool', ['r1'], ['p1'], kernel_shape=[2, 2], strides=[2, 2]),
             N('Conv', ['p1', 'w2'], ['c2'], kernel_shape=[3, 3], strides=[2, 2], auto_pad='SAME_UPPER'),
             N('Add', ['c2', 'b2'], ['a2']), N('Clip', ['a2', 'lo', 'hi'], ['r2']),
             N('AveragePool', ['r2'], ['p2'], kernel_shape=[2, 2]), N('Flatten', ['p2'], ['f']),
             N('Gemm', ['f', 'w3', 'b3'], ['d3'], transB=1), N('Tanh', ['d3'], ['feat'])]
    cnn = fitted_head(nodes, w, [3, 16, 16], [16], X[:200], y[:200], 3, True)
    # global pooling keeps no position: classes differ in how many rows are loud
    sy = np.arange(320) % 4
    S = rng.standard_normal((320, 1, 32, 32)) * 0.5 + (np.arange(32)[:, None] < 8 * (sy[:, None, None, None] + 1)) * 2
    w = {'v1': he(rng, 4, 1, 3, 3) + 0.2, 'v2': he(rng, 8, 1, 3, 3) + 0.2, 'vb': rng.normal(0, 0.1, 8),
         'shape': np.array([0, -1])}
    nodes = [N('Conv', ['x', 'v1'], ['c1'], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             N('LeakyRelu', ['c1'], ['l1'], alpha=0.1),
             N('Conv', ['l1', 'v2', 'vb'], ['c2'], kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 1, 1], group=4),
             N('Sigmoid', ['c2'], ['s2']), N('GlobalAveragePool', ['s2'], ['g']),
             N('Reshape', ['g', 'shape'], ['feat'])]
    dw = fitted_head(nodes, w, [1, 32, 32], [8], S[:200], sy[:200], 4, False)
    return {'onnx_cnn': (cnn, X), 'onnx_dw': (dw, S)}


def mlp_model():
    from skl2onnx import to_onnx
    X, y = load_digits(return_X_y=True)
    Xtr, ytr, Xte, _ = split(X / 16.0, y)
    m = MLPClassifier((32,), max_iter=300, random_state=0).fit(Xtr, ytr)
    model = to_onnx(m, Xtr[:1].astype(np.float32), options={id(m): {'zipmap': False}})
    return model, np.vstack([Xtr, Xte]).astype(np.float32), len(Xtr)


@functools.cache
def onnx_cases():
    """(converted models, rows, onnxruntime's outputs): built once, run on
    every target."""
    rng = np.random.default_rng(3)
    mlp, mlp_rows, n_train = mlp_model()
    cases = {'onnx_mlp': (mlp, mlp_rows, n_train)}
    for name, (model, X) in cnn_models(rng).items():
        cases[name] = (model, X, 200)
    models, X, refs = {}, {}, {}
    for name, (model, rows, n) in cases.items():
        rows_nhwc = nhwc(rows)
        session = ort.InferenceSession(model.SerializeToString())
        out = [o.name for o in session.get_outputs() if o.type == 'tensor(float)']
        refs[name] = session.run(out, {session.get_inputs()[0].name: rows[n:].astype(np.float32)})[0]
        f32, i8 = convert(model), convert(model, dtype='int8', calibration=rows_nhwc[:n])
        for m in (f32, i8):
            m.rows = rows_nhwc[n:]
            m.run_rows = m.run(m.rows)
        models.update({name: f32, name + '_i8': i8})
        X[name] = X[name + '_i8'] = rows_nhwc[n:]
    return models, X, refs


def test_onnx_models_agree(device):
    models, X, refs = onnx_cases()
    got = on_device(device, models, X)
    for name, ref in refs.items():
        check_float(name, got[name], models[name], ref)
        check_int8(name, got[name + '_i8'], models[name + '_i8'], models[name].predict(X[name]))


def test_onnx_path_and_layout(tmp_path):
    import emlearn_micropython
    model, _ = cnn_models(np.random.default_rng(4))['onnx_cnn']
    path = tmp_path / 'cnn.onnx'
    onnx.save(model, str(path))
    assert text_of(emlearn_micropython.convert(str(path))) == text_of(convert(model))
    kinds = [(lay.kind, lay.act) for lay in convert(path).layers]
    assert kinds == [('conv2d', 'relu'), ('maxpool', 'linear'), ('conv2d', 'relu6'), ('avgpool', 'linear'),
                     ('dense', 'tanh'), ('dense', 'softmax')]


def refused(nodes, weights, in_dims=[2, 4, 4], out_dims=[2, 4, 4]):
    with pytest.raises(ValueError) as e:
        convert(graph(nodes, weights, in_dims, out_dims))
    return str(e.value)


def test_onnx_refuses_what_it_cannot_run():
    N = helper.make_node
    w = {'w': np.ones((2, 2, 1, 1)), 'k': np.ones((4, 2))}
    assert 'node 1 (Transpose): unsupported op Transpose' in refused(
        [N('Relu', ['x'], ['a']), N('Transpose', ['a'], ['y'], perm=[0, 1, 3, 2])], w)
    assert 'node 2 (Add): takes 2 tensors' in refused(
        [N('Conv', ['x', 'w'], ['a'], kernel_shape=[1, 1]), N('Relu', ['a'], ['b']), N('Add', ['a', 'b'], ['y'])], w)
    assert 'node 0 (Conv): dilations' in refused([N('Conv', ['x', 'w'], ['y'], kernel_shape=[1, 1], dilations=[2, 2])], w)
    assert 'node 1 (MatMul): needs a 2-D input' in refused(
        [N('Relu', ['x'], ['a']), N('MatMul', ['a', 'k'], ['y'])], w, out_dims=[2])
    assert 'channels-last' in refused([N('Relu', ['x'], ['y'])], w)


def test_onnx_skl2onnx_zipmap_is_refused_with_the_fix():
    from skl2onnx import to_onnx
    X, y = load_digits(return_X_y=True)
    m = MLPClassifier((4,), max_iter=5, random_state=0).fit(X[:100] / 16.0, y[:100])
    with pytest.raises(ValueError, match="0 of .*'zipmap': False"):
        convert(to_onnx(m, X[:1].astype(np.float32)))
