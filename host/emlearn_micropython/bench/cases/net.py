"""emlnet: the digits MLP 64-32-10 (float32, int8) against the same network
in plain Python (device/pynet.py), and an SB-CNN-like CNN (32x32x1, three
convolutions of 8/16/16 channels, dense 5; float32, int8). Each int8 case
has emlnet's float32 run of the same network as its peer."""
import numpy as np

from ..registry import Case, f32

CNN_SHAPE = (32, 32, 1)


def digits_mlp():
    from sklearn.datasets import load_digits
    from sklearn.neural_network import MLPClassifier
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    return MLPClassifier((32,), max_iter=300, random_state=0).fit(X[::2], y[::2]), X[1::2], X[::2]


def sbcnn_layers(seed):
    """Conv 3x3 same 8 relu, max 2, conv 3x3 same 16 relu, max 2, conv 3x3
    valid 16 relu, global average, dense 5 softmax; He-random weights."""
    from emlearn_micropython.export.net import Layer
    rng = np.random.default_rng(seed)

    def conv(shape, out_c, pad):
        h, w, c = shape
        size = (h, w) if pad else (h - 2, w - 2)
        weights = (rng.standard_normal((out_c, 3, 3, c)) * np.sqrt(2 / (9 * c))).astype('f4')
        return Layer('conv2d', shape, size + (out_c,), 'relu', kh=3, kw=3, pad_top=pad, pad_left=pad,
                     weights=weights, bias=rng.normal(0, 0.05, out_c).astype('f4'))

    def pool(shape):
        h, w, c = shape
        return Layer('maxpool', shape, (h // 2, w // 2, c), kh=2, kw=2, sh=2, sw=2)
    return [conv(CNN_SHAPE, 8, 1), pool((32, 32, 8)), conv((16, 16, 8), 16, 1), pool((16, 16, 16)),
            conv((8, 8, 16), 16, 0), Layer('globalavg', (6, 6, 16), (1, 1, 16)),
            Layer('dense', (1, 1, 16), (1, 1, 5), 'softmax', weights=rng.standard_normal((5, 16)).astype('f4'),
                  bias=np.zeros(5, 'f4'))]


def patches(n):
    """Log-mel-like patches: one loud band per class, plus noise."""
    rng = np.random.default_rng(15)
    X = rng.standard_normal((n,) + CNN_SHAPE) * 0.5
    for i in range(n):
        X[i, (i % 5) * 6:(i % 5) * 6 + 6] += 2.0
    return X.reshape(n, -1)


def prepare_net(config, build):
    from emlearn_micropython.export import net
    build.mkdir(parents=True, exist_ok=True)
    mlp, rows, train = digits_mlp()
    rows = rows[:config['net_rows']]
    models = {'mlp_f32': net.convert(mlp), 'mlp_i8': net.convert(mlp, dtype='int8', calibration=train)}
    cnn_rows = patches(64)
    models['cnn_f32'] = net.Model(sbcnn_layers(7), CNN_SHAPE).fit()
    models['cnn_i8'] = net.Model(sbcnn_layers(7), CNN_SHAPE, 'int8', cnn_rows).fit()
    cnn_rows = cnn_rows[:config['cnn_rows']]
    files = {}
    for name, model in models.items():
        model.save(str(build / f'{name}.net'))
        files[f'{name}.net'] = build / f'{name}.net'
    weights = [v for lay in models['mlp_f32'].layers for v in (lay.weights.ravel(), lay.bias)]
    for name, data in (('digits.bin', rows), ('cnn.bin', cnn_rows), ('mlp.bin', np.concatenate(weights))):
        (build / name).write_bytes(f32(data))
        files[name] = build / name
    cnn_labels = models['cnn_f32'].predict(cnn_rows).tolist()
    expected = {'digits mlp float32': mlp.predict(rows).tolist(), 'digits mlp int8': mlp.predict(rows).tolist(),
                'sbcnn float32': cnn_labels, 'sbcnn int8': cnn_labels}
    cfg = {'MLP_SIZES': [64, 32, 10], 'CNN_INPUTS': int(np.prod(CNN_SHAPE)), 'PY_ROWS': config['py_rows']}
    return [{'label': 'models', 'files': files, 'cfg': cfg, 'expected': expected,
             'helpers': ['benchlib.py', 'pynet.py']}]


CASE = Case('net', 'emlnet', 'Neural networks: time per predict (int8 cases: against the float32 model)',
            'bench_net.py', prepare_net, full={'net_rows': 200, 'cnn_rows': 4, 'py_rows': 20},
            quick={'net_rows': 10, 'cnn_rows': 1, 'py_rows': 2},
            peers=('python', 'float32'), key_cases=('digits mlp float32', 'sbcnn int8'), order=6)
