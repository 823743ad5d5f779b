"""Activity recognition on real smart-watch recordings (BasicMotions):
windows with 50% overlap -> emlfeatures -> RandomForest -> vote.

    python examples/activity/activity.py [--target unix|qemu-m3|qemu-m4f]

On the computer: frame each training recording (100 frames of 6 channels
at 10 Hz) into windows of 32 frames every 16, compute the features with the
host twin, train a RandomForest, export it with emlearn_micropython.convert.
On the device: the same windows of each held-out recording go through
fx.compute -> model.predict_proba; the label is the class with the largest
summed probability over the last VOTE windows. The computer repeats the
device's float32 arithmetic, so both must give the same labels.
"""
import argparse
import tempfile
from pathlib import Path

import numpy as np
from sklearn.ensemble import RandomForestClassifier

from emlearn_micropython import convert, datasets
from emlearn_micropython.export import features
from emlearn_micropython.targets import open_target

WINDOW, HOP, VOTE = 32, 16, 4
CONFIG = dict(window=WINDOW, channels=6, magnitude=False, jerk=False,
              features=('mean', 'std', 'min', 'max', 'median', 'iqr', 'rms', 'skew', 'kurtosis', 'mcr',
                        'band:4', 'dominant_freq', 'corr'))

DEVICE_SCRIPT = """
import array, emlfeatures, emltrees
from time import ticks_us, ticks_diff
from emltest import emit, read_array
C = %(config)r
VOTE, PER_RECORDING, N_CLASSES = %(vote)d, %(per_recording)d, %(n_classes)d
fx = emlfeatures.new(C['window'], C['channels'], C['features'])
model = emltrees.new(%(trees)d, %(nodes)d, %(leaf_words)d)
with open('model.csv') as f:
    emltrees.load_model(model, f)
data = read_array('windows.bin', 'f')
step = C['window'] * C['channels']
feats = array.array('f', bytes(4 * fx.n_features))
probas = [array.array('f', bytes(4 * N_CLASSES)) for _ in range(PER_RECORDING)]
vote = array.array('f', bytes(4 * N_CLASSES))
window = array.array('f', bytes(4 * step))
t_features = t_model = 0
for r in range(len(data) // (step * PER_RECORDING)):
    labels = []
    for w in range(PER_RECORDING):
        start = (r * PER_RECORDING + w) * step
        window[:] = data[start:start + step]
        t0 = ticks_us()
        fx.compute(window, feats)
        t1 = ticks_us()
        model.predict_proba(feats, probas[w])
        t2 = ticks_us()
        t_features += ticks_diff(t1, t0)
        t_model += ticks_diff(t2, t1)
        for c in range(N_CLASSES):
            vote[c] = 0.0
            for k in range(max(0, w - VOTE + 1), w + 1):
                vote[c] += probas[k][c]
        best = 0
        for c in range(N_CLASSES):
            best = c if vote[c] > vote[best] else best
        labels.append(best)
    emit('labels', r, labels)
emit('time', t_features, t_model, len(data) // step)
"""


def windows(split):
    """Windows (n_recordings, per_recording, WINDOW, 6) and recording labels."""
    X, y = datasets.load_basic_motions(split)
    return np.stack([features.windows_of(x, WINDOW, HOP) for x in X]), y


def votes(proba):
    """The device's vote for each window of each recording: (n, per_recording)."""
    n, per, k = proba.shape
    labels = np.zeros((n, per), dtype=int)
    for w in range(per):
        total = np.zeros((n, k), dtype=np.float32)
        for j in range(max(0, w - VOTE + 1), w + 1):
            total = total + proba[:, j]
        labels[:, w] = np.argmax(total, axis=1)
    return labels


def train(n_trees=10, seed=0):
    W, y = windows('TRAIN')
    X = features.extract(W.reshape((-1,) + W.shape[2:]), **CONFIG)
    rf = RandomForestClassifier(n_estimators=n_trees, max_depth=8, random_state=seed)
    rf.fit(X, np.repeat(y, W.shape[1]))
    return rf, convert(rf)


def run(target='unix', n_trees=10):
    """target: a name (unix, qemu-m3:icount, ...) or a runner target."""
    rf, model = train(n_trees)
    W, y = windows('TEST')
    per = W.shape[1]
    X = features.extract(W.reshape((-1,) + W.shape[2:]), **CONFIG)
    host = votes(model.predict_proba(X).reshape(len(W), per, -1))
    classes = list(rf.classes_)
    with tempfile.TemporaryDirectory() as work:
        model.save(Path(work) / 'model.csv')
        files = {'model.csv': (Path(work) / 'model.csv').read_bytes(),
                 'windows.bin': W.astype('<f4').tobytes()}
    script = DEVICE_SCRIPT % dict(config={k: (list(v) if k == 'features' else v) for k, v in CONFIG.items()},
                                  vote=VOTE, per_recording=per, n_classes=len(classes), trees=model.n_trees,
                                  nodes=max(model.n_nodes, 1), leaf_words=model.leaf_words)
    device = open_target(target) if isinstance(target, str) else target
    out = device.run(script, files=files)
    labels = np.array([r[2] for r in out.results if r[0] == 'labels'])
    t_features, t_model, n_windows = [r for r in out.results if r[0] == 'time'][0][1:]
    truth = np.array([classes.index(label) for label in y])
    return dict(host_accuracy=float(np.mean(host[:, -1] == truth)),
                device_accuracy=float(np.mean(labels[:, -1] == truth)),
                window_accuracy=float(np.mean(host == truth[:, None])),
                agree=bool(np.array_equal(host, labels)), recordings=len(W), windows=n_windows,
                features_us=t_features / n_windows, predict_us=t_model / n_windows,
                n_features=X.shape[1])


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--target', default='unix')
    args = parser.parse_args()
    for key, value in run(args.target).items():
        print(f'{key}: {value}')
