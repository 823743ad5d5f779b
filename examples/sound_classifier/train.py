"""Train the spoken-word classifier on log-mel windows and export it.

Features are what the device computes: emlearn_micropython's host twin of
emlmel (export/mel.py) gives the device's float32 frames bit for bit. A
window is WINDOW consecutive frames (stacked), one every STEP frames, minus
its largest value (so the level of the recording does not matter); a
RandomForest classifies windows; a 1 s segment's label is the class with
the largest mean predict_proba over its windows, or 'unknown' when that
mean is below THRESHOLD (probabilistic voting).

    python train.py DATA.npz OUTDIR
writes OUTDIR/model.csv (emltrees), OUTDIR/recording.bin (the held-out
segments one after the other, int16), OUTDIR/expected.txt (the computer's
label per held-out segment) and prints the held-out accuracy.
"""
import argparse
import sys
from pathlib import Path

import numpy as np
from sklearn.ensemble import RandomForestClassifier

from emlearn_micropython import convert
from emlearn_micropython.export import mel

MEL = dict(sr=16000, n_fft=512, hop_length=256, n_mels=40)
WINDOW, STEP = 16, 4
THRESHOLD = 0.25  # mean probability; THRESHOLD * windows is exact in float32
UNKNOWN = -1


def windows(segment):
    """(n_windows, WINDOW * n_mels) stacked log-mel frames of one segment,
    each window minus its maximum (float32, as the device subtracts)."""
    frames = mel.melspectrogram(segment, **MEL)
    starts = range(0, len(frames) - WINDOW + 1, STEP)
    w = np.stack([frames[s:s + WINDOW].ravel() for s in starts])
    return w - w.max(axis=1, keepdims=True)


def decide(proba):
    """The label of one segment from its windows' probabilities, summed in
    float32 in window order as the device does (array('f') accumulator)."""
    acc = np.zeros(proba.shape[1], dtype=np.float32)
    for row in proba:
        acc = acc + row
    best = int(np.argmax(acc))
    return best if acc[best] >= np.float32(THRESHOLD * len(proba)) else UNKNOWN


def train(data, seed=0):
    train_idx = np.flatnonzero(~data['held_out'])
    W = [windows(data['X'][i]) for i in train_idx]
    X = np.concatenate(W)
    y = np.concatenate([np.full(len(w), data['y'][i]) for w, i in zip(W, train_idx)])
    forest = RandomForestClassifier(n_estimators=10, max_depth=12, min_samples_leaf=2, random_state=seed)
    return forest.fit(X, y)


def evaluate(model, data):
    """Labels of the held-out segments as the device computes them, and accuracy."""
    test_idx = np.flatnonzero(data['held_out'])
    labels = np.array([decide(model.predict_proba(windows(data['X'][i]))) for i in test_idx])
    return labels, float(np.mean(labels == data['y'][test_idx]))


def export(data, outdir, seed=0):
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    model = convert(train(data, seed))
    model.save(outdir / 'model.csv')
    labels, accuracy = evaluate(model, data)
    test = data['X'][data['held_out']]
    test.astype('<i2').tofile(outdir / 'recording.bin')
    (outdir / 'expected.txt').write_text(' '.join(map(str, labels)) + '\n')
    (outdir / 'model.txt').write_text(f'{model.n_trees} {model.n_nodes} {model.leaf_words} '
                                      f'{THRESHOLD} {WINDOW} {STEP}\n')
    return model, labels, accuracy


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('data')
    p.add_argument('outdir')
    args = p.parse_args(argv)
    data = dict(np.load(args.data))
    model, labels, accuracy = export(data, args.outdir)
    unknown = float(np.mean(labels == UNKNOWN))
    print(f'held-out voices: {len(labels)} segments, accuracy {accuracy:.3f} '
          f'({unknown:.3f} unknown); {model.n_trees} trees, {model.n_nodes} nodes')


if __name__ == '__main__':
    sys.exit(main())
