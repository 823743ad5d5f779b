"""Model files written by PyPI emlearn (save(format='csv')) load in emltrees
and predict as our reading of them says (trees.load_csv). Their thresholds
are decimals rounded to 6 places, and emlearn's own C code goes left on
x < t where scikit-learn (and we) use x <= t, so agreement with
scikit-learn is measured and recorded, not required to be 100%.
On single-precision boards the decimals go through the firmware's float(),
which is not correctly rounded, so a row within an ulp of a threshold may
go the other way there: exact equality with our reading is required on
double-precision ports only."""
import numpy as np

_numpy_errors = np.geterr()
import emlearn  # noqa: E402  (its import makes numpy raise on every floating-point error)
np.seterr(**_numpy_errors)  # for the rest of the session, as a user's Python has it
from sklearn import datasets
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier, RandomForestRegressor
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from emlearn_micropython.trees import load_csv
from test_trees import record, run_cases, sizes


def test_emlearn_csv_files_load_and_predict(device):
    sets = {
        'iris': datasets.load_iris(return_X_y=True),
        'digits': datasets.load_digits(return_X_y=True),
        'breast_cancer': datasets.load_breast_cancer(return_X_y=True),
        'diabetes': datasets.load_diabetes(return_X_y=True),
    }
    estimators = {
        'RF5-d6': lambda: RandomForestClassifier(n_estimators=5, max_depth=6, random_state=1),
        'ET5': lambda: ExtraTreesClassifier(n_estimators=5, random_state=1),
        'DT-d4': lambda: DecisionTreeClassifier(max_depth=4, random_state=1),
    }
    regressors = {
        'RF5-d6': lambda: RandomForestRegressor(n_estimators=5, max_depth=6, random_state=1),
        'DT': lambda: DecisionTreeRegressor(random_state=1),
    }
    cases = {}
    max_test = sizes(device)['max_test']
    for data_name, (X, y) in sets.items():
        X = np.asarray(X, dtype=np.float32)
        X_train, X_test, y_train, _ = train_test_split(X, y, test_size=0.3, random_state=2)
        X_test = X_test[:max_test]
        kinds = regressors if data_name == 'diabetes' else estimators
        for est_name, make in kinds.items():
            estimator = make().fit(X_train, y_train)
            for leaf_bits in ((None,) if data_name == 'diabetes' else (None, 8, 32)):
                text = emlearn.convert(estimator, method='inline', leaf_bits=leaf_bits).save(
                    name='model', format='csv')
                assert '\r\n' in text
                cases[f'{data_name}-{est_name}-lb{leaf_bits}'] = (estimator, load_csv(text, strict=False), X_test, text)
    results = run_cases(device, {name: (e, _Saved(m, text), X) for name, (e, m, X, text) in cases.items()})
    rows = {}
    exact = device.float_bits == 64
    for name, (estimator, reading, X, _) in cases.items():
        preds, proba = results[name]
        if reading.is_classifier:
            if exact:
                np.testing.assert_array_equal(preds, reading.predict(X), err_msg=name)
                np.testing.assert_array_equal(proba.reshape(len(X), -1), reading.predict_proba(X), err_msg=name)
            else:
                assert np.mean(preds != reading.predict(X)) <= 0.03, name
            expected = np.searchsorted(estimator.classes_, estimator.predict(X))
            rows[name] = [float(np.mean(preds == expected)), len(X)]
        else:
            values = preds.astype(np.uint32).view(np.float32)
            if exact:
                np.testing.assert_array_equal(values, reading.predict(X), err_msg=name)
            diff = np.abs(values - estimator.predict(X))
            rows[name] = [float(np.mean(diff < 1e-4 * np.abs(estimator.predict(X)).max())), len(X),
                          float(diff.max())]
    record(f'emlearn_csv_{device.spec}', rows)
    # the great majority of rows agree for every file
    assert all(row[0] > 0.85 for row in rows.values()), rows


class _Saved:
    """Gives run_cases emlearn's text in place of our exporter's."""

    strict = False      # emlearn's files have no end line

    def __init__(self, model, text):
        self.model, self.text = model, text
        self.n_trees, self.n_nodes, self.leaf_words = model.n_trees, model.n_nodes, model.leaf_words

    def save(self, name=None):
        return self.text
