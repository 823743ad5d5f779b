"""dtype='int16' boosted models and IsolationForest (issue 16): integer
thresholds, 8-byte nodes, array('h') inputs, through the real .mpy.

Integer features (digits 0..16, ADC-like readings), features quantized by
Int16Scaler (the estimator fitted behind it), and Pipelines whose scaler is
folded into the thresholds. Rows: held-out rows and rows with a feature on
an integer threshold and one either side. As in test_trees_boosting: the
device equals the twin bit for bit, the twin matches the library (classes
except near-tied margins, probabilities and values within 1e-5 relative /
1e-6 absolute).
"""
import math

import numpy as np
import pytest
from sklearn import datasets
from sklearn.ensemble import (GradientBoostingClassifier, GradientBoostingRegressor,
                              HistGradientBoostingClassifier, HistGradientBoostingRegressor,
                              IsolationForest)
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from emlearn_micropython import convert
from emlearn_micropython.neighbors import Int16Scaler
from test_trees_boosting import check_boosting, check_isolation, run
from test_trees_int16 import edge_rows

xgboost = pytest.importorskip('xgboost')
lightgbm = pytest.importorskip('lightgbm')


def quantized(load):
    """(X through a fitted Int16Scaler, y, the scaler)."""
    X, y = load(return_X_y=True)
    scaler = Int16Scaler().fit(X)
    return scaler.transform(X), y, scaler


def integer_sets():
    Xd, yd = datasets.load_digits(return_X_y=True)
    Xr, yr = datasets.make_regression(n_samples=500, n_features=8, noise=3.0, random_state=4)
    Xa, ya = datasets.make_classification(n_samples=600, n_features=12, n_informative=6, random_state=3)
    return {
        'digits': (Xd, yd, None),
        'odd': (Xd, yd % 2, None),
        'reg': (np.round(Xr * 300), yr, None),
        'adc': (np.round(Xa * 1000), ya, None),      # raw readings for the Pipelines
        'bcq': quantized(datasets.load_breast_cancer),
        'diabq': quantized(datasets.load_diabetes),
    }


LGBM = dict(verbose=-1, random_state=1, min_child_samples=5)
# name: (data set, estimator, boards too); names end in -i16 for the device script
CASES = {
    'digits-HGB20-d4-i16': ('digits', lambda: HistGradientBoostingClassifier(max_iter=20, max_depth=4,
                                                                             random_state=1), True),
    'digits-XGB15-d4-i16': ('digits', lambda: xgboost.XGBClassifier(n_estimators=15, max_depth=4,
                                                                    random_state=1), True),
    'digits-LGBM15-d4-i16': ('digits', lambda: lightgbm.LGBMClassifier(n_estimators=15, max_depth=4, **LGBM), True),
    'digits-GB5-d3-i16': ('digits', lambda: GradientBoostingClassifier(n_estimators=5, max_depth=3,
                                                                       random_state=1), True),
    'odd-XGB50-d5-i16': ('odd', lambda: xgboost.XGBClassifier(n_estimators=50, max_depth=5, random_state=1), True),
    'bcq-GB20-d3-i16': ('bcq', lambda: GradientBoostingClassifier(n_estimators=20, max_depth=3,
                                                                  random_state=1), True),
    'bcq-HGB30-d4-i16': ('bcq', lambda: HistGradientBoostingClassifier(max_iter=30, max_depth=4,
                                                                       random_state=1), True),
    'bcq-LGBM30-d4-i16': ('bcq', lambda: lightgbm.LGBMClassifier(n_estimators=30, max_depth=4, **LGBM), True),
    'reg-XGBR50-d5-i16': ('reg', lambda: xgboost.XGBRegressor(n_estimators=50, max_depth=5, random_state=1), True),
    'reg-HGBR50-d5-i16': ('reg', lambda: HistGradientBoostingRegressor(max_iter=50, max_depth=5,
                                                                       random_state=1), True),
    'diabq-GBR30-d4-i16': ('diabq', lambda: GradientBoostingRegressor(n_estimators=30, max_depth=4,
                                                                      random_state=1), True),
    'diabq-LGBMR50-d5-i16': ('diabq', lambda: lightgbm.LGBMRegressor(n_estimators=50, max_depth=5, **LGBM), True),
    'adc-pipeXGB30-d4-i16': ('adc', lambda: make_pipeline(StandardScaler(), xgboost.XGBClassifier(
        n_estimators=30, max_depth=4, random_state=1)), True),
    'adc-pipeGB20-d3-i16': ('adc', lambda: make_pipeline(StandardScaler(), GradientBoostingClassifier(
        n_estimators=20, max_depth=3, random_state=1)), False),
    'adc-pipeLGBM30-d4': ('adc', lambda: make_pipeline(StandardScaler(), lightgbm.LGBMClassifier(
        n_estimators=30, max_depth=4, **LGBM)), False),   # the fold also serves float32 models
    'digits-XGB100-d6-i16': ('digits', lambda: xgboost.XGBClassifier(n_estimators=100, max_depth=6,
                                                                     random_state=1), False),
}


def build(device):
    board = device.float_bits == 32
    n_test, n_edges = (40, 30) if board else (150, 150)
    sets = integer_sets()
    cases = {}
    for name, (data, make, on_boards) in CASES.items():
        if board and not on_boards:
            continue
        X, y, scaler = sets[data]
        X_train, X_test, y_train, _ = train_test_split(X, y, test_size=0.3, random_state=2)
        estimator = make().fit(X_train.astype(np.float32), y_train)
        int16 = name.endswith('-i16')
        cmodel = convert(estimator, dtype='int16' if int16 else 'float32', scaler=scaler)
        if int16:
            rows = np.concatenate([X_test[:n_test], edge_rows(cmodel, X_test, n_edges)]).astype(np.int16)
        else:
            rows = X_test[:n_test + n_edges].astype(np.float32)
        cases[name] = (estimator, cmodel, rows)
    return cases


def isolation_cases(device):
    board = device.float_bits == 32
    Xd, _ = datasets.load_digits(return_X_y=True)
    Xq, _, scaler = quantized(datasets.load_breast_cancer)
    rng = np.random.RandomState(4)
    cases = {}
    for name, X, est, sc in (('iso-digits-50-i16', Xd, IsolationForest(n_estimators=50, random_state=1), None),
                             ('iso-bcq-30-f05-i16', Xq, IsolationForest(n_estimators=30, max_features=0.5,
                                                                        random_state=1), scaler)):
        est.fit(X[100:].astype(np.float32))
        cmodel = convert(est, dtype='int16', scaler=sc)
        outliers = np.clip(X[:20] + rng.normal(0, 5, size=(20, X.shape[1])) * X.std(axis=0), X.min(), X.max())
        rows = np.concatenate([X[:40 if board else 100], np.round(outliers), edge_rows(cmodel, X, 30)])
        cases[name] = (est, cmodel, rows.astype(np.int16))
    return cases


def float64_rows(X):
    # a Pipeline's scaler output is then rounded once to float32, as the
    # fold assumes; integers are exact either way
    return X.astype(np.float64)


def test_int16_boosting_matches_libraries(device):
    cases = build(device)
    check_boosting(cases, run(device, cases), float64_rows)


def test_int16_isolation_forest_matches_sklearn(device):
    cases = isolation_cases(device)
    check_isolation(cases, run(device, cases), min_outliers=5, library_rows=float64_rows)


def library_thresholds(est):
    """(feature, integer threshold) of every split, by each library's own
    rule: scikit-learn and LightGBM x <= t64 -> floor(t64); XGBoost
    x < t32 -> ceil(t32) - 1."""
    name = type(est).__name__
    if name.startswith('XGB'):
        import json
        trees = json.loads(est.get_booster().save_raw('json'))['learner']['gradient_booster']['model']['trees']
        return [(f, math.ceil(float(np.float32(c))) - 1) for t in trees
                for f, c, left in zip(t['split_indices'], t['split_conditions'], t['left_children']) if left >= 0]
    if name.startswith('LGBM'):
        out = []

        def visit(node):
            if 'split_feature' in node:
                out.append((node['split_feature'], math.floor(node['threshold'])))
                visit(node['left_child'])
                visit(node['right_child'])
        for t in est.booster_.dump_model()['tree_info']:
            visit(t['tree_structure'])
        return out
    if name.startswith('Hist'):
        nodes = [n for it in est._predictors for p in it for n in p.nodes if not n['is_leaf']]
        return [(n['feature_idx'], math.floor(n['num_threshold'])) for n in nodes]
    trees = [e.tree_ for e in est.estimators_.ravel()]
    return [(t.feature[i], math.floor(t.threshold[i])) for t in trees for i in np.flatnonzero(t.children_left >= 0)]


def test_int16_thresholds_follow_each_library_rule():
    X, y = datasets.load_digits(return_X_y=True)
    for est in (xgboost.XGBClassifier(n_estimators=10, max_depth=4, random_state=1),
                lightgbm.LGBMClassifier(n_estimators=10, max_depth=4, **LGBM),
                HistGradientBoostingClassifier(max_iter=10, max_depth=4, random_state=1),
                GradientBoostingClassifier(n_estimators=3, max_depth=3, random_state=1)):
        est.fit(X, y)
        ours = sorted((int(n[0]), int(n[1])) for n in convert(est, dtype='int16').nodes)
        assert ours == sorted((int(f), int(t)) for f, t in library_thresholds(est)), type(est).__name__


def test_int16_boosting_refuses_out_of_range_thresholds_and_bad_options():
    X = np.array([[0.0], [1e5], [2e5], [3e5]])
    y = np.array([0, 1, 0, 1])
    for est in (xgboost.XGBClassifier(n_estimators=2, max_depth=2, min_child_weight=0),
                HistGradientBoostingRegressor(max_iter=2, min_samples_leaf=1),
                IsolationForest(n_estimators=2, random_state=1)):
        est.fit(X, y)
        with pytest.raises(ValueError, match='out of range.*Int16Scaler'):
            convert(est, dtype='int16')
    with pytest.raises(ValueError, match='dtype'):
        convert(est, dtype='int8')
    with pytest.raises(ValueError, match='scaler only with int16'):
        convert(est, scaler=Int16Scaler().fit(X))
    Xd, yd = datasets.load_digits(return_X_y=True)
    cmodel = convert(xgboost.XGBClassifier(n_estimators=2, max_depth=2).fit(Xd, yd), dtype='int16')
    with pytest.raises(ValueError, match='int16 inputs'):
        cmodel.predict(Xd.astype(np.float32) + 0.5)
    assert 'm,1' not in cmodel.save()     # no NaN directions: int16 inputs have no NaN


BAD_INPUT_SCRIPT = """\
import array, emltrees
for name in ('xgb', 'iso'):
    with open(name + '.csv') as f:
        model = emltrees.load(f)
    out = array.array('f', [0.0] * 10)
    if name == 'xgb':
        calls = (('predict', model.predict), ('proba', lambda x: model.predict_proba(x, out)),
                 ('decision', lambda x: model.decision_function(x, out)))
    else:
        calls = (('decision', model.decision_function), ('score', model.score_samples))
    for what, call in calls:
        for x in (array.array('f', [0] * 64), array.array('h', [0] * 63), [0] * 64, array.array('h', [0] * 64)):
            try:
                r = call(x)
                print([name, what, 'ok', r is None or isinstance(r, (int, float))])
            except Exception as e:
                print([name, what, type(e).__name__, str(e)])
"""


def test_int16_boosting_refuses_bad_input(device):
    X, y = datasets.load_digits(return_X_y=True)
    files = {'xgb.csv': convert(xgboost.XGBClassifier(n_estimators=3, max_depth=3).fit(X, y), dtype='int16').save(),
             'iso.csv': convert(IsolationForest(n_estimators=3, random_state=1).fit(X), dtype='int16').save()}
    results = device.run(BAD_INPUT_SCRIPT, files=files).results
    calls = [('xgb', c) for c in ('predict', 'proba', 'decision')] + [('iso', c) for c in ('decision', 'score')]
    assert [r[:2] for r in results] == [list(c) for c in calls for _ in range(4)]
    for i in range(0, len(results), 4):
        float_x, short, plain, good = results[i:i + 4]
        assert float_x[2:] == ['TypeError', "x (int16 model) must be array('h')"], float_x
        assert short[2] == 'ValueError' and 'length 64, got 63' in short[3], short
        assert plain[2] == 'TypeError', plain
        assert good[2:] == ['ok', True], good
