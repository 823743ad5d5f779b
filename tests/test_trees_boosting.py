"""Boosted trees (scikit-learn GB/HGB, XGBoost, LightGBM) and IsolationForest
through the real .mpy, against the libraries (issue 16).

Rows: held-out rows, rows with a feature exactly on, and one float32 ulp
either side of, thresholds, and (models with NaN directions) rows with
NaNs. The device must equal the exporter's twin bit for bit; the twin must
match the library: classes except where the top-2 margins are within 1e-5,
probabilities and values within 1e-5 relative / 1e-6 absolute.
"""
import numpy as np
import pytest
from sklearn import datasets
from sklearn.ensemble import (GradientBoostingClassifier, GradientBoostingRegressor,
                              HistGradientBoostingClassifier, HistGradientBoostingRegressor,
                              IsolationForest)
from sklearn.model_selection import train_test_split

from emlearn_micropython import convert

xgboost = pytest.importorskip('xgboost')
lightgbm = pytest.importorskip('lightgbm')

DEVICE_SCRIPT = """\
import array, emltrees, emltest, gc

def bits(values):
    return list(array.array('I', bytes(array.array('f', values))))

with open('models.txt') as f:
    names = f.read().split()
for name in names:
    with open(name + '.csv') as f:
        model = emltrees.load(f)
    X = emltest.read_array(name + '.bin', 'h' if name.endswith('-i16') else 'f')
    n = model.n_features
    preds, extra = [], []
    out = array.array('f', [0.0] * max(model.n_classes, 1))
    margins = array.array('f', [0.0] * model.n_outputs)
    iso = name.startswith('iso')
    for i in range(0, len(X), n):
        x = X[i:i + n]
        preds.append(model.predict(x))
        if iso:
            extra.append(model.score_samples(x))
            extra.append(model.decision_function(x))
            continue
        model.decision_function(x, margins)
        extra.extend(margins)
        if model.n_classes:
            model.predict_proba(x, out)
            extra.extend(out)
    if not model.n_classes and not iso:
        preds = bits(preds)
    emltest.emit(name, preds, bits(extra))
    del model, X, preds, extra
    gc.collect()
"""


def nan_set(seed=5):
    X, y = datasets.make_classification(n_samples=500, n_features=20, n_informative=8, random_state=seed)
    X[np.random.RandomState(seed).rand(*X.shape) < 0.08] = np.nan
    return X, y


SETS = {
    'bc': lambda: datasets.load_breast_cancer(return_X_y=True),
    'iris': lambda: datasets.load_iris(return_X_y=True),
    'wine': lambda: datasets.load_wine(return_X_y=True),
    'nan': nan_set,
    'diab': lambda: datasets.load_diabetes(return_X_y=True),
    'fried': lambda: datasets.make_friedman1(n_samples=500, random_state=6),
    'gen': lambda: datasets.make_classification(n_samples=1000, n_features=20, n_informative=10,
                                                n_classes=3, random_state=7),
}
LGBM = dict(verbose=-1, random_state=1, min_child_samples=5)
# name: (data set, estimator, boards too)
CASES = {
    'bc-GB10-d3': ('bc', lambda: GradientBoostingClassifier(n_estimators=10, max_depth=3, random_state=1), True),
    'iris-GB30-d2': ('iris', lambda: GradientBoostingClassifier(n_estimators=30, max_depth=2, random_state=1), True),
    'diab-GBR50-d4': ('diab', lambda: GradientBoostingRegressor(n_estimators=50, max_depth=4, random_state=1), True),
    'nan-HGB40-d4': ('nan', lambda: HistGradientBoostingClassifier(max_iter=40, max_depth=4, random_state=1), True),
    'wine-HGB20-d3': ('wine', lambda: HistGradientBoostingClassifier(max_iter=20, max_depth=3, random_state=1), True),
    'fried-HGBR100-d6': ('fried', lambda: HistGradientBoostingRegressor(max_iter=100, max_depth=6,
                                                                        random_state=1), True),
    'nan-XGB50-d4': ('nan', lambda: xgboost.XGBClassifier(n_estimators=50, max_depth=4, random_state=1), True),
    'iris-XGB30-d3': ('iris', lambda: xgboost.XGBClassifier(n_estimators=30, max_depth=3, random_state=1), True),
    'diab-XGBR100-d6': ('diab', lambda: xgboost.XGBRegressor(n_estimators=100, max_depth=6, random_state=1), True),
    'nan-LGBM50-d5': ('nan', lambda: lightgbm.LGBMClassifier(n_estimators=50, max_depth=5, **LGBM), True),
    'wine-LGBM20-d3': ('wine', lambda: lightgbm.LGBMClassifier(n_estimators=20, max_depth=3, **LGBM), True),
    'fried-LGBMR100-d8': ('fried', lambda: lightgbm.LGBMRegressor(n_estimators=100, max_depth=8, **LGBM), True),
    'gen-XGB100-d8': ('gen', lambda: xgboost.XGBClassifier(n_estimators=100, max_depth=8, random_state=1), False),
    'gen-HGB100-d6': ('gen', lambda: HistGradientBoostingClassifier(max_iter=100, max_depth=6, random_state=1,
                                                                     early_stopping=False), False),
    'bc-LGBM300-d6': ('bc', lambda: lightgbm.LGBMClassifier(n_estimators=300, max_depth=6, **LGBM), False),
}


def threshold_rows(cmodel, X, limit):
    """Rows of X with one feature on a node's float32 threshold, or one ulp
    either side."""
    rng = np.random.RandomState(3)
    rows = []
    picks = rng.permutation(len(cmodel.nodes))[:max(1, limit // 3)] if cmodel.nodes else []
    for i in picks:
        feature, t = cmodel.nodes[i][0], cmodel.nodes[i][1]
        for value in (t, np.nextafter(t, np.float32(np.inf)), np.nextafter(t, np.float32(-np.inf))):
            row = X[rng.randint(len(X))].copy()
            row[feature] = value
            rows.append(row)
    return np.array(rows, dtype=np.float32).reshape(-1, X.shape[1])


def build(device):
    board = device.float_bits == 32
    n_test, n_edges = (40, 30) if board else (150, 150)
    cases = {}
    for name, (data, make, on_boards) in CASES.items():
        if board and not on_boards:
            continue
        X, y = SETS[data]()
        X = np.asarray(X, dtype=np.float32)
        X_train, X_test, y_train, _ = train_test_split(X, y, test_size=0.3, random_state=2)
        estimator = make().fit(X_train, y_train)
        cmodel = convert(estimator)
        rows = np.concatenate([X_test[:n_test], threshold_rows(cmodel, X_test, n_edges)])
        cases[name] = (estimator, cmodel, rows)
    return cases


def isolation_cases(device):
    X, _ = datasets.load_breast_cancer(return_X_y=True)
    X = X.astype(np.float32)
    rng = np.random.RandomState(4)
    outliers = (X[:20] + rng.normal(0, 5, size=(20, X.shape[1])) * X.std(axis=0)).astype(np.float32)
    cases = {}
    for name, est in {'iso-100': IsolationForest(n_estimators=100, random_state=1),
                      'iso-30-f05': IsolationForest(n_estimators=30, max_features=0.5, random_state=1),
                      'iso-50-c01': IsolationForest(n_estimators=50, contamination=0.1, random_state=1)}.items():
        est.fit(X[100:])
        cmodel = convert(est)
        rows = np.concatenate([X[:60 if device.float_bits == 32 else 100], outliers, threshold_rows(cmodel, X, 30)])
        cases[name] = (est, cmodel, rows)
    return cases


def run(device, cases):
    files = {'models.txt': ' '.join(cases)}
    for name, (_, cmodel, X) in cases.items():
        files[name + '.csv'] = cmodel.save(name=name)
        files[name + '.bin'] = X.astype(np.int16 if cmodel.dtype == 'int16' else np.float32).tobytes()
    out = device.run(DEVICE_SCRIPT, files=files)
    return {r[0]: (np.array(r[1]), np.array(r[2], dtype=np.uint32).view(np.float32)) for r in out.results}


def close_margins(margins):
    """Rows whose top-2 margins (or a single margin and 0) are within 1e-5."""
    m = margins.reshape(len(margins), -1)
    if m.shape[1] == 1:
        return np.abs(m[:, 0]) < 1e-5
    top = np.sort(m, axis=1)
    return top[:, -1] - top[:, -2] < 1e-5


def check_boosting(cases, results, library_rows=lambda X: X):
    """Device == twin bit for bit; twin vs library (which gets
    library_rows(X)): classes except near-tied margins, probabilities and
    values within 1e-5 relative / 1e-6 absolute."""
    assert sorted(results) == sorted(cases)
    for name, (est, cmodel, X) in cases.items():
        preds, extra = results[name]
        lib_X = library_rows(X)
        k = cmodel.n_outputs
        if cmodel.is_classifier:
            extra = extra.reshape(len(X), k + cmodel.n_classes)
            margins, proba = extra[:, :k], extra[:, k:]
            np.testing.assert_array_equal(preds, cmodel.predict_index(X), err_msg=name)
            np.testing.assert_array_equal(proba, cmodel.predict_proba(X), err_msg=name)
            ok = (cmodel.predict(X) == est.predict(lib_X)) | close_margins(margins)
            assert ok.all(), (name, np.flatnonzero(~ok))
            np.testing.assert_allclose(proba, est.predict_proba(lib_X), rtol=1e-5, atol=1e-6, err_msg=name)
        else:
            margins = extra.reshape(len(X), 1)
            values = preds.astype(np.uint32).view(np.float32)
            np.testing.assert_array_equal(values, cmodel.predict(X), err_msg=name)
            np.testing.assert_allclose(values, est.predict(lib_X), rtol=1e-5, atol=1e-6, err_msg=name)
        np.testing.assert_array_equal(margins.reshape(len(X), -1),
                                      cmodel.decision_function(X).reshape(len(X), -1), err_msg=name)


def check_isolation(cases, results, min_outliers, library_rows=lambda X: X):
    """score_samples and decision_function == twin bit for bit, predict ==
    scikit-learn's, scores within 1e-5 relative / 1e-6 absolute."""
    for name, (est, cmodel, X) in cases.items():
        preds, extra = results[name]
        lib_X = library_rows(X)
        score, decision = extra[0::2], extra[1::2]
        np.testing.assert_array_equal(score, cmodel.score_samples(X), err_msg=name)
        np.testing.assert_array_equal(decision, cmodel.decision_function(X), err_msg=name)
        np.testing.assert_array_equal(preds, est.predict(lib_X), err_msg=name)
        np.testing.assert_allclose(score, est.score_samples(lib_X), rtol=1e-5, atol=1e-6, err_msg=name)
        np.testing.assert_allclose(decision, est.decision_function(lib_X), rtol=1e-5, atol=1e-6, err_msg=name)
        assert (preds == -1).sum() >= min_outliers, name


def test_boosting_matches_libraries(device):
    cases = build(device)
    check_boosting(cases, run(device, cases))
    assert all(np.isnan(X).any() for name, (_, _, X) in cases.items() if name.startswith('nan'))


def test_isolation_forest_matches_sklearn(device):
    cases = isolation_cases(device)
    check_isolation(cases, run(device, cases), min_outliers=10)


def test_unsupported_boosting_is_refused():
    X, y = datasets.load_iris(return_X_y=True)
    Xb, yb = X[y < 2], y[y < 2]
    refused = {
        'dart': xgboost.XGBClassifier(booster='dart', n_estimators=3).fit(X, y),
        'gblinear': xgboost.XGBRegressor(booster='gblinear', n_estimators=3).fit(X, y),
        'objective': xgboost.XGBRegressor(objective='count:poisson', n_estimators=3).fit(X, y),
        'multi-output': xgboost.XGBRegressor(n_estimators=3).fit(X, np.stack([y, y], axis=1)),
        'categorical': HistGradientBoostingClassifier(max_iter=3, categorical_features=[0]).fit(
            np.c_[np.arange(len(X)) % 3, X[:, 1:]], y),
        'exponential': GradientBoostingClassifier(loss='exponential', n_estimators=3).fit(Xb, yb),
        'poisson': HistGradientBoostingRegressor(loss='poisson', max_iter=3).fit(X, y + 1),
        'lgbm-rf': lightgbm.LGBMClassifier(boosting_type='rf', n_estimators=3, bagging_freq=1,
                                           bagging_fraction=0.5, verbose=-1).fit(X, y),
        'lgbm-categorical': lightgbm.LGBMClassifier(n_estimators=3, verbose=-1, min_child_samples=2).fit(
            np.c_[np.arange(len(X)) % 3, X[:, 1:]], y, categorical_feature=[0]),
    }
    for name, est in refused.items():
        with pytest.raises(ValueError, match='not supported'):
            convert(est)


def test_nan_raises_where_the_library_has_no_direction(device):
    """GradientBoosting and IsolationForest have no NaN directions: NaN raises."""
    X, y = datasets.load_breast_cancer(return_X_y=True)
    files = {'gb.csv': convert(GradientBoostingClassifier(n_estimators=3, random_state=1).fit(X, y)).save(),
             'iso.csv': convert(IsolationForest(n_estimators=3, random_state=1).fit(X)).save(),
             'hgb.csv': convert(HistGradientBoostingClassifier(max_iter=3).fit(X, y)).save()}
    script = """\
import array, emltrees
x = array.array('f', [float('nan')] * 30)
for name in ('gb', 'iso', 'hgb'):
    with open(name + '.csv') as f:
        model = emltrees.load(f)
    try:
        print([name, 'ok', model.predict(x)])
    except ValueError as e:
        print([name, 'ValueError', str(e)])
"""
    out = device.run(script, files=files)
    assert out.results[0] == ['gb', 'ValueError', 'x contains nan']
    assert out.results[1] == ['iso', 'ValueError', 'x contains nan']
    assert out.results[2][:2] == ['hgb', 'ok']
