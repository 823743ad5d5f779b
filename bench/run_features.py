"""Runs bench_features.py on targets until the bench registry (issue 11)
takes it: python bench/run_features.py unix qemu-m3:icount qemu-m4f:icount"""
import sys
from pathlib import Path

import numpy as np
from sklearn.ensemble import RandomForestClassifier

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / 'examples' / 'activity'))
import basicmotions  # noqa: E402
from emlearn_micropython import convert, runner  # noqa: E402
from emlearn_micropython.export import features  # noqa: E402

WINDOW = 128
FEATURES = ('mean', 'std', 'min', 'max', 'median', 'p25', 'p75', 'iqr', 'rms', 'skew', 'kurtosis', 'zcr',
            'corr', 'band:4')


def prepare(n_windows=20):
    """int16 accelerometer windows (4096 LSB/g) of BasicMotions recordings
    joined per class, and an RF10 trained on their features."""
    X, y = basicmotions.load('TRAIN')
    W, labels = [], []
    for label in sorted(set(y)):
        signal = np.concatenate(list(X[y == label][:, :, :3])) * 4096
        w = features.windows_of(np.clip(signal, -32768, 32767).astype(np.int16), WINDOW, WINDOW // 2)
        W.append(w)
        labels += [label] * len(w)
    W = np.concatenate(W)
    F = features.extract(W, WINDOW, 3, FEATURES, magnitude=True)
    rf = RandomForestClassifier(n_estimators=10, max_depth=8, random_state=0).fit(F, labels)
    model = convert(rf)
    pick = np.random.default_rng(0).permutation(len(W))[:n_windows]
    cfg = (f'CASE = "3-axis int16 x{WINDOW} + mag"\nWINDOW = {WINDOW}\nFEATURES = {FEATURES!r}\n'
           f'N_WINDOWS = {n_windows}\nREPEAT = 3\nMIN_US = 200000\n'
           f'NEW_ARGS = ({model.n_trees}, {model.n_nodes}, {model.leaf_words})\n')
    files = {'benchcfg.py': cfg.encode(), 'windows.bin': W[pick].astype('<i2').tobytes(),
             'model.csv': model.save().encode()}
    for name in ('benchlib.py', 'pyfft.py', 'pyfeatures.py'):
        files[name] = (HERE / name).read_bytes()
    return files


if __name__ == '__main__':
    files = prepare()
    for spec in sys.argv[1:] or ['unix']:
        out = runner.make_target(spec).run((HERE / 'bench_features.py').read_text(), files=files, timeout=1200)
        for r in out.results:
            print(spec, r)
