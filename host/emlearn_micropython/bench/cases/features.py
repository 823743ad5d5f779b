"""Features: emlfeatures against the same features in plain Python
(device/pyfeatures.py), beside one predict_proba of a 10-tree forest on
them, on 3-axis int16 accelerometer windows of BasicMotions recordings."""
import numpy as np

from ..registry import Case

FEATURES = ('mean', 'std', 'min', 'max', 'median', 'p25', 'p75', 'iqr', 'rms', 'skew', 'kurtosis', 'zcr',
            'corr', 'band:4')


def windows(window):
    """int16 windows (4096 LSB/g) with 50% overlap of the training
    recordings joined per class, and their labels."""
    from ...datasets import load_basic_motions
    X, y = load_basic_motions('TRAIN')
    from ...export.features import windows_of
    out, labels = [], []
    for label in sorted(set(y)):
        signal = np.clip(np.concatenate(list(X[y == label][:, :, :3])) * 4096, -32768, 32767)
        w = windows_of(signal.astype(np.int16), window, window // 2)
        out.append(w)
        labels += [label] * len(w)
    return np.concatenate(out), labels


def prepare_features(config, build):
    from sklearn.ensemble import RandomForestClassifier
    from ...export.features import extract
    from ...trees import convert
    build.mkdir(parents=True, exist_ok=True)
    window = config['window']
    W, labels = windows(window)
    X = extract(W, window, 3, FEATURES, magnitude=True)
    model = convert(RandomForestClassifier(n_estimators=10, max_depth=8, random_state=0).fit(X, labels))
    pick = np.random.default_rng(0).permutation(len(W))[:config['n_windows']]
    (build / 'windows.bin').write_bytes(W[pick].astype('<i2').tobytes())
    model.save(build / 'model.csv')
    label = f'3-axis int16 x{window} + mag'
    cfg = {'CASE': label, 'WINDOW': window, 'FEATURES': FEATURES, 'N_WINDOWS': len(pick),
           'NEW_ARGS': (model.n_trees, max(model.n_nodes, 1), model.leaf_words)}
    return [{'label': label, 'cfg': cfg, 'helpers': ['benchlib.py', 'pyfft.py', 'pyfeatures.py'],
             'files': {'windows.bin': build / 'windows.bin', 'model.csv': build / 'model.csv'}}]


CASE = Case('features', 'emlfeatures', 'Window features: time per window (67 outputs)',
            'bench_features.py', prepare_features, full={'window': 128, 'n_windows': 20},
            quick={'window': 128, 'n_windows': 2}, peers=('plain Python',),
            key_cases=('3-axis int16 x128 + mag',), order=6)
