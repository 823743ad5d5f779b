"""int16 tree models (issue 13): integer thresholds, array('h') inputs.

On integer features they must agree 100% with scikit-learn, also on rows
with a feature exactly on a threshold's floor and one either side; the
device must equal the exporter's twin; with a scaler for float features,
the device's quantize() must equal Int16Scaler.transform bit for bit.
"""
import numpy as np
import pytest
from sklearn import datasets
from sklearn.ensemble import (ExtraTreesClassifier, ExtraTreesRegressor, RandomForestClassifier,
                              RandomForestRegressor)
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from emlearn_micropython import convert
from emlearn_micropython.neighbors import Int16Scaler

SCRIPT = """\
import array, emltrees, emltest, gc

def bits(values):
    return list(array.array('I', bytes(array.array('f', values))))

with open('names.txt') as f:
    names = f.read().split()
for name in names:
    gc.collect()
    before = gc.mem_alloc()
    with open(name + '.csv') as f:
        model = emltrees.load(f)
    gc.collect()
    size = gc.mem_alloc() - before
    X = emltest.read_array(name + '.bin', 'h')
    n = model.n_features
    preds = [model.predict(X[i:i + n]) for i in range(0, len(X), n)]
    if not model.n_classes:
        preds = bits(preds)
    q = []
    try:
        F = emltest.read_array(name + '.f32', 'f')
        out = array.array('h', range(n))
        for i in range(0, len(F), n):
            model.quantize(F[i:i + n], out)
            q.extend(out)
    except OSError:
        pass
    emltest.emit(name, preds, q, size, model.n_nodes)
    del model, X
"""


def integer_sets():
    Xg, yg = datasets.make_classification(n_samples=600, n_features=12, n_informative=6, n_classes=3,
                                          random_state=3)
    Xr, yr = datasets.make_regression(n_samples=500, n_features=8, noise=3.0, random_state=4)
    return {
        'digits': datasets.load_digits(return_X_y=True),
        'gen': (np.round(Xg * 1000), yg),        # ADC-like readings
        'reg': (np.round(Xr * 300), yr),
    }


MODELS = {
    'digits': {'DT': DecisionTreeClassifier(random_state=1), 'RF10-d10': RandomForestClassifier(
        n_estimators=10, max_depth=10, random_state=1), 'ET5-d8': ExtraTreesClassifier(
        n_estimators=5, max_depth=8, random_state=1)},
    'gen': {'RF5-d8': RandomForestClassifier(n_estimators=5, max_depth=8, random_state=1),
            'ET5-d6': ExtraTreesClassifier(n_estimators=5, max_depth=6, random_state=1)},
    'reg': {'DT-d6': DecisionTreeRegressor(max_depth=6, random_state=1), 'RF5-d6': RandomForestRegressor(
        n_estimators=5, max_depth=6, random_state=1), 'ET5-d6': ExtraTreesRegressor(
        n_estimators=5, max_depth=6, random_state=1)},
}


def edge_rows(cmodel, X, limit):
    """Rows with a feature on an integer threshold and one either side."""
    rng = np.random.RandomState(5)
    rows = []
    for i in rng.permutation(len(cmodel.nodes))[:limit // 3]:
        feature, t = cmodel.nodes[i][0], cmodel.nodes[i][1]
        for v in (t, t + 1, t - 1):
            row = X[rng.randint(len(X))].copy()
            row[feature] = np.clip(v, -32768, 32767)
            rows.append(row)
    return np.array(rows).reshape(-1, X.shape[1])


def cases(device):
    board = device.float_bits == 32
    out = {}
    for data, (X, y) in integer_sets().items():
        X_train, X_test, y_train, _ = train_test_split(X, y, test_size=0.3, random_state=2)
        for name, est in MODELS[data].items():
            est.fit(X_train, y_train)
            cmodel = convert(est, dtype='int16')
            rows = np.concatenate([X_test[:50 if board else 200], edge_rows(cmodel, X_test, 60 if board else 300)])
            out[f'{data}-{name}'] = (est, cmodel, rows.astype(np.int16), None)
    X, y = datasets.load_breast_cancer(return_X_y=True)
    scaler = Int16Scaler().fit(X)
    est = RandomForestClassifier(n_estimators=5, max_depth=6, random_state=1).fit(scaler.transform(X), y)
    cmodel = convert(est, dtype='int16', scaler=scaler)
    F = X[::4].astype(np.float32)
    out['bc-scaled'] = (est, cmodel, scaler.transform(F), F)
    return out


def test_int16_models_match_sklearn(device):
    all_cases = cases(device)
    files = {'names.txt': ' '.join(all_cases)}
    for name, (_, cmodel, rows, F) in all_cases.items():
        files[name + '.csv'] = cmodel.save(name=name)
        files[name + '.bin'] = rows.tobytes()
        if F is not None:
            files[name + '.f32'] = F.tobytes()
    results = {r[0]: r[1:] for r in device.run(SCRIPT, files=files).results}
    for name, (est, cmodel, rows, F) in all_cases.items():
        preds, q, size, n_nodes = results[name]
        if cmodel.is_classifier:
            np.testing.assert_array_equal(preds, cmodel.predict_index(rows), err_msg=name)
            np.testing.assert_array_equal(cmodel.predict(rows), est.predict(rows.astype(np.float32)), err_msg=name)
        else:
            values = np.array(preds, dtype=np.uint32).view(np.float32)
            np.testing.assert_array_equal(values, cmodel.predict(rows), err_msg=name)
            expected = est.predict(rows.astype(np.float32))
            np.testing.assert_allclose(values, expected, rtol=0, atol=4 * (np.abs(expected).max() + 1) * 2.0**-23)
        if F is not None:
            np.testing.assert_array_equal(np.array(q).reshape(F.shape), cmodel.quantize(F))
        assert n_nodes == cmodel.n_nodes


def test_int16_model_refuses_float_input_and_bad_thresholds(device):
    X, y = datasets.load_digits(return_X_y=True)
    cmodel = convert(DecisionTreeClassifier(max_depth=3, random_state=1).fit(X, y), dtype='int16')
    script = """\
import array, emltrees
with open('m.csv') as f:
    model = emltrees.load(f)
for x in (array.array('f', [0] * 64), array.array('h', [0] * 63), [0] * 64):
    try:
        model.predict(x)
    except Exception as e:
        print([type(e).__name__, str(e)])
try:
    model.quantize(array.array('f', [0] * 64), array.array('h', [0] * 64))
except ValueError as e:
    print(['ValueError', str(e)])
"""
    out = device.run(script, files={'m.csv': cmodel.save()})
    assert out.results[0] == ['TypeError', "x (int16 model) must be array('h')"]
    assert out.results[1][0] == 'ValueError' and 'length 64, got 63' in out.results[1][1]
    assert out.results[2][0] == 'TypeError'
    assert 'quantize needs' in out.results[3][1]
    big = DecisionTreeRegressor(max_depth=2).fit(np.array([[0.0], [1e6], [2e6]]), [0, 1, 2])
    with pytest.raises(ValueError, match='out of range'):
        convert(big, dtype='int16')
    with pytest.raises(ValueError, match='dtype'):
        convert(big, dtype='int8')
