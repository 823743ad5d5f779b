"""Boosted trees (HistGradientBoosting, XGBoost, LightGBM: 100 trees depth
6 on 20 features) against m2cgen's pure-Python export of the same model
(compiled with mpy-cross; m2cgen has no HistGradientBoosting), the XGB
model fitted on Int16Scaler-quantized features and converted with
dtype='int16', and the int16 form of digits RandomForest-10 depth 10
(issues 16 and 13). Same
device script as the trees case."""
import numpy as np

from ..registry import Case, f32
from .trees import compile_mpy, tree_dataset


def boosted(kind, n_trees, depth):
    if kind == 'HGB':
        from sklearn.ensemble import HistGradientBoostingClassifier
        return HistGradientBoostingClassifier(max_iter=n_trees, max_depth=depth, early_stopping=False,
                                              random_state=1)
    if kind == 'XGB':
        import xgboost
        # m2cgen 0.10 needs base_score given for XGBoost 3
        return xgboost.XGBClassifier(n_estimators=n_trees, max_depth=depth, random_state=1, base_score=0.5)
    import lightgbm
    return lightgbm.LGBMClassifier(n_estimators=n_trees, max_depth=depth, random_state=1, verbose=-1)


def generated(n_features, rows):
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split
    X, y = make_classification(n_samples=2000 + rows, n_features=n_features, n_informative=10, random_state=1)
    X = X.astype(np.float32)
    Xtr, Xte, ytr, _ = train_test_split(X, y, test_size=rows, random_state=1)
    return Xtr, ytr, Xte


def peer(est, folder, made):
    import m2cgen
    try:
        code = m2cgen.export_to_python(est)
    except Exception as e:  # HistGradientBoosting: not supported by m2cgen
        made['skips']['peer_m2c'] = f'm2cgen: {type(e).__name__}: {e}'
        return
    py = folder / 'peer_m2c.py'
    py.write_text(code)
    mpy = compile_mpy(py)
    made['peers'].append('peer_m2c')
    made['meta']['m2cgen'] = {'files': {'.py': py.stat().st_size, '.mpy': mpy.stat().st_size}}


def run_for(label, est, cmodel, rows, folder, made, typecode='f'):
    from ...export.text import save_model
    csv = folder / 'model.csv'
    save_model(cmodel, file=str(csv))
    (folder / 'rows.bin').write_bytes(f32(rows) if typecode == 'f' else np.asarray(rows, '<i2').tobytes())
    files = {'rows.bin': folder / 'rows.bin', 'model.csv': csv}
    files.update({f'{p}.mpy': folder / f'{p}.mpy' for p in made['peers']})
    made['meta']['emltrees'] = {'files': {'.csv': csv.stat().st_size}}
    cfg = {'CASE': label, 'BENCH': 'boosting', 'TYPECODE': typecode, 'N_FEATURES': rows.shape[1],
           'NEW_ARGS': (cmodel.n_trees, max(cmodel.n_nodes, 1), cmodel.leaf_words),
           'PEERS': made['peers'], 'PEER_SKIPS': made['skips']}
    expected = cmodel.predict_index(rows).tolist()
    return {'label': label, 'files': files, 'cfg': cfg, 'expected': expected,
            'row_bytes': rows.itemsize * rows.shape[1], 'helpers': ['benchlib.py'], 'meta': made['meta']}


def prepare_boosting(config, build):
    from ...export import convert
    runs = []
    # int16 first: reports keep the last run per implementation, which has m2cgen
    if config.get('int16'):
        from sklearn.ensemble import RandomForestClassifier
        Xtr, ytr, Xte = tree_dataset('digits', config['rows'])
        est = RandomForestClassifier(n_estimators=10, max_depth=10, random_state=1).fit(Xtr, ytr)
        folder = build / 'digits-RF10-int16'
        folder.mkdir(parents=True, exist_ok=True)
        made = {'peers': [], 'skips': {'peer_m2c': 'see the trees case'}, 'meta': {}}
        runs.append(run_for('digits-RF10-int16', est, convert(est, dtype='int16'), Xte.astype(np.int16),
                            folder, made, typecode='h'))
    Xtr, ytr, Xte = generated(config['features'], config['rows'])
    for kind in config['kinds']:
        label = f'{kind}{config["n_trees"]}-d{config["depth"]}'
        folder = build / label
        folder.mkdir(parents=True, exist_ok=True)
        est = boosted(kind, config['n_trees'], config['depth']).fit(Xtr, ytr)
        made = {'peers': [], 'skips': {}, 'meta': {}}
        peer(est, folder, made)
        runs.append(run_for(label, est, convert(est), Xte, folder, made))
    if config.get('int16') and 'XGB' in config['kinds']:
        runs.append(int16_xgb(config, Xtr, ytr, Xte, build))
    return runs


def int16_xgb(config, Xtr, ytr, Xte, build):
    """The XGB case on the same data quantized by Int16Scaler, dtype='int16'
    (m2cgen runs the same model on the same integer rows)."""
    from ...export import convert
    from ...export.neighbors import Int16Scaler
    scaler = Int16Scaler().fit(Xtr)
    est = boosted('XGB', config['n_trees'], config['depth']).fit(scaler.transform(Xtr), ytr)
    label = f'XGB{config["n_trees"]}-d{config["depth"]}-int16'
    folder = build / label
    folder.mkdir(parents=True, exist_ok=True)
    made = {'peers': [], 'skips': {}, 'meta': {}}
    peer(est, folder, made)
    cmodel = convert(est, dtype='int16', scaler=scaler)
    return run_for(label, est, cmodel, scaler.transform(Xte), folder, made, typecode='h')


CASE = Case(
    'boosting', 'emltrees', 'Boosted and int16 trees: time per prediction (label returned)', 'bench_trees.py',
    prepare_boosting,
    full={'kinds': ['HGB', 'XGB', 'LGBM'], 'n_trees': 100, 'depth': 6, 'features': 20, 'rows': 200,
          'int16': True},
    quick={'kinds': ['XGB'], 'n_trees': 5, 'depth': 3, 'features': 20, 'rows': 20, 'int16': True},
    peers=('m2cgen',), key_cases=('XGB100-d6', 'LGBM100-d6', 'XGB100-d6-int16', 'digits-RF10-int16'), order=2)
