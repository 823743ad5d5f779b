"""Model files check themselves (issue 18): every truncation point of
several files is refused on the device and by the host reader; a damaged
byte is a checksum error; files without an end line load only with
strict=False; emltrees.load(f) sizes the model from the file's s line."""
import numpy as np
import pytest
from sklearn import datasets
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.tree import DecisionTreeClassifier

from emlearn_micropython import convert
from emlearn_micropython.trees import load_csv

SCRIPT = """\
import array, emltrees, emltest

class Lines:
    def __init__(self, text):
        self.lines = [l + '\\n' for l in text.split('\\n')]
        self.lines[-1] = self.lines[-1][:-1]
    def readline(self):
        return self.lines.pop(0) if self.lines else ''

def attempt(fun, *args, **kw):
    try:
        fun(*args, **kw)
        return 'ok'
    except ValueError as e:
        return str(e)

with open('names.txt') as f:
    names = f.read().split()
for name in names:
    with open(name + '.csv') as f:
        text = f.read()
    model = emltrees.load(Lines(text))
    sizes = [model.n_trees, model.n_nodes, model.leaf_words, model.n_features]
    accepted = [k for k in range(len(text)) if attempt(emltrees.load, Lines(text[:k])) == 'ok']
    small = emltrees.new(*sizes[:3])
    accepted += [k for k in range(len(text)) if attempt(emltrees.load_model, small, Lines(text[:k])) == 'ok']
    body = text[:text.index('end,')]
    old = [attempt(emltrees.load_model, small, Lines(body)),
           attempt(emltrees.load_model, small, Lines(body), strict=False)]
    i = text.index('n,') + 2
    damaged = text[:i] + ('1' if text[i] != '1' else '2') + text[i + 1:]
    emltest.emit(name, sizes, accepted, old, attempt(emltrees.load, Lines(damaged)),
                 attempt(emltrees.load, Lines(text + 'r,0\\n')))
"""


def model_files():
    X, y = datasets.load_iris(return_X_y=True)
    Xr, yr = datasets.load_diabetes(return_X_y=True)
    models = {
        'dt': convert(DecisionTreeClassifier(max_depth=3, random_state=1).fit(X, y)),
        'rf': convert(RandomForestClassifier(n_estimators=3, max_depth=3, random_state=1).fit(X, y)),
        'vote': convert(RandomForestClassifier(n_estimators=2, max_depth=2, random_state=1).fit(X, y), leaf_bits=0),
        'reg': convert(RandomForestRegressor(n_estimators=2, max_depth=2, random_state=1).fit(Xr, yr)),
    }
    return {name: (m, m.save(name=name)) for name, m in models.items()}


def test_every_truncation_is_refused_on_the_host():
    for name, (cmodel, text) in model_files().items():
        assert load_csv(text).predict(np.zeros((1, cmodel.n_features))) == cmodel.predict(
            np.zeros((1, cmodel.n_features)))
        for k in range(len(text)):
            with pytest.raises(ValueError):
                load_csv(text[:k])
        body = text[:text.index('end,')]
        with pytest.raises(ValueError, match='missing end line'):
            load_csv(body)
        assert load_csv(body, strict=False).n_nodes == cmodel.n_nodes
        with pytest.raises(ValueError, match='checksum'):
            load_csv(text.replace('n,', 'n, ', 1))


def test_every_truncation_is_refused_on_the_device(device):
    cases = model_files()
    files = {'names.txt': ' '.join(cases)}
    files.update({name + '.csv': text for name, (_, text) in cases.items()})
    out = device.run(SCRIPT, files=files)
    got = {r[0]: r[1:] for r in out.results}
    assert sorted(got) == sorted(cases)
    for name, (cmodel, text) in cases.items():
        sizes, accepted, old, damaged, extra = got[name]
        assert sizes == [cmodel.n_trees, max(cmodel.n_nodes, 1), cmodel.leaf_words, cmodel.n_features]
        assert accepted == [], (name, [text[:k][-20:] for k in accepted])
        assert old[0].startswith('missing end line') and old[1] == 'ok'
        assert 'checksum mismatch' in damaged
        assert extra.endswith('data after the end line')


LABELS_SCRIPT = """\
import emltrees, emltest
with open('names.txt') as f:
    names = f.read().split()
for name in names:
    with open(name + '.csv') as f:
        model = emltrees.load(f)
    X = emltest.read_array(name + '.bin', 'f')
    n = model.n_features
    emltest.emit(name, list(model.classes), [model.classes[model.predict(X[i:i + n])] for i in range(0, len(X), n)])
"""


def test_models_know_their_class_labels(device):
    """classes_ (ints or strings) travel in the file: device model.classes,
    and the host twin's predict returns labels."""
    import xgboost
    X, y = datasets.load_iris(return_X_y=True)
    X = X.astype(np.float32)
    names = np.array(['setosa', 'versicolor', 'virginica'])[y]
    models = {
        'str-rf': RandomForestClassifier(n_estimators=3, max_depth=3, random_state=1).fit(X, names),
        'int-dt': DecisionTreeClassifier(max_depth=3, random_state=1).fit(X, y * 10 - 5),
        'str-gb': __import__('sklearn.ensemble', fromlist=['x']).GradientBoostingClassifier(
            n_estimators=5, random_state=1).fit(X, names),
        'int-xgb': xgboost.XGBClassifier(n_estimators=5, max_depth=2).fit(X, y),
    }
    rows = X[::5]
    files = {'names.txt': ' '.join(models)}
    for name, est in models.items():
        cmodel = convert(est)
        np.testing.assert_array_equal(cmodel.predict(rows), est.predict(rows))
        text = cmodel.save()
        if 'k,boost' not in text:
            np.testing.assert_array_equal(load_csv(text).classes_, est.classes_)
        files[name + '.csv'] = text
        files[name + '.bin'] = rows.tobytes()
    out = device.run(LABELS_SCRIPT, files=files)
    for name, classes, labels in out.results:
        est = models[name]
        assert classes == list(est.classes_)
        assert labels == list(est.predict(rows)), name
