"""Real sensor recordings for examples, tests and benchmarks.

BasicMotions (UEA archive): 80 real recordings of a smart watch's 3-axis
accelerometer and 3-axis gyroscope (10 s at 10 Hz: 100 frames of 6
channels) while standing, walking, running or playing badminton; 40 train
and 40 test recordings. The .ts files come bundled with sktime (PyPI); they
are read here directly, without importing sktime (or pandas).
"""
import importlib.util
from pathlib import Path

import numpy as np

CHANNELS = ('acc_x', 'acc_y', 'acc_z', 'gyr_x', 'gyr_y', 'gyr_z')


def data_dir():
    spec = importlib.util.find_spec('sktime')
    if spec is None:
        raise ImportError('BasicMotions comes with sktime: pip install sktime==1.2.0')
    return Path(spec.origin).parent / 'datasets' / 'data' / 'BasicMotions'


def read_ts(path):
    """(X shaped (n, frames, channels) float32, labels) from a .ts file:
    header lines start with @ or #, each data line is channels separated
    by ':' (comma-separated values) then the label."""
    X, y = [], []
    for line in Path(path).read_text().splitlines():
        if not line.strip() or line[0] in '@#':
            continue
        *dims, label = line.strip().split(':')
        X.append(np.array([[float(v) for v in d.split(',')] for d in dims], dtype=np.float32).T)
        y.append(label)
    return np.stack(X), np.array(y)


def load_basic_motions(split):
    """split 'TRAIN' or 'TEST'."""
    return read_ts(data_dir() / f'BasicMotions_{split}.ts')
