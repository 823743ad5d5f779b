"""Training sets for the emlneighbors module (k-nearest-neighbours on device).

A fitted scikit-learn KNeighborsClassifier (or a Pipeline of
StandardScaler/MinMaxScaler and one) converts directly:

    cmodel = convert(knn)             # its n_neighbors, weights, training set
    cmodel.save('knn.csv')            # device: emlneighbors.load(open('knn.csv'))
    cmodel.predict(X)                 # labels, as the device computes them

Or scale a training set to int16 yourself and write it out:

    scaler = Int16Scaler().fit(X_train)
    save('knn.csv', scaler.transform(X_train), y_train, scaler)

The file is text, one row per line, every field an integer, so it loads
exactly on boards with single-precision floats (decimal fractions do not):

    emlneighbors,1,<n_items>,<n_features>
    k,<k>                  optional: n_neighbors (emlneighbors.load's default)
    w,distance             optional: scikit-learn's weights='distance'
    y,int|str,<label>,...  optional: the classes (export/labels.py); item
                           labels are then indices into them
    # offset: ...          comment lines (a readable copy of the scaling)
    offset_bits,<int32>... float32 bit patterns of the per-feature offset
    scale_bits,<int32>...  float32 bit patterns of the per-feature scale
    <label>,<v1>,...,<vn>  one item per line, labels int32, values int16
    end,<n_items>,<crc32>  the self-check (export/text.py): a truncated or
                           damaged file is refused. Files written before it
                           load with strict=False (host and device).
"""
import os

import numpy as np

from . import math32
from .labels import labels_line, parse_labels
from .text import check_end_line, with_end_line

ESTIMATORS = ('KNeighborsClassifier',)
INT16_MIN, INT16_MAX = -32768, 32767
INT32_MIN, INT32_MAX = -2**31, 2**31 - 1
MAGIC = 'emlneighbors'
VERSION = 1
WEIGHTS = ('uniform', 'distance')
F = np.float32


class Int16Scaler:
    """Per-feature affine map of float features onto int16.

    q = trunc(v + 0.5) if v >= 0 else trunc(v - 0.5), v = (x - offset) * scale,
    every step in float32 and the result clipped to [-32768, 32767]: exactly
    what the device's `quantize()` computes. `fit` centres each feature's
    training range and stretches it to +-`extent` (constant features get
    scale 1). This changes the distances between items (each feature gets
    its own unit); per_feature=False stretches every feature by the one
    factor that fits the widest range, so distances keep their proportions.
    """

    def __init__(self, extent=32767, per_feature=True):
        self.extent = extent
        self.per_feature = per_feature

    def fit(self, X):
        X = np.asarray(X, dtype=np.float64)
        lo, hi = X.min(axis=0), X.max(axis=0)
        half = (hi - lo) / 2 if self.per_feature else np.full(X.shape[1], ((hi - lo) / 2).max())
        self.offset_ = ((lo + hi) / 2).astype(F)
        self.scale_ = np.where(half > 0, self.extent / np.where(half > 0, half, 1), 1.0).astype(F)
        return self

    def transform(self, X):
        X = np.asarray(X, dtype=F)
        if np.isnan(X).any():
            raise ValueError('X contains nan')
        v = (X - self.offset_) * self.scale_
        half = F(0.5)
        v = np.where(v >= 0, v + half, v - half).astype(F)
        v = np.clip(v, INT16_MIN, INT16_MAX)
        return np.trunc(v).astype(np.int16)


def _join(values):
    return ','.join(str(int(v)) for v in values)


def _stored_labels(y, classes):
    """(int32 labels for the file, classes or None): int labels are stored
    as they are; strings become indices into their sorted classes."""
    y = np.asarray(y)
    if classes is not None:
        return y, classes
    if np.issubdtype(y.dtype, np.integer):
        if y.min(initial=0) < INT32_MIN or y.max(initial=0) > INT32_MAX:
            raise ValueError('y must hold integers in the int32 range (or strings)')
        return y, None
    if not all(isinstance(v, str) for v in y.tolist()):
        raise ValueError(f'y must hold ints or strings, got {y.dtype}')
    classes = np.unique(y)
    return np.searchsorted(classes, y), classes


def dumps(X, y, scaler=None, k=None, weights='uniform', classes=None):
    """The file text for items X (int16 values, shape (n_items, n_features))
    with labels y (ints in the int32 range, or strings: a y line then lists
    them). k and weights go into the file for emlneighbors.load(f).
    `classes` given: y holds indices into it."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] < 1 or len(y) != len(X):
        raise ValueError(f'X must be (n_items, n_features) and y (n_items,), got {X.shape} and {np.shape(y)}')
    if not np.issubdtype(X.dtype, np.integer) or X.min(initial=0) < INT16_MIN or X.max(initial=0) > INT16_MAX:
        raise ValueError('X must hold integers in the int16 range: use Int16Scaler')
    if weights not in WEIGHTS:
        raise ValueError(f'weights must be one of {WEIGHTS}, got {weights!r}')
    y, classes = _stored_labels(y, classes)
    lines = [f'{MAGIC},{VERSION},{len(X)},{X.shape[1]}']
    lines += [f'k,{int(k)}'] if k is not None else []
    lines += ['w,distance'] if weights == 'distance' else []
    lines += [labels_line(classes)] if classes is not None else []
    if scaler is not None and not (np.isfinite(scaler.offset_).all() and np.isfinite(scaler.scale_).all()):
        raise ValueError('scaler offset_ and scale_ must be finite')
    if scaler is not None:
        lines.append('# offset: ' + ','.join(repr(float(v)) for v in scaler.offset_))
        lines.append('# scale: ' + ','.join(repr(float(v)) for v in scaler.scale_))
        lines.append('offset_bits,' + _join(np.asarray(scaler.offset_, dtype=F).view(np.int32)))
        lines.append('scale_bits,' + _join(np.asarray(scaler.scale_, dtype=F).view(np.int32)))
    lines += [f'{int(label)},{_join(row)}' for label, row in zip(y, X)]
    return with_end_line('\n'.join(lines) + '\n', len(X))


def save(X, y, path, scaler=None, k=None, weights='uniform'):
    """Write the training set to `path` for `emlneighbors.load` (the data
    first, then where, as iir.save(sos, path))."""
    if isinstance(X, (str, os.PathLike)):
        raise TypeError('neighbors.save(X, y, path, ...): the path comes after X and y')
    text = dumps(X, y, scaler, k, weights)
    with open(path, 'w', newline='\n') as f:
        f.write(text)
    return path


class Model:
    """A training set as the device holds it: save() writes its file,
    predict() computes the device's answers (labels) on the host."""

    def __init__(self, X, y, k, weights='uniform', scaler=None, classes=None):
        self.X, self.y = np.asarray(X, dtype=np.int16), np.asarray(y, dtype=np.int64)
        self.k, self.weights, self.scaler, self.classes_ = k, weights, scaler, classes
        self.n_items, self.n_features = self.X.shape

    def save(self, file=None, name=None, format='csv'):
        """The file text, written to `file` when given (name and format as
        in trees: a csv file)."""
        if format != 'csv':
            raise ValueError(f"unsupported format {format!r}: only 'csv'")
        text = dumps(self.X, self.y, self.scaler, self.k, self.weights, self.classes_)
        if file is not None:
            with open(file, 'w', newline='\n') as f:
                f.write(text)
        return text

    def quantize(self, X):
        """Float features to int16, as the device's model.quantize."""
        if self.scaler is None:
            raise ValueError('quantize needs a model with a scaler')
        return self.scaler.transform(X)

    def kneighbors(self, Q):
        """(indices, squared distances) of the min(k, n_items) nearest items
        to int16 queries Q, nearest first, equal distances by lower index."""
        Q = np.asarray(Q, dtype=np.int64)
        X = self.X.astype(np.int64)
        D = (Q * Q).sum(axis=1)[:, None] + (X * X).sum(axis=1)[None, :] - 2 * Q @ X.T
        idx = np.argsort(D, axis=1, kind='stable')[:, :min(self.k, self.n_items)]
        return idx, np.take_along_axis(D, idx, axis=1)

    def predict_stored(self, Q):
        """The device's vote on int16 queries: stored labels (class indices
        when the model has classes)."""
        idx, D = self.kneighbors(Q)
        L = self.y[idx]
        if self.weights == 'distance':
            with np.errstate(all='ignore'):
                hi = (D >> 32).astype(np.uint32).astype(F)
                W = math32.rsqrt(hi * F(2.0**32) + (D & 0xffffffff).astype(np.uint32).astype(F))
            W = np.where(D[:, :1] == 0, (D == 0).astype(F), W)
        else:
            W = np.ones(L.shape, dtype=F)
        S = np.zeros(L.shape, dtype=F)
        for j in range(L.shape[1]):
            S = S + np.where(L[:, j:j + 1] == L, W[:, j:j + 1], F(0))
        best = S == S.max(axis=1, keepdims=True)
        return np.where(best, L, np.iinfo(np.int64).max).min(axis=1)

    def predict(self, X):
        """Labels for float features X (quantized with the model's scaler),
        or for int16 inputs when the model has none."""
        X = np.asarray(X)
        if self.scaler is None and not np.issubdtype(X.dtype, np.integer):
            raise ValueError('this model has no scaler: give int16 inputs')
        stored = self.predict_stored(self.quantize(X) if self.scaler is not None else X)
        return stored if self.classes_ is None else np.asarray(self.classes_)[stored]


def _read(text, strict):
    text, counts = check_end_line(text, strict)
    rows = [line for line in text.splitlines() if line.strip() and not line.startswith('#')]
    if counts is not None and counts != [int(rows[0].split(',')[2])]:
        raise ValueError(f'end line counts {counts} differ from the header {rows[0]!r}')
    magic, version, n_items, n_features = rows[0].split(',')
    if magic != MAGIC or int(version) != VERSION:
        raise ValueError(f'not an emlneighbors file: {rows[0]!r}')
    named = {r.split(',', 1)[0]: r.split(',')[1:] for r in rows[1:] if r[0].isalpha()}
    items = [r for r in rows[1:] if not r[0].isalpha()]
    data = np.array([[int(v) for v in r.split(',')] for r in items], dtype=np.int64).reshape(-1, int(n_features) + 1)
    if len(data) != int(n_items):
        raise ValueError(f'header says {n_items} items, file has {len(data)}')
    scaler = None
    if 'offset_bits' in named:
        scaler = Int16Scaler()
        scaler.offset_ = np.array(named['offset_bits'], dtype=np.int32).view(F)
        scaler.scale_ = np.array(named['scale_bits'], dtype=np.int32).view(F)
    classes = parse_labels(named['y']) if 'y' in named else None
    k = int(named['k'][0]) if 'k' in named else None
    weights = named['w'][0] if 'w' in named else 'uniform'
    return Model(data[:, 1:], data[:, 0], k, weights, scaler, classes)


def loads(text, strict=True):
    """(X int16, y labels, scaler or None) from the file text: the host-side
    reader, for checks and round trips. strict=False reads old files
    without the end line."""
    m = _read(text, strict)
    y = m.y.astype(np.int32) if m.classes_ is None else np.asarray(m.classes_)[m.y]
    return m.X, y, m.scaler


def load_csv(text, strict=True):
    """The file's Model (k, weights, classes, scaler), predicting as the
    device does."""
    return _read(text, strict)


def convert(estimator, scalers=None, extent=16383):
    """A fitted KNeighborsClassifier as a Model: its training set quantized
    with one scale for every feature (so int16 keeps the estimator's
    Euclidean distances up to rounding), its n_neighbors, weights and
    classes_. The widest feature's training range spans +-extent: the
    default leaves room for queries up to twice as far out before int16
    clips them. `scalers` (a Pipeline's, export/pipeline.py) join the
    quantization, so the device takes the raw features."""
    _check(estimator)
    labels_line(estimator.classes_)   # labels the file can hold, or ValueError now
    Z = np.asarray(estimator._fit_X, dtype=np.float64)
    grid = Int16Scaler(extent, per_feature=False).fit(Z)
    items = grid.transform(Z)
    a, b = scalers.affine(Z.shape[1]) if scalers is not None else (np.ones(Z.shape[1]), np.zeros(Z.shape[1]))
    device = Int16Scaler()
    device.offset_ = ((grid.offset_.astype(np.float64) - b) / a).astype(F)
    device.scale_ = (grid.scale_.astype(np.float64) * a).astype(F)
    return Model(items, estimator._y, int(estimator.n_neighbors), estimator.weights, device,
                 np.asarray(estimator.classes_))


def _check(knn):
    if not hasattr(knn, '_fit_X'):
        raise ValueError('KNeighborsClassifier is not fitted: call fit() first')
    if getattr(knn, 'outputs_2d_', False):
        raise ValueError('multi-output KNeighborsClassifier is not supported: one label per item')
    if knn.weights not in WEIGHTS:
        raise ValueError(f"weights={knn.weights!r} is not supported: only 'uniform' and 'distance'")
    if knn.effective_metric_ != 'euclidean' or knn.effective_metric_params_:
        raise ValueError(f'metric={knn.metric!r} (p={knn.p}, metric_params={knn.metric_params}) is not '
                         "supported: emlneighbors uses the Euclidean distance (metric='minkowski' with p=2)")
    if not isinstance(knn._fit_X, np.ndarray):
        raise ValueError('a sparse training set is not supported: fit on a dense array')
