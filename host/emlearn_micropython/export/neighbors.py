"""Training sets for the emlneighbors module (k-nearest-neighbours on device).

The device stores int16 feature values, so float features are scaled first:

    scaler = Int16Scaler().fit(X_train)
    save('knn.csv', scaler.transform(X_train), y_train, scaler)

and on the device:

    model = emlneighbors.load(open('knn.csv'), 5, 200)   # k=5, room for 200 items
    model.quantize(array('f', features), xq)             # same scaling as here
    label = model.predict(xq)

The file is text, one row per line, every field an integer, so it loads
exactly on boards with single-precision floats (decimal fractions do not):

    emlneighbors,1,<n_items>,<n_features>
    # offset: ...          comment lines (a readable copy of the scaling)
    offset_bits,<int32>... float32 bit patterns of the per-feature offset
    scale_bits,<int32>...  float32 bit patterns of the per-feature scale
    <label>,<v1>,...,<vn>  one item per line, labels int32, values int16
    end,<n_items>,<crc32>  the self-check (export/text.py): a truncated or
                           damaged file is refused. Files written before it
                           load with strict=False (host and device).
"""
import numpy as np

from .text import check_end_line, with_end_line

INT16_MIN, INT16_MAX = -32768, 32767
INT32_MIN, INT32_MAX = -2**31, 2**31 - 1
MAGIC = 'emlneighbors'
VERSION = 1


class Int16Scaler:
    """Per-feature affine map of float features onto int16.

    q = trunc(v + 0.5) if v >= 0 else trunc(v - 0.5), v = (x - offset) * scale,
    every step in float32 and the result clipped to [-32768, 32767]: exactly
    what the device's `quantize()` computes. `fit` centres each feature's
    training range and stretches it to +-`extent` (constant features get
    scale 1).
    """

    def __init__(self, extent=32767):
        self.extent = extent

    def fit(self, X):
        X = np.asarray(X, dtype=np.float64)
        lo, hi = X.min(axis=0), X.max(axis=0)
        half = (hi - lo) / 2
        self.offset_ = ((lo + hi) / 2).astype(np.float32)
        self.scale_ = np.where(half > 0, self.extent / np.where(half > 0, half, 1), 1.0).astype(np.float32)
        return self

    def transform(self, X):
        X = np.asarray(X, dtype=np.float32)
        if np.isnan(X).any():
            raise ValueError('X contains nan')
        v = (X - self.offset_) * self.scale_
        half = np.float32(0.5)
        v = np.where(v >= 0, v + half, v - half).astype(np.float32)
        v = np.clip(v, INT16_MIN, INT16_MAX)
        return np.trunc(v).astype(np.int16)


def _bits(values):
    return np.asarray(values, dtype=np.float32).view(np.int32)


def _join(values):
    return ','.join(str(int(v)) for v in values)


def dumps(X, y, scaler=None):
    """The file text for items X (int16 values, shape (n_items, n_features))
    with labels y (integers in the int32 range)."""
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] < 1 or len(y) != len(X):
        raise ValueError(f'X must be (n_items, n_features) and y (n_items,), got {X.shape} and {y.shape}')
    if not np.issubdtype(X.dtype, np.integer) or X.min(initial=0) < INT16_MIN or X.max(initial=0) > INT16_MAX:
        raise ValueError('X must hold integers in the int16 range: use Int16Scaler')
    if not np.issubdtype(y.dtype, np.integer) or y.min(initial=0) < INT32_MIN or y.max(initial=0) > INT32_MAX:
        raise ValueError('y must hold integers in the int32 range')
    lines = [f'{MAGIC},{VERSION},{len(X)},{X.shape[1]}']
    if scaler is not None and not (np.isfinite(scaler.offset_).all() and np.isfinite(scaler.scale_).all()):
        raise ValueError('scaler offset_ and scale_ must be finite')
    if scaler is not None:
        lines.append('# offset: ' + ','.join(repr(float(v)) for v in scaler.offset_))
        lines.append('# scale: ' + ','.join(repr(float(v)) for v in scaler.scale_))
        lines.append('offset_bits,' + _join(_bits(scaler.offset_)))
        lines.append('scale_bits,' + _join(_bits(scaler.scale_)))
    lines += [f'{int(label)},{_join(row)}' for label, row in zip(y, X)]
    return with_end_line('\n'.join(lines) + '\n', len(X))


def save(path, X, y, scaler=None):
    """Write the training set to `path` for `emlneighbors.load`."""
    text = dumps(X, y, scaler)
    with open(path, 'w', newline='\n') as f:
        f.write(text)
    return path


def loads(text, strict=True):
    """(X int16, y int32, scaler or None) from the file text: the host-side
    reader, for checks and round trips. strict=False reads old files
    without the end line."""
    text, counts = check_end_line(text, strict)
    rows = [line for line in text.splitlines() if line.strip() and not line.startswith('#')]
    if counts is not None and counts != [int(rows[0].split(',')[2])]:
        raise ValueError(f'end line counts {counts} differ from the header {rows[0]!r}')
    magic, version, n_items, n_features = rows[0].split(',')
    if magic != MAGIC or int(version) != VERSION:
        raise ValueError(f'not an emlneighbors file: {rows[0]!r}')
    named = {r.split(',', 1)[0]: r for r in rows[1:] if r[0].isalpha()}
    items = [r for r in rows[1:] if not r[0].isalpha()]
    data = np.array([[int(v) for v in r.split(',')] for r in items], dtype=np.int64).reshape(-1, int(n_features) + 1)
    scaler = None
    if 'offset_bits' in named:
        scaler = Int16Scaler()
        scaler.offset_ = np.array(named['offset_bits'].split(',')[1:], dtype=np.int32).view(np.float32)
        scaler.scale_ = np.array(named['scale_bits'].split(',')[1:], dtype=np.int32).view(np.float32)
    if len(data) != int(n_items):
        raise ValueError(f'header says {n_items} items, file has {len(data)}')
    return data[:, 1:].astype(np.int16), data[:, 0].astype(np.int32), scaler
