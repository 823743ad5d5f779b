"""convert() of scikit-learn's KNeighborsClassifier and of Pipelines
(issue 18.3, 18.5): the device (through the .mpy) against the host twin
(exactly) and against the fitted estimator's own predict (measured
agreement, at least 99%; 100% measured on every set here); class labels
(ints, strings) in the file and learnt on the device; what convert refuses.
"""
import numpy as np
import pytest
from sklearn.datasets import load_digits, load_iris, load_wine, make_classification
from sklearn.decomposition import PCA
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier
from test_neighbors import heap_bytes

from emlearn_micropython import convert
from emlearn_micropython.export import neighbors


def generated20():
    return make_classification(600, 20, n_informative=10, random_state=0)


DATASETS = {'iris': lambda: load_iris(return_X_y=True), 'wine': lambda: load_wine(return_X_y=True),
            'digits': lambda: load_digits(return_X_y=True), 'gen20': generated20}


def split(name, n_train=None, seed=0):
    """Train/test halves; features made float32-exact (the device's inputs)."""
    X, y = DATASETS[name]()
    X = X.astype(np.float32).astype(np.float64)
    order = np.random.RandomState(seed).permutation(len(X))
    n_train = n_train or len(X) // 2
    return X[order[:n_train]], y[order[:n_train]], X[order[n_train:]], y[order[n_train:]]


# (dataset, estimator, labels): labels maps the class numbers to what the
# estimator is fitted on (strings, spread-out ints).
CASES = [
    ('iris', lambda: make_pipeline(StandardScaler(), KNeighborsClassifier(5)),
     lambda y: np.array(['setosa', 'versicolor', 'virginica'])[y]),
    ('wine', lambda: KNeighborsClassifier(7, weights='distance'), lambda y: y * 1000 - 7),
    ('digits', lambda: make_pipeline(MinMaxScaler(), KNeighborsClassifier(3, weights='distance')), lambda y: y),
    ('gen20', lambda: KNeighborsClassifier(5, algorithm='kd_tree'), lambda y: y),
]

DEVICE_PREDICT = '''
import array, gc, emlneighbors, emltest
for name in NAMES:
    m = None
    gc.collect()
    m = emlneighbors.load(open(name + '.csv'))
    nf = m.n_features
    emltest.emit(name, 'meta', m.k, m.weights, m.classes, m.n_items)
    x = array.array('f', bytes(4 * nf))
    q = array.array('h', bytes(2 * nf))
    preds = []
    with open(name + '_Q.bin', 'rb') as f:
        while f.readinto(x) == 4 * nf:
            m.quantize(x, q)
            preds.append(m.predict(q))
    emltest.emit(name, 'preds', preds)
'''


def test_convert_agrees_with_sklearn(device, tmp_path):
    small = heap_bytes(device) < 1 << 20
    files, cases = {}, {}
    for name, make, labels in CASES:
        Xtr, ytr, Xte, _ = split(name, n_train=300 if small and name == 'digits' else None)
        est = make().fit(Xtr, labels(ytr))
        cmodel = convert(est)
        files[f'{name}.csv'] = cmodel.save()
        Xte = Xte[:150] if small else Xte
        files[f'{name}_Q.bin'] = Xte.astype(np.float32).tobytes()
        cases[name] = (est, cmodel, Xte)
    out = device.run(f'NAMES = {list(cases)!r}\n' + DEVICE_PREDICT, files=files)
    got = {(name, kind): rest for name, kind, *rest in out.results}
    for name, (est, cmodel, Xte) in cases.items():
        knn = est[-1] if hasattr(est, 'steps') else est
        k, weights, classes, n_items = got[name, 'meta']
        assert (k, weights, n_items) == (knn.n_neighbors, knn.weights, len(knn._fit_X))
        assert list(classes) == knn.classes_.tolist()
        twin = cmodel.predict(Xte)
        assert got[name, 'preds'][0] == twin.tolist(), name
        agreement = (twin == est.predict(Xte)).mean()
        print(f'{name}: {agreement:.2%} agreement with {type(est).__name__}.predict on {len(Xte)} rows')
        assert agreement >= 0.99, (name, agreement)


def test_int16scaler_changes_distances():
    """Int16Scaler gives each feature its own unit: a kNN on its output is
    not the kNN on the raw features; convert() keeps one unit."""
    Xtr, ytr, Xte, _ = split('gen20')
    raw = KNeighborsClassifier(5).fit(Xtr, ytr)
    scaler = neighbors.Int16Scaler().fit(Xtr)
    own = neighbors.Model(scaler.transform(Xtr), ytr, 5, scaler=scaler)
    per_feature = (own.predict(Xte) == raw.predict(Xte)).mean()
    on_scaled = KNeighborsClassifier(5, algorithm='brute').fit(scaler.transform(Xtr).astype(float), ytr)
    refit = (own.predict(Xte) == on_scaled.predict(scaler.transform(Xte).astype(float))).mean()
    converted = (convert(raw).predict(Xte) == raw.predict(Xte)).mean()
    print(f'Int16Scaler vs raw kNN: {per_feature:.1%}, vs kNN fitted on its output: {refit:.1%}, '
          f'convert(): {converted:.1%}')
    assert per_feature < 0.95 and refit >= 0.99 and converted >= 0.99


# Trees behind a scaler: the thresholds are folded exactly, so the device
# equals scikit-learn on every float32 input, including each folded
# threshold and its float32 neighbours.
TREE_CASES = [
    ('iris', lambda: make_pipeline(StandardScaler(), RandomForestClassifier(5, max_depth=4, random_state=0)), {}),
    ('wine', lambda: make_pipeline(MinMaxScaler(), DecisionTreeClassifier(random_state=0)), {}),
    ('digits', lambda: make_pipeline(StandardScaler(), DecisionTreeClassifier(max_depth=8, random_state=0)),
     {'dtype': 'int16'}),
]

DEVICE_TREES = '''
import array, emltrees, emltest
for name, nf, tc in NAMES:
    m = emltrees.load(open(name + '.csv'))
    x = array.array(tc, bytes((4 if tc == 'f' else 2) * nf))
    preds = []
    with open(name + '_Q.bin', 'rb') as f:
        while f.readinto(x) == len(x) * (4 if tc == 'f' else 2):
            preds.append(m.classes[m.predict(x)])
    emltest.emit(name, preds)
'''


def boundary_rows(cmodel, X, integer):
    """Rows of X with one feature set to a node's threshold or next to it."""
    rows = []
    for i, (feature, t, _, _) in enumerate(cmodel.nodes[:60]):
        for v in ((t - 1, t, t + 1) if integer else
                  (np.nextafter(np.float32(t), np.float32(-np.inf)), np.float32(t),
                   np.nextafter(np.float32(t), np.float32(np.inf)))):
            row = X[i % len(X)].copy()
            row[feature] = v
            rows.append(row)
    return np.array(rows)


def test_pipeline_trees_exact(device):
    files, names, expected = {}, [], {}
    for name, make, options in TREE_CASES:
        Xtr, ytr, Xte, _ = split(name)
        est = make().fit(Xtr, ytr)
        cmodel = convert(est, **options)
        integer = options.get('dtype') == 'int16'
        Q = np.vstack([Xte[:100], boundary_rows(cmodel, Xte, integer)])
        Q = Q.astype(np.int16) if integer else Q.astype(np.float32)
        ref = est.predict(Q.astype(np.float64))
        np.testing.assert_array_equal(cmodel.predict(Q), ref, err_msg=name)
        files[f'{name}.csv'] = cmodel.save()
        files[f'{name}_Q.bin'] = Q.tobytes()
        names.append((name, Q.shape[1], 'h' if integer else 'f'))
        expected[name] = ref.tolist()
    out = device.run(f'NAMES = {names!r}\n' + DEVICE_TREES, files=files)
    for name, preds in out.results:
        assert preds == expected[name], name


DEVICE_LABELS = '''
import array, emlneighbors, emltest
H = lambda *v: array.array('h', v)
check = emltest.attempt
m = emlneighbors.new(4, 2, 1, 2)
check('classes empty', lambda: m.classes)
check('add a', lambda: m.additem(H(0, 0), 'wave'))
check('add b', lambda: m.additem(H(100, 100), 'tap'))
check('add c', lambda: m.additem(H(200, 200), 'shake'))
check('add int', lambda: m.additem(H(1, 1), 3))
check('add float', lambda: m.additem(H(1, 1), 1.5))
check('add known', lambda: m.additem(H(90, 90), 'tap'))
check('predict', lambda: m.predict(H(95, 95)))
check('result', lambda: m.getresult(0))
check('item', lambda: m.getitem(0, H(0, 0)))
check('classes', lambda: m.classes)
check('add fourth', lambda: m.additem(H(1, 1), 'wave'))
check('full', lambda: m.additem(H(1, 1), 'new'))
plain = emlneighbors.new(2, 2, 1)
check('plain str', lambda: plain.additem(H(1, 1), 'wave'))
check('plain classes', lambda: plain.classes)
check('max_classes 0', lambda: emlneighbors.new(2, 2, 1, 0))
s = emlneighbors.load(open('str.csv'), None, 10, 3)
check('str meta', lambda: (s.k, s.weights, s.classes, s.max_items))
check('str learn', lambda: s.additem(H(-500, -500), 'new'))
check('str predict new', lambda: s.predict(H(-499, -499)))
check('str unknown', lambda: s.additem(H(1, 1), 'other'))
check('str k override', lambda: emlneighbors.load(open('str.csv'), 2).k)
i = emlneighbors.load(open('int.csv'), None, 4, 4)
check('int relabel', lambda: (i.classes, i.predict(H(0, 0)), i.additem(H(5, 5), 2**31 - 1), i.classes))
t = emlneighbors.new(5, 2, 1, 3)
t.additem(H(7, 7), 'old')
check('load_model', lambda: (emlneighbors.load_model(t, open('str.csv')), t.n_items, t.classes, t.weights,
                             t.predict(H(19, 19)), t.additem(H(50, 50), 'x'), t.classes))
check('load_model features', lambda: emlneighbors.load_model(emlneighbors.new(5, 3, 1), open('str.csv')))
check('load_model object', lambda: emlneighbors.load_model(object(), open('str.csv')))
check('load_model small', lambda: emlneighbors.load_model(emlneighbors.new(2, 2, 1), open('str.csv')))
for n, text in enumerate(FILES):
    check('file %d' % n, lambda: emlneighbors.load(emltest.Lines(text), None, None, None, strict=False).classes)
'''

LABEL_FILES = [
    'emlneighbors,1,1,1\n5,1\n',                          # 0 no k line, no k given
    'emlneighbors,1,1,1\nk,1\ny,str,a,b\n2,1\n',          # 1 label index out of range
    'emlneighbors,1,1,1\nk,1\n0,1\ny,int,4\n',            # 2 y line after the items
    'emlneighbors,1,1,1\nk,1\nw,nearest\n0,1\n',          # 3 unknown weights
    'emlneighbors,1,1,1\nk,1\ny,float,1.5\n0,1\n',        # 4 malformed y line
    'emlneighbors,1,1,1\nk,1\ny,int,x\n0,1\n',            # 5 malformed int label
    'emlneighbors,1,2,1\nk,3\nw,distance\ny,str,a,b\n0,1\n1,-1\n',   # 6 good
    'emlneighbors,1,1,1\nk,0\n0,1\n',                     # 7 k 0
]


def test_labels_on_device(device):
    X = np.array([[0, 0], [10, 10], [20, 20]], np.int16)
    files = {'str.csv': neighbors.dumps(X, ['up', 'down', 'up'], k=1, weights='distance'),
             'int.csv': neighbors.dumps(X, [7, -3, 7], k=1)}
    res = device.run(f'FILES = {LABEL_FILES!r}\n' + DEVICE_LABELS, files=files).by_name()
    assert res['classes empty'] == ['ok', []]
    assert res['add a'] == ['ok', 0] and res['add b'] == ['ok', 1]
    assert res['add c'] == ['ValueError', "unknown label 'shake': the model's 2 classes are all in use (max_classes)"]
    assert res['add int'][0] == 'TypeError' and res['add float'][0] == 'TypeError'
    assert res['add known'] == ['ok', 2]
    assert res['predict'] == ['ok', 'tap'] and res['result'] == ['ok', [1, 50, 'tap']]  # tie: lower index
    assert res['item'] == ['ok', 'wave'] and res['classes'] == ['ok', ['wave', 'tap']]
    assert res['add fourth'] == ['ok', 3]
    assert res['full'] == ['ValueError', 'model is full: max_items is 4']  # before the class check
    assert res['plain str'][0] == 'TypeError' and res['plain classes'] == ['ok', None]
    assert res['max_classes 0'][0] == 'ValueError'
    assert res['str meta'] == ['ok', [1, 'distance', ['down', 'up'], 10]]
    assert res['str learn'] == ['ok', 3] and res['str predict new'] == ['ok', 'new']
    assert res['str unknown'][0] == 'ValueError' and res['str k override'] == ['ok', 2]
    assert res['int relabel'] == ['ok', [[7, -3], 7, 3, [7, -3, 2**31 - 1]]]
    assert res['load_model'] == ['ok', [None, 3, ['down', 'up'], 'distance', 'up', 3, ['down', 'up', 'x']]]
    assert res['load_model features'] == ['ValueError', 'the file has 2 features, the model 3']
    assert res['load_model object'][0] == 'TypeError'
    assert res['load_model small'] == ['ValueError', "max_items 2 is less than the file's 3 items"]
    assert res['file 0'] == ['ValueError', 'k missing: the file has no k line, give load(f, k)']
    for n in (1, 2, 3, 4, 5, 7):
        assert res[f'file {n}'][0] == 'ValueError' and res[f'file {n}'][1].startswith('line '), (n, res[f'file {n}'])
    assert res['file 6'] == ['ok', ['a', 'b']]
    # the host reader gives the same labels
    assert neighbors.loads(files['str.csv'])[1].tolist() == ['up', 'down', 'up']
    assert neighbors.load_csv(files['int.csv']).predict(np.array([[1, 1]])).tolist() == [7]


def test_convert_refusals():
    X, y = load_iris(return_X_y=True)
    for est, words in [
            (KNeighborsClassifier(metric='manhattan'), "metric='manhattan'"),
            (KNeighborsClassifier(p=3), 'p=3'),
            (KNeighborsClassifier(metric_params={'w': np.ones(4)}), 'metric_params'),
            (KNeighborsClassifier(weights=lambda d: d), 'weights=<function'),
            (make_pipeline(PCA(2), KNeighborsClassifier()), 'unsupported Pipeline step PCA'),
            (make_pipeline(MinMaxScaler(clip=True), KNeighborsClassifier()), 'clip=True'),
            (make_pipeline(StandardScaler(), MLPClassifier((4,), solver='lbfgs', max_iter=2000, random_state=0)), 'convert its last step'),
            (SVC(), 'no device module implements it'),
            (LogisticRegression(max_iter=500), 'neighbors: KNeighborsClassifier'),
            (KNeighborsRegressor(), 'use KNeighborsClassifier')]:
        with pytest.raises(ValueError, match=words.replace('(', r'\(').replace('[', r'\[')):
            convert(est.fit(X, y))
    with pytest.raises(ValueError, match='not fitted'):
        convert(KNeighborsClassifier())
    with pytest.raises(ValueError, match='multi-output'):
        convert(KNeighborsClassifier().fit(X, np.c_[y, y]))
    with pytest.raises(ValueError, match='without commas'):
        convert(KNeighborsClassifier().fit(X, np.array(['a,b', 'c', 'd'])[y]))
    with pytest.raises(ValueError, match='ints or strings'):
        neighbors.dumps(np.zeros((2, 1), np.int16), [1.5, 2.5])
