"""emlnet through the .mpy against scikit-learn, Keras and the host twin.

float32: within rtol 1e-5 / atol 1e-6 of the framework, the same class
except rows whose top two are within 1e-5, and the device equals the
host's emulation. int8: the device equals the host's int8 bit for bit and
agrees with the float model's class on >= 99% of the held-out rows. A board
runs the first BOARD_CNN_ROWS held-out rows of a CNN, the unix port all.
"""
import functools
import io
import os
import zlib

import numpy as np
import pytest
from sklearn.datasets import load_digits, load_wine
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from emlearn_micropython import convert
from emlearn_micropython.export import net

os.environ.setdefault('KERAS_BACKEND', 'jax')

DEVICE_RUN = '''
import array, emlnet, emltest
for name, n_in, n_out, typecode in MODELS:
    with open(name + '.net', 'rb') as f:
        model = emlnet.load(f)
    emltest.emit(name, 'shape', model.n_inputs, model.n_outputs, list(model.input_shape), model.n_bytes)
    x = array.array('f', bytes(4 * n_in))
    out = array.array('f', bytes(4 * n_out))
    i = 0
    with open(name + '.x', 'rb') as f:
        while f.readinto(x) == 4 * n_in:
            model.run(x, out)
            # float32 bits: a single-precision board's repr is not exact
            emltest.emit(name, i, model.predict(x), list(array.array('I', bytes(out))))
            i += 1
'''


def text_of(model):
    f = io.StringIO()
    model.save(f)
    return f.getvalue()


# Rows of a convolutional model that a board runs (the unix port runs all):
# an emulated soft-float Cortex-M3 takes up to 0.3 s a row, and every row
# goes through the same layers.
BOARD_CNN_ROWS = 24


def on_device(device, models, X):
    """{name: (n_bytes, predictions, outputs)} for each converted model on
    rows X (on a board, the first BOARD_CNN_ROWS of a CNN's)."""
    files, spec = {}, []
    for name, model in models.items():
        rows = X[name]
        if device.name != 'unix' and len(model.input_shape) == 3:
            rows = rows[:BOARD_CNN_ROWS]
        files[name + '.net'] = text_of(model).encode()
        files[name + '.x'] = np.asarray(rows, np.float32).tobytes()
        spec.append((name, int(np.prod(model.input_shape)), model.run(X[name][:1]).shape[1], 'f'))
    out = device.run(f'MODELS = {spec!r}\n' + DEVICE_RUN, files=files)
    res = {}
    for r in out.results:
        if r[1] == 'shape':
            res[r[0]] = (r, [], [])
        else:
            res[r[0]][1].append(r[2])
            res[r[0]][2].append(r[3])
    return {k: (v[0], np.array(v[1]), np.array(v[2], np.uint32).view(np.float32)) for k, v in res.items()}


def check_float(name, got, host, ref):
    """got: on_device's result, host: the converted model with .run_rows,
    ref: the framework's outputs; on the rows the device ran."""
    _, pred, outputs = got
    ref = ref[:len(outputs)]
    np.testing.assert_array_equal(outputs, host.run_rows[:len(outputs)], err_msg=f'{name}: device != host twin')
    np.testing.assert_allclose(outputs, ref, rtol=1e-5, atol=1e-6, err_msg=f'{name} vs framework')
    top2 = np.sort(ref, axis=1)[:, -2:] if ref.shape[1] > 1 else None
    clear = np.ones(len(ref), bool) if top2 is None else (top2[:, 1] - top2[:, 0]) > 1e-5
    ref_class = ref.argmax(1) if ref.shape[1] > 1 else (ref[:, 0] > 0.5)
    assert (pred[clear] == ref_class[clear]).all(), f'{name}: class differs'


def check_int8(name, got, host, float_pred):
    _, pred, outputs = got
    n = len(outputs)
    np.testing.assert_array_equal(outputs, host.run_rows[:n], err_msg=f'{name}: device != host int8')
    np.testing.assert_array_equal(pred, host.predict(host.rows[:n]))
    agree = (pred == float_pred[:n]).mean()
    assert agree >= 0.99, f'{name}: int8 agrees with float on {agree:.3f}'


def split(X, y, seed=0):
    order = np.random.RandomState(seed).permutation(len(X))
    half = len(X) // 2
    return X[order[:half]], y[order[:half]], X[order[half:]], y[order[half:]]


def mlp_models():
    X, y = load_digits(return_X_y=True)
    Xtr, ytr, Xte, _ = split(X / 16.0, y)
    digits = MLPClassifier((32,), max_iter=300, random_state=0).fit(Xtr, ytr)
    W, wy = load_wine(return_X_y=True)
    Wtr, wytr, Wte, _ = split(StandardScaler().fit(W).transform(W), wy)
    wine = MLPClassifier((16, 8), activation='tanh', max_iter=500, random_state=0).fit(Wtr, wytr)
    return {'digits': (digits, Xtr, Xte), 'wine': (wine, Wtr, Wte)}


def keras_models(rng):
    import keras
    keras.utils.set_random_seed(0)
    L = keras.layers
    sbcnn = keras.Sequential([keras.Input((32, 32, 1)),
                              L.Conv2D(8, 3, padding='same', activation='relu'), L.MaxPooling2D(2),
                              L.Conv2D(16, 3, padding='same'), L.BatchNormalization(), L.ReLU(), L.MaxPooling2D(2),
                              L.Conv2D(16, 3, activation='relu'), L.GlobalAveragePooling2D(), L.Dropout(0.2),
                              L.Dense(5, activation='softmax')])
    inp = keras.Input((16, 16, 3))
    h = L.SeparableConv2D(8, 3, strides=2, padding='same', activation='relu6')(inp)
    h = L.DepthwiseConv2D(3, depth_multiplier=2, padding='same')(h)
    h = L.BatchNormalization()(h)
    h = L.LeakyReLU(0.1)(h)
    h = L.AveragePooling2D(2)(h)
    h = L.Flatten()(h)
    h = L.Dense(4, activation='tanh')(h)
    out = L.Dense(1, activation='sigmoid')(h)
    dsc = keras.Model(inp, out)
    data = {}
    for name, model, shape, n_cls in (('sbcnn', sbcnn, (32, 32, 1), 5), ('dscnn', dsc, (16, 16, 3), 2)):
        X = synthetic_patches(rng, 240, shape, n_cls)
        y = np.arange(len(X)) % n_cls
        loss = 'sparse_categorical_crossentropy' if n_cls > 2 else 'binary_crossentropy'
        model.compile('adam', loss)
        model.fit(X[:160], y[:160], epochs=8, batch_size=16, verbose=0)
        data[name] = (model, X[:160], X[160:])
    return data


def synthetic_patches(rng, n, shape, n_cls):
    """Log-mel-like patches: class-dependent band energy plus noise."""
    X = rng.standard_normal((n,) + shape).astype(np.float32) * 0.5
    for i in range(n):
        band = (i % n_cls) * shape[0] // n_cls
        X[i, band:band + shape[0] // n_cls] += 2.0
    return X


def run_both(name, framework_model, Xtr, Xte, reference):
    f32 = convert(framework_model)
    i8 = convert(framework_model, dtype='int8', calibration=Xtr)
    for m in (f32, i8):
        m.rows = Xte
        m.run_rows = m.run(Xte)
    return {name: f32, name + '_i8': i8}, reference(framework_model, Xte)


@functools.cache
def mlp_and_cnn_cases():
    """(converted models, framework outputs, rows): trained and converted
    once, then run on every target."""
    rng = np.random.default_rng(0)
    cases = {k: (m, tr, te, lambda m, X: m.predict_proba(X)) for k, (m, tr, te) in mlp_models().items()}
    for k, (m, tr, te) in keras_models(rng).items():
        cases[k] = (m, tr, te, lambda m, X: m.predict(X, verbose=0))
    models, refs, X = {}, {}, {}
    for name, (m, tr, te, reference) in cases.items():
        pair, refs[name] = run_both(name, m, tr, te, reference)
        models.update(pair)
        X[name] = X[name + '_i8'] = te
    return models, refs, X


def test_mlp_and_cnn_agree(device):
    pytest.importorskip('keras')
    models, refs, X = mlp_and_cnn_cases()
    got = on_device(device, models, X)
    for name, ref in refs.items():
        f32, i8 = models[name], models[name + '_i8']
        ref = ref if ref.shape[1] == f32.run_rows.shape[1] else ref[:, 1:]
        check_float(name, got[name], f32, ref)
        check_int8(name, got[name + '_i8'], i8, f32.predict(X[name]))
        shape = got[name][0]
        assert shape[2:5] == [int(np.prod(f32.input_shape)), f32.run_rows.shape[1], list(f32.input_shape)]
        weights = sum(lay.weights.size for lay in f32.layers if lay.weights is not None)
        assert shape[5] >= 4 * weights + 2 * f32.buffer_bytes()
        assert got[name + '_i8'][0][5] < shape[5] / 2


def tiny_model():
    X, y = load_digits(return_X_y=True)
    m = MLPClassifier((4,), max_iter=20, random_state=0).fit(X[:200] / 16, y[:200] % 3)
    return net.convert(m, dtype='int8', calibration=X[:50] / 16)


def with_crc(lines):
    body = ''.join(lines[:-1])
    n_layers = lines[-1].split(',')[1]
    return body + f'end,{n_layers},{len(lines) - 1},{zlib.crc32(body.encode()):08x}\n'


def mutations(text, rng, n):
    """Damaged files whose end line is recomputed (so the parser, not only
    the CRC, must catch them): changed, deleted or repeated fields/lines."""
    lines = text.splitlines(keepends=True)
    out = []
    for _ in range(n):
        new = list(lines)
        i = int(rng.integers(0, len(new) - 1))
        kind = int(rng.integers(0, 4))
        line = new[i]
        if kind == 0:
            j = int(rng.integers(0, len(line) - 1))
            line = line[:j] + chr(int(rng.integers(32, 127))) + line[j + 1:]
        elif kind == 1:
            j = int(rng.integers(0, len(line) - 1))
            line = line[:j] + line[j + 1:]
        elif kind == 2:
            line = line + line
        else:
            fields = line.split(',')
            fields[int(rng.integers(0, len(fields)))] = str(int(rng.integers(0, 70000)))
            line = ','.join(fields)
            line = line if line.endswith('\n') else line + '\n'
        new[i] = line
        out.append(with_crc(new))
    return out


DEVICE_BAD = '''
import array, emlnet, emltest
def load(text):
    return emlnet.load(emltest.Lines(text))
kinds = {}
crashed = []
def tally(text, i):
    try:
        load(text)
        k = 'ok'
    except (ValueError, MemoryError) as e:
        k = type(e).__name__ + (' line' if 'line' in str(e) or type(e) is MemoryError else ' noline')
    except Exception as e:
        k = 'other'
        crashed.append([i, type(e).__name__, str(e)])
    kinds[k] = kinds.get(k, 0) + 1
# damaged bytes and cut files (CRC and line checks), made here
seed = 12345
for i in range(N_DAMAGED):
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    j = seed % len(GOOD)
    if i % 3 == 0:
        text = GOOD[:j]
    else:
        text = GOOD[:j] + chr(33 + (seed >> 8) % 90) + GOOD[j + 1:]
    if text.rstrip('\\n') != GOOD.rstrip('\\n'):  # the last newline is optional
        tally(text, i)
emltest.emit('damaged', sorted(kinds.items()), crashed[:5])
kinds = {}
for i, text in enumerate(MUTATED):
    tally(text, i)
emltest.emit('mutated', sorted(kinds.items()), crashed[:5])
m = load(GOOD)
emltest.attempt('short x', m.predict, array.array('f', [0.0] * 63))
emltest.attempt('int x', m.predict, array.array('i', [0] * 64))
emltest.attempt('int8 x', m.predict, array.array('b', [0] * 64))
emltest.attempt('short out', m.run, array.array('f', [0.0] * 64), array.array('f', [0.0] * 2))
emltest.attempt('nan x', m.predict, array.array('f', [float('nan')] * 64))
for name, text in ABSURD:
    emltest.attempt(name, load, text)
'''


def test_bad_files_and_inputs(device):
    model = tiny_model()
    good = text_of(model)
    rng = np.random.default_rng(1)
    # (boards: the mutated files travel inside the script, in a small heap)
    mutated = mutations(good, rng, 400 if device.name == 'unix' else 40)
    header = 'emlnet,1,0,{},{},{},{},3f800000\n'
    layer = 'layer,1,0,0,0,0,0,0,0,0,1,1,{},00000000,3f800000\n'
    absurd = [('huge input', with_crc([header.format(1, 16384, 16384, 16384), layer.format(3), 'end,1\n'])),
              ('huge dense', with_crc([header.format(1, 1, 128, 128), layer.format(16384), 'end,1\n'])),
              ('many layers', with_crc([header.format(4096, 1, 1, 4), 'end,4096\n'])),
              ('bad chain', with_crc([header.format(2, 1, 1, 2), layer.format(2), 'w,' + '00000000' * 4 + '\n',
                                      'b,' + '00000000' * 2 + '\n', 'layer,7,0,0,0,0,0,0,0,0,1,1,3,00000000,3f800000\n',
                                      'end,2\n']))]
    n_damaged = 3000 if device.name == 'unix' else 600
    script = f'GOOD = {good!r}\nMUTATED = {mutated!r}\nABSURD = {absurd!r}\nN_DAMAGED = {n_damaged}\n' + DEVICE_BAD
    res = device.run(script, timeout=600).by_name()
    for what in ('damaged', 'mutated'):
        kinds, crashed = res[what]
        kinds = dict(kinds)
        assert crashed == [], (what, crashed)
        assert kinds.get('other', 0) == 0 and kinds.get('ValueError noline', 0) == 0, (what, kinds)
    assert dict(res['damaged'][0]).get('ok', 0) == 0  # every damaged file refused
    assert res['short x'][0] == 'ValueError' and 'length 64' in res['short x'][1]
    assert res['int x'][0] == 'TypeError'
    assert res['int8 x'][0] == 'ok'
    assert res['short out'][0] == 'ValueError' and 'out' in res['short out'][1]
    assert res['nan x'][0] == 'ValueError' and 'nan' in res['nan x'][1]
    assert res['huge input'][0] == 'ValueError' and 'line 1' in res['huge input'][1]
    assert res['huge dense'][0] in ('ValueError', 'MemoryError'), res['huge dense']
    assert res['many layers'][0] in ('ValueError', 'MemoryError'), res['many layers']
    assert res['bad chain'][0] == 'ValueError' and 'line 5' in res['bad chain'][1], res['bad chain']


DEVICE_CYCLES = '''
import array, gc, emlnet, emltest
x = array.array('f', [0.5] * 64)
def once():
    m = emlnet.load(emltest.Lines(GOOD))
    return m.predict(x)
once()
gc.collect()
before = gc.mem_alloc()
i = 0
while i < 2000:
    once()
    i += 1
gc.collect()
m = emlnet.load(emltest.Lines(GOOD))
emltest.emit('cycles', gc.mem_alloc() - before, emltest.allocated(lambda: m.predict(x)))
'''


def test_load_del_cycles_return_memory(device):
    good = text_of(tiny_model())
    delta, hot = device.run(f'GOOD = {good!r}\n' + DEVICE_CYCLES, timeout=600).by_name()['cycles']
    assert delta < 4096, f'{delta} bytes not returned after 2000 load/del cycles'
    assert hot == 0, f'predict allocated {hot} bytes'


def test_convert_refuses_unknown_layers():
    keras = pytest.importorskip('keras')
    m = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, dilation_rate=2)])
    with pytest.raises(ValueError, match='layer 0 .*dilation'):
        convert(m)
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.LayerNormalization()])
    with pytest.raises(ValueError, match='layer 1 .*LayerNormalization'):
        convert(m)
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation='relu'),
                          keras.layers.BatchNormalization()])
    with pytest.raises(ValueError, match='layer 1 .*without activation'):
        convert(m)


NET_TINY = ('emlnet,1,0,1,1,1,1,3f800000\nlayer,1,0,0,0,0,0,0,0,0,1,1,1,00000000,3f800000\n'
            'w,40000000\nb,3f800000\n')  # y = 2 * x + 1
MEMORY = {
    'module': 'emlnet',
    'setup': ("net_file = Lines('emlnet,1,0,1,1,2,10000,3f800000\\n"
              "layer,1,0,0,0,0,0,0,0,0,1,1,10,00000000,3f800000\\n')"),
    'cases': [('net load', 'emlnet.load(net_file)', 'layer weights: 200010 items')],
    'alive': ('net = emlnet.load(Lines(%r))\n' % (NET_TINY + 'end,1,4,%08x\n' % zlib.crc32(NET_TINY.encode()))
              + "y = array.array('f', [0.0])\nnet.run(array.array('f', [2.0]), y)", 'y[0]', [5.0]),
}
