"""scikit-learn Pipelines of per-feature scalers and one model (issue 18.5).

`convert(Pipeline([('scale', StandardScaler()), ('model', estimator)]))`
converts the last step with its scalers folded in, so the device takes the
raw features:
- trees and forests: each threshold becomes the largest raw float32 (or,
  for dtype='int16', integer) value that the pipeline sends left, found by
  bisection through the scalers' own transform: exact for every input,
  since the scalers are increasing per feature;
- KNeighborsClassifier: the affine map z = a*x + b joins the int16
  quantization (export/neighbors.py).
"""
import numpy as np

SCALERS = ('StandardScaler', 'MinMaxScaler')
MAX_KEY = 0x7f7fffff   # the largest finite float32 as an order-preserving key
# (scikit-learn's scalers refuse infinities)


class Scalers:
    """The scalers of a pipeline, applied in order (their own transform)."""

    def __init__(self, steps):
        for s in steps:
            name = type(s).__name__
            if name not in SCALERS:
                raise ValueError(f'unsupported Pipeline step {name}: only {" and ".join(SCALERS)} '
                                 f'before the model (or convert the last step and scale on the device yourself)')
            if not hasattr(s, 'scale_') and not hasattr(s, 'mean_'):
                raise ValueError(f'{name} is not fitted: fit the pipeline first')
        self.steps = steps

    def transform(self, X):
        for s in self.steps:
            X = s.transform(X)
        return X

    def affine(self, n_features):
        """(a, b): the composed map z = a*x + b, float64 per feature."""
        a, b = np.ones(n_features), np.zeros(n_features)
        for s in self.steps:
            if type(s).__name__ == 'StandardScaler':
                ai = 1 / s.scale_ if s.with_std else np.ones(n_features)
                bi = -s.mean_ * ai if s.with_mean else np.zeros(n_features)
            elif s.clip:
                raise ValueError('MinMaxScaler(clip=True) is not affine: use clip=False for KNeighborsClassifier')
            else:
                ai, bi = s.scale_, s.min_
            a, b = ai * a, ai * b + bi
        return a, b

    def fold(self, features, thresholds, integer=False, chunk=4096):
        """For each (feature, threshold t) of a tree: the largest raw value x
        (float32, or int16 when `integer`) with float32(transform(x)) <= t,
        as scikit-learn compares; None where no value qualifies."""
        features = np.asarray(features, dtype=np.int64)
        t = np.asarray(thresholds, dtype=np.float64)
        out = [None] * len(t)
        for start in range(0, len(t), chunk):
            f, tt = features[start:start + chunk], t[start:start + chunk]
            lo = np.full(len(f), -32768 if integer else -MAX_KEY, dtype=np.int64)
            hi = np.full(len(f), 32767 if integer else MAX_KEY, dtype=np.int64)
            ok = self._left(f, tt, lo, integer)
            while (lo < hi).any():
                mid = (lo + hi + 1) // 2
                left = self._left(f, tt, mid, integer)
                lo, hi = np.where(left, mid, lo), np.where(left, hi, mid - 1)
            values = lo if integer else _key_float32(lo)
            out[start:start + len(f)] = [v if k else None for v, k in zip(values.tolist(), ok)]
        return out

    def _left(self, features, t, keys, integer):
        x = keys.astype(np.float64) if integer else _key_float32(keys).astype(np.float64)
        X = np.zeros((len(keys), self.n_features_in))
        rows = np.arange(len(keys))
        X[rows, features] = x
        with np.errstate(over='ignore'):   # beyond float32: inf, as scikit-learn's cast
            z = self.transform(X)[rows, features].astype(np.float32)
        return z.astype(np.float64) <= t

    @property
    def n_features_in(self):
        return int(self.steps[0].n_features_in_)


def fold_table(scalers, pairs, integer):
    """{(feature, threshold): its raw threshold (Scalers.fold)} over a
    model's (feature, float threshold) pairs, or None without scalers."""
    if scalers is None:
        return None
    pairs = sorted({(int(f), float(t)) for f, t in pairs})
    folded = scalers.fold([f for f, _ in pairs], [t for _, t in pairs], integer=integer)
    return dict(zip(pairs, folded))


def folded(table, feature, t):
    """The raw threshold of (feature, t) in a fold_table."""
    x = table[int(feature), float(t)]
    if x is None:
        raise ValueError(f'threshold {t} of feature {feature}: no raw input value goes left through the scaler')
    return x


def _key_float32(keys):
    """float32 values of order-preserving keys (trees.float32_keys' inverse)."""
    keys = np.asarray(keys, dtype=np.int64)
    bits = np.where(keys >= 0, keys, 0x80000000 | -keys).astype(np.uint32)
    return bits.view(np.float32)


def split(pipeline):
    """(Scalers or None, the final estimator) of a fitted Pipeline."""
    steps = [s for _, s in pipeline.steps if s is not None and not isinstance(s, str)]
    if not steps:
        raise ValueError('empty Pipeline')
    return (Scalers(steps[:-1]) if len(steps) > 1 else None), steps[-1]
