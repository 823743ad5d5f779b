"""emltrees against scikit-learn, through the real .mpy on the device.

Every classifier must give scikit-learn's class on every test row and on
rows placed exactly on, and one float32 ulp either side of, thresholds;
probabilities within 1e-6; regressors within float32 rounding. The device
must also match the exporter's own prediction (Model.predict) bit for bit.
All models of a kind run in ONE device script.
"""
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from sklearn import datasets
from sklearn.ensemble import (ExtraTreesClassifier, ExtraTreesRegressor,
                              RandomForestClassifier, RandomForestRegressor)
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from emlearn_micropython import convert

# The agreement figures (README section trees): `make test` keeps them in
# build/ (EML_REPORT_DIR); a plain pytest run writes them to the temp folder.
REPORT = Path(os.environ.get('EML_REPORT_DIR') or tempfile.gettempdir()) / 'trees_agreement.json'

# Loads each model named in models.txt, predicts every row of <name>.bin and
# prints [name, predictions, probabilities as float32 bits].
DEVICE_SCRIPT = """\
import array, emltrees, emltest, gc

def bits(values):
    return list(array.array('I', bytes(array.array('f', values))))

with open('models.txt') as f:
    specs = [line.split() for line in f.read().split('\\n') if line]
for name, trees, nodes, words in specs:
    model = emltrees.new(int(trees), int(nodes), int(words))
    with open(name + '.csv') as f:
        emltrees.load_model(model, f)
    X = emltest.read_array(name + '.bin', 'f')
    n = model.n_features
    preds, proba = [], []
    out = array.array('f', [0.0] * max(model.n_classes, 1))
    for i in range(0, len(X), n):
        x = X[i:i + n]
        preds.append(model.predict(x))
        if model.n_classes:
            model.predict_proba(x, out)
            proba.extend(bits(out))
    if not model.n_classes:
        preds = bits(preds)
    emltest.emit(name, preds, proba)
    del model, X, preds, proba
    gc.collect()
"""


def xor_set(n=600, seed=3):
    rng = np.random.RandomState(seed)
    X = rng.uniform(0.0, 1.0, size=(n, 2))
    return X, ((X[:, 0] > 0.5) ^ (X[:, 1] > 0.5)).astype(int)


def classification_sets():
    return {
        'iris': datasets.load_iris(return_X_y=True),
        'wine': datasets.load_wine(return_X_y=True),
        'breast_cancer': datasets.load_breast_cancer(return_X_y=True),
        'digits': datasets.load_digits(return_X_y=True),
        'generated': datasets.make_classification(n_samples=600, n_features=20, n_informative=8,
                                                  n_classes=4, random_state=4),
        'xor': xor_set(),
    }


def regression_sets():
    return {
        'generated': datasets.make_regression(n_samples=500, n_features=10, noise=5.0, random_state=5),
        'diabetes': datasets.load_diabetes(return_X_y=True),
        'friedman': datasets.make_friedman1(n_samples=500, random_state=6),
    }


CLASSIFIERS = {
    'DT': lambda: DecisionTreeClassifier(random_state=1),
    'DT-d3': lambda: DecisionTreeClassifier(max_depth=3, random_state=1),
    'RF10': lambda: RandomForestClassifier(n_estimators=10, random_state=1),
    'RF3-d4': lambda: RandomForestClassifier(n_estimators=3, max_depth=4, random_state=1),
    'ET10': lambda: ExtraTreesClassifier(n_estimators=10, random_state=1),
    'ET5-d6': lambda: ExtraTreesClassifier(n_estimators=5, max_depth=6, random_state=1),
}
REGRESSORS = {
    'DT': lambda: DecisionTreeRegressor(random_state=1),
    'DT-d4': lambda: DecisionTreeRegressor(max_depth=4, random_state=1),
    'RF10': lambda: RandomForestRegressor(n_estimators=10, max_depth=8, random_state=1),
    'ET5-d6': lambda: ExtraTreesRegressor(n_estimators=5, max_depth=6, random_state=1),
}


def threshold_rows(estimator, X, limit=120):
    """Rows that reach a decision node, with that node's feature set exactly
    on its float32 threshold and one ulp either side."""
    trees = getattr(estimator, 'estimators_', [estimator])
    rows = []
    rng = np.random.RandomState(7)
    for tree in trees:
        paths = tree.decision_path(X).tocsc()
        nodes = np.flatnonzero(tree.tree_.children_left != -1)
        for node in rng.permutation(nodes)[:max(1, limit // (3 * len(trees)))]:
            hits = paths[:, node].nonzero()[0]
            if len(hits) == 0:
                continue
            t = np.float32(tree.tree_.threshold[node])
            if float(t) > tree.tree_.threshold[node]:
                t = np.nextafter(t, np.float32(-np.inf))
            for value in (t, np.nextafter(t, np.float32(np.inf)), np.nextafter(t, np.float32(-np.inf))):
                row = X[hits[0]].copy()
                row[tree.tree_.feature[node]] = value
                rows.append(row)
    return np.array(rows, dtype=np.float32).reshape(-1, X.shape[1])


def build_cases(sets, estimators, max_test=250, max_edges=120):
    cases = {}
    for data_name, (X, y) in sets.items():
        X = np.asarray(X, dtype=np.float32)
        X_train, X_test, y_train, _ = train_test_split(X, y, test_size=0.3, random_state=2)
        X_test = X_test[:max_test]
        for est_name, make in estimators.items():
            estimator = make().fit(X_train, y_train)
            X_all = np.concatenate([X_test, threshold_rows(estimator, X_test, max_edges)])
            cases[f'{data_name}-{est_name}'] = (estimator, convert(estimator), X_all)
    return cases


def sizes(device):
    """Test rows and threshold rows per model: boards print through a slow UART."""
    return dict(max_test=250, max_edges=120) if device.float_bits == 64 else dict(max_test=60, max_edges=45)


def run_cases(device, cases):
    files = {'models.txt': ''.join(f'{name} {c.n_trees} {max(c.n_nodes, 1)} {c.leaf_words}\n'
                                   for name, (_, c, _) in cases.items())}
    for name, (_, cmodel, X) in cases.items():
        files[name + '.csv'] = cmodel.save(name=name)
        files[name + '.bin'] = X.astype(np.float32).tobytes()
    out = device.run(DEVICE_SCRIPT, files=files)
    return {r[0]: (np.array(r[1]), np.array(r[2], dtype=np.uint32).view(np.float32)) for r in out.results}


def record(kind, rows):
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    report = json.loads(REPORT.read_text()) if REPORT.exists() else {}
    report[kind] = rows
    REPORT.write_text(json.dumps(report, indent=1))


def test_classifiers_match_sklearn(device):
    cases = build_cases(classification_sets(), CLASSIFIERS, **sizes(device))
    results = run_cases(device, cases)
    assert sorted(results) == sorted(cases)
    rows, failures = {}, []
    for name, (estimator, cmodel, X) in cases.items():
        preds, proba = results[name]
        expected = np.searchsorted(estimator.classes_, estimator.predict(X))
        proba = proba.reshape(len(X), -1)
        proba_error = float(np.abs(proba - estimator.predict_proba(X)).max())
        rows[name] = [float(np.mean(preds == expected)), len(X), cmodel.n_nodes, cmodel.leaf_words, proba_error]
        np.testing.assert_array_equal(preds, cmodel.predict(X), err_msg=name)
        np.testing.assert_array_equal(proba, cmodel.predict_proba(X), err_msg=name)
        if not np.array_equal(preds, expected):
            failures.append(name)
        np.testing.assert_allclose(proba, estimator.predict_proba(X), atol=1e-6, rtol=0, err_msg=name)
    record(f'classifiers_{device.spec}', rows)
    assert not failures, {f: rows[f] for f in failures}


def test_regressors_match_sklearn(device):
    cases = build_cases(regression_sets(), REGRESSORS, **sizes(device))
    results = run_cases(device, cases)
    for name, (estimator, cmodel, X) in cases.items():
        values = results[name][0].astype(np.uint32).view(np.float32)
        np.testing.assert_array_equal(values, cmodel.predict(X), err_msg=name)
        expected = estimator.predict(X)
        # float32 leaves, summed in float32: a few float32 ulps of the largest leaf
        scale = np.abs(estimator.predict(X)).max() + 1.0
        np.testing.assert_allclose(values, expected, rtol=0, atol=4 * scale * 2.0**-23, err_msg=name)


def test_hard_vote_mode_is_compact(device):
    """leaf_bits=0: one class per leaf (one word), majority vote. Its agreement
    with scikit-learn's soft vote is measured, not required."""
    sets = classification_sets()
    cases = {}
    for data_name in ('digits', 'breast_cancer', 'generated'):
        X, y = sets[data_name]
        X = np.asarray(X, dtype=np.float32)
        X_train, X_test, y_train, _ = train_test_split(X, y, test_size=0.3, random_state=2)
        estimator = RandomForestClassifier(n_estimators=10, max_depth=8, random_state=1).fit(X_train, y_train)
        cmodel = convert(estimator, leaf_bits=0)
        assert cmodel.leaf_words == cmodel.n_leaves <= len(estimator.classes_)
        cases[f'{data_name}-RF10-d8-vote'] = (estimator, cmodel, X_test)
    results = run_cases(device, cases)
    rows = {}
    for name, (estimator, cmodel, X) in cases.items():
        preds = results[name][0]
        np.testing.assert_array_equal(preds, cmodel.predict(X), err_msg=name)
        expected = np.searchsorted(estimator.classes_, estimator.predict(X))
        rows[name] = [float(np.mean(preds == expected)), len(X), cmodel.n_nodes, cmodel.leaf_words,
                      convert(estimator).leaf_words]
        assert rows[name][0] > 0.9
    record(f'hard_vote_{device.spec}', rows)


@pytest.mark.parametrize('typecode', ['h'])
def test_int16_inputs(device, typecode):
    """array('h') inputs are taken as numbers: same answers as float32 rows."""
    X, y = datasets.load_digits(return_X_y=True)
    estimator = RandomForestClassifier(n_estimators=5, max_depth=6, random_state=1).fit(X, y)
    cmodel = convert(estimator)
    script = """\
import array, emltrees, emltest
model = emltrees.new(5, 400, 4000)
with open('m.csv') as f:
    emltrees.load_model(model, f)
X = emltest.read_array('X.bin', 'h')
print([model.predict(X[i:i + 64]) for i in range(0, len(X), 64)])
"""
    X_test = X[::7].astype(np.int16)
    out = device.run(script, files={'m.csv': cmodel.save(), 'X.bin': X_test.tobytes()})
    np.testing.assert_array_equal(out.results[0], estimator.predict(X_test.astype(np.float32)))


def test_single_leaf_trees(device):
    """Trees that are just a leaf (negative root in our files): a one-class
    classifier, a stump that never splits, and a forest of those."""
    X, y = datasets.load_iris(return_X_y=True)
    X = X.astype(np.float32)
    cases = {}
    for name, estimator in {
        'one-class': DecisionTreeClassifier().fit(X, np.zeros(len(y), dtype=int)),
        'no-split': DecisionTreeClassifier(min_samples_split=1000).fit(X, y),
        'forest-no-split': RandomForestClassifier(n_estimators=4, min_samples_split=1000,
                                                  random_state=1).fit(X, y),
        'regressor-no-split': RandomForestRegressor(n_estimators=3, min_samples_split=1000,
                                                    random_state=1).fit(X, y),
    }.items():
        cmodel = convert(estimator)
        assert cmodel.n_nodes == 0 and all(r < 0 for r in cmodel.roots)
        cases[name] = (estimator, cmodel, X[::10])
    results = run_cases(device, cases)
    for name, (estimator, cmodel, X_rows) in cases.items():
        preds, proba = results[name]
        if cmodel.is_classifier:
            np.testing.assert_array_equal(preds, np.searchsorted(estimator.classes_, estimator.predict(X_rows)))
            np.testing.assert_allclose(proba.reshape(len(X_rows), -1), estimator.predict_proba(X_rows), atol=1e-6)
        else:
            values = preds.astype(np.uint32).view(np.float32)
            np.testing.assert_allclose(values, estimator.predict(X_rows), rtol=1e-6)


def big_tree_csv(depth, n_features, seed):
    """A complete tree of 2**depth - 1 nodes in preorder (the root's right
    jump is 2**(depth-1)), random features and float32 thresholds."""
    rng = np.random.RandomState(seed)
    lines = [f'f,{n_features}', 'c,2', 'lb,0', 'l,0', 'l,1', 'r,0']
    thresholds = rng.standard_normal(2**depth).astype(np.float32)
    index = 0

    def node(level):
        nonlocal index
        i = index
        index += 1
        feature = rng.randint(n_features)
        t = thresholds[i]
        if level == depth - 1:
            left, right = rng.choice([-1, -2], size=2)
            lines.append(f'n,{feature},{t:.9g},{left},{right},0x{int(t.view(np.uint32)):08x}')
            return
        at = len(lines)
        lines.append(None)
        node(level + 1)
        right_jump = index - i
        node(level + 1)
        lines[at] = f'n,{feature},{t:.9g},1,{right_jump},0x{int(t.view(np.uint32)):08x}'
    node(0)
    return '\n'.join(lines) + '\n'


def test_large_models_have_no_small_limits(device):
    """More than 32767 nodes (jumps above 32767) and more than 255 features."""
    from emlearn_micropython.trees import load_csv
    if device.float_bits == 32:
        depth, n_features, rows = 12, 300, 40      # a board's heap: 4095 nodes, 48 KB
    else:
        depth, n_features, rows = 16, 300, 200     # 65535 nodes
    text = big_tree_csv(depth, n_features, seed=8)
    reading = load_csv(text)
    X = np.random.RandomState(9).standard_normal((rows, n_features)).astype(np.float32)
    script = f"""\
import emltrees, emltest
model = emltrees.new(1, {reading.n_nodes}, 2)
with open('big.csv') as f:
    emltrees.load_model(model, f)
X = emltest.read_array('X.bin', 'f')
n = model.n_features
print([model.n_nodes, model.n_features])
print([model.predict(X[i:i + n]) for i in range(0, len(X), n)])
"""
    out = device.run(script, files={'big.csv': text, 'X.bin': X.tobytes()})
    assert out.results[0] == [2**depth - 1, n_features]
    expected = reading.predict(X)
    assert len(set(expected)) == 2
    np.testing.assert_array_equal(out.results[1], expected)


def test_predict_allocates_nothing(device):
    """predict and predict_proba of a classifier allocate no heap."""
    X, y = datasets.load_iris(return_X_y=True)
    estimator = RandomForestClassifier(n_estimators=5, max_depth=4, random_state=2).fit(X, y)
    cmodel = convert(estimator)
    script = f"""\
import array, emltrees, emltest
model = emltrees.new({cmodel.n_trees}, {cmodel.n_nodes}, {cmodel.leaf_words})
with open('m.csv') as f:
    emltrees.load_model(model, f)
x = emltest.read_array('x.bin', 'f')
out = array.array('f', bytes(4 * model.n_classes))
def step():
    model.predict(x)
    model.predict_proba(x, out)
emltest.emit('allocated', emltest.allocated(step))
emltest.emit('label', model.predict(x))
"""
    row = X[:1].astype(np.float32)
    out = device.run(script, {'m.csv': cmodel.save(), 'x.bin': row.tobytes()})
    assert out.results == [['allocated', 0], ['label', int(estimator.predict(row)[0])]]


# For tests/test_memory.py: what allocates, and a check that the module still works.
MEMORY = {
    'module': 'emltrees',
    'setup': "trees_model = emltrees.new(1, 1)\ntrees_file = Lines('f,60000\\n')",
    'cases': [('trees new', 'emltrees.new(10, 5000)', 'model nodes: 5000 items'),
              ('trees load_model', 'emltrees.load_model(trees_model, trees_file)',
               "model's input keys: 60000 items")],
    'alive': ("tree = emltrees.new(1, 1)\n"
              "emltrees.load_model(tree, Lines('f,1\\nc,0\\nlb,32\\nl,1.5\\nl,-2.5\\nr,0\\n"
              "n,0,0,-1,-2\\n'))", "tree.predict(array.array('f', [0.0]))", [1.5, -2.5]),
}
