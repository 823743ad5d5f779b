"""Additive tree models for emltrees: boosting (a base margin plus float32
leaf values per output, then a link) and IsolationForest (path lengths to a
score). The library adapters (boosting.py, isolation.py) hand over trees in
one form, `Tree`, with float32 thresholds already mapped so that
`x <= threshold` gives the library's branch for every float32 x.

predict/predict_proba/decision_function/score_samples compute what the
device computes, bit for bit: the same fixed-point sums of the leaf values
(eml_trees_to_fixed / eml_trees_from_fixed in lib/emlearn/eml_trees.h) and
the same exp/reciprocal (lib/emlearn/eml_math.h).

dtype='int16' (Int16AdditiveModel): the same trees with integer thresholds
(8-byte nodes) for array('h') inputs, as the int16 forests
(export/trees_int16.py, also for a scaler or a Pipeline's scalers). As the
float32 thresholds send every float32 x the library's way, floor(threshold)
sends every integer x that way: scikit-learn's and LightGBM's x <= t64
become x <= floor(t64), XGBoost's x < t32 becomes x <= ceil(t32) - 1.
int16 inputs have no NaN, so the missing-value directions are dropped.
"""
from dataclasses import dataclass

import numpy as np

from .labels import labels_line
from . import math32
from .pipeline import fold_table, folded
from .text import float32_hex, save_model
from .trees_int16 import Int16Trees, check_dtype

F = np.float32


@dataclass
class Tree:
    """Nodes by index; a node is a leaf when left[i] < 0. Root is node 0."""
    feature: np.ndarray     # int
    threshold: np.ndarray   # float32: go left when x <= threshold
    left: np.ndarray        # int, -1 at leaves
    right: np.ndarray
    nan_left: np.ndarray    # bool: a NaN input goes left
    value: np.ndarray       # leaf values (float64, rounded to float32 once)


MAX_SHIFT = 126


def _exponent(bits):
    """|v| < 2^(e + 1) for float32 bits (int64 arrays)."""
    return np.maximum((bits >> 23) & 0xff, 1) - 127


def _bits(values):
    return np.asarray(values, dtype=F).reshape(-1).view(np.uint32).astype(np.int64)


def fixed_shift(leaves, base, boost):
    """The shift that gives the largest leaf 31 bits; a boosting base far
    above the leaves lowers it (sums stay below 2^56)."""
    top = max([-127] + list(_exponent(_bits(leaves))) + (list(_exponent(_bits(base)) - 24) if boost else []))
    return min(30 - int(top), MAX_SHIFT)


def to_fixed(values, shift):
    """round(v * 2^shift), half away from zero, of float32 values (int64)."""
    bits = _bits(values)
    e = (bits >> 23) & 0xff
    m = (bits & 0x7fffff) | np.where(e > 0, 0x800000, 0)
    up = np.maximum(e, 1) - 150 + shift
    down = np.clip(-up, 1, 62)
    mag = np.where(up >= 0, m << np.clip(up, 0, 62), np.where(up > -25, (m + (1 << (down - 1))) >> down, 0))
    return np.where(bits >> 31 == 1, -mag, mag)


def from_fixed(sums, shift):
    """sums * 2^-shift as the nearest float32 (int64 -> float32 rounds to
    nearest, ties to even; the power of two is exact)."""
    with np.errstate(over='ignore'):
        return (np.asarray(sums, dtype=np.int64).astype(F) * F(2.0 ** -shift)).astype(F)


class AdditiveModel:
    """kind 'boost' (link 'identity', 'sigmoid' or 'softmax') or 'isolation'.
    trees: output by output (boost), each output the same number of trees.
    base: boost: one float per output; isolation: [scale, offset].
    scalers: a Pipeline's scalers, folded into the thresholds."""

    dtype = 'float32'

    def __init__(self, kind, link, n_features, n_classes, trees, base, missing, classes=None, scalers=None):
        self.kind, self.link = kind, link
        self.missing = missing and self.dtype == 'float32'
        self.n_features, self.n_classes = int(n_features), int(n_classes)
        self.is_classifier = self.n_classes > 0
        self.classes_ = classes
        self.n_outputs = self.n_classes if link == 'softmax' else 1
        if len(trees) % self.n_outputs:
            raise ValueError('the trees must be a multiple of the outputs')
        self.base = np.asarray(base, dtype=F)
        self._folded = fold_table(scalers, [(t.feature[i], t.threshold[i]) for t in trees
                                            for i in np.flatnonzero(t.left >= 0)], self.dtype == 'int16')
        self.leaves, self._leaf_ids, self.nodes, self.roots = [], {}, [], []
        for tree in trees:
            self.roots.append(self._add(tree, 0))
        self.n_trees, self.n_nodes, self.n_leaves = len(self.roots), len(self.nodes), len(self.leaves)
        self.leaf_words = self.n_leaves

    def _add(self, tree, i):
        """Preorder: node i's index (or -k-1 for leaf k)."""
        if tree.left[i] < 0:
            value = F(tree.value[i])
            key = int(value.view(np.uint32))
            if key not in self._leaf_ids:
                self._leaf_ids[key] = len(self.leaves)
                self.leaves.append(value)
            return -self._leaf_ids[key] - 1
        at = len(self.nodes)
        self.nodes.append(None)
        left = self._add(tree, tree.left[i])
        right = self._add(tree, tree.right[i])
        feature = int(tree.feature[i])
        self.nodes[at] = (feature, self._threshold(feature, tree.threshold[i]), left, right, bool(tree.nan_left[i]))
        return at

    def _threshold(self, feature, t):
        # folded: a float32 value (an int for int16 models)
        return F(t) if self._folded is None else folded(self._folded, feature, t)

    # ---- the model file ----

    def lines(self, name=None):
        out = [f'# emltrees model {name}: {self.kind}'] if name else []
        out += [f's,{self.n_trees},{max(self.n_nodes, 1)},{self.leaf_words}', f'f,{self.n_features}',
                f'c,{self.n_classes}', f'k,{self.kind}' + (f',{self.link}' if self.kind == 'boost' else ''),
                'lb,32', 'b,' + ','.join(float32_hex(v) for v in self.base)]
        if self.is_classifier:
            out.append(labels_line(self.classes_))
        if self.missing:
            out.append('m,1')
        out += self._header()
        out += [f'l,{float(v):.9g},{float32_hex(v)}' for v in self.leaves]
        out += [f'r,{r}' for r in self.roots]
        for i, (feature, t, left, right, nan_left) in enumerate(self.nodes):
            jump = [c - i if c >= 0 else c for c in (left, right)]
            out.append(self._node_line(feature, t, jump, nan_left))
        return out

    def _header(self):
        """Lines before the leaves (the int16 model's d, qo, qs)."""
        return []

    def _node_line(self, feature, t, jump, nan_left):
        return f'n,{feature},{float(t):.9g},{jump[0]},{jump[1]},{float32_hex(t)},{int(nan_left)}'

    def save(self, file=None, name=None, format='csv'):
        """Write the model file (when file is given) and return its text."""
        return save_model(self, file, name, format)

    # ---- prediction as on the device ----

    def _fixed(self):
        """The shift, the leaves and the base margins as the device holds
        them after loading (eml_trees_fix)."""
        boost = self.kind == 'boost'
        shift = fixed_shift(self.leaves, self.base, boost)
        base = to_fixed(self.base, shift) if boost else None
        return shift, to_fixed(self.leaves, shift), base

    def _leaf_values(self, X):
        """(n_trees, n_rows) float32 leaf values reached."""
        return np.array(self.leaves, dtype=F)[self._reached(X)]

    def _keys(self, X, thresholds):
        """Inputs and thresholds as the device compares them."""
        X = np.asarray(X, dtype=F)
        if not self.missing and np.isnan(X).any():
            raise ValueError('X contains nan')
        return X, np.asarray(thresholds, dtype=F)

    def _reached(self, X):
        """(n_trees, n_rows) leaf indices reached."""
        if np.ndim(X) != 2 or np.shape(X)[1] != self.n_features:
            raise ValueError(f'X must have shape (n, {self.n_features})')
        nodes = self.nodes or [(0, 0, -1, -1, False)]
        X, threshold = self._keys(X, [n[1] for n in nodes])
        feature = np.array([n[0] for n in nodes])
        children = np.array([[n[2], n[3]] for n in nodes])
        nan_left = np.array([n[4] for n in nodes])
        rows = np.arange(len(X))
        out = np.zeros((self.n_trees, len(X)), dtype=np.int64)
        for t, root in enumerate(self.roots):
            i = np.full(len(X), root)
            while (i >= 0).any():
                a = i >= 0
                v = X[rows[a], feature[i[a]]]
                go_left = np.where(np.isnan(v), nan_left[i[a]], v <= threshold[i[a]])
                i[a] = np.where(go_left, children[i[a], 0], children[i[a], 1])
            out[t] = -i - 1
        return out

    def decision_function(self, X):
        """Boost: the margins, (n,) for one output, else (n, n_outputs);
        isolation: score_samples - offset_."""
        if self.kind == 'isolation':
            return (self.score_samples(X) - self.base[1]).astype(F)
        shift, leaves, base = self._fixed()
        values = leaves[self._reached(X)]
        per = self.n_trees // self.n_outputs
        margins = np.stack([from_fixed(base[k] + values[k * per:(k + 1) * per].sum(axis=0), shift)
                            for k in range(self.n_outputs)], axis=1)
        return margins[:, 0] if self.n_outputs == 1 else margins

    def score_samples(self, X):
        if self.kind != 'isolation':
            raise ValueError('score_samples needs an IsolationForest model')
        shift, leaves, _ = self._fixed()
        total = from_fixed(leaves[self._reached(X)].sum(axis=0), shift)
        return -math32.exp(-(total * self.base[0]))

    def predict_index(self, X):
        """The device's predict: class indices (into classes_), values, or
        1/-1 for isolation."""
        if self.kind == 'isolation':
            return np.where(self.decision_function(X) < 0, -1, 1)
        margins = self.decision_function(X)
        if not self.is_classifier:
            return margins
        if self.n_outputs == 1:
            return (margins > 0).astype(int)
        return np.argmax(margins, axis=1)

    def predict(self, X):
        """Class labels (classes_), values, or 1/-1 for isolation."""
        index = self.predict_index(X)
        return np.asarray(self.classes_)[index] if self.is_classifier else index

    def predict_proba(self, X):
        if not self.is_classifier:
            raise ValueError('predict_proba needs a classifier')
        margins = self.decision_function(X)
        if self.link == 'sigmoid':
            p = math32.reciprocal(F(1.0) + math32.exp(-margins))
            return np.stack([F(1.0) - p, p], axis=1)
        e = math32.exp(margins - margins.max(axis=1, keepdims=True))
        total = np.zeros(len(e), dtype=F)
        for k in range(e.shape[1]):
            total = total + e[:, k]
        return (e * math32.reciprocal(total)[:, None]).astype(F)


class Int16AdditiveModel(Int16Trees, AdditiveModel):
    """dtype='int16': integer thresholds, array('h') inputs."""


def additive_model(*args, dtype='float32', scaler=None, scalers=None, **kwargs):
    """An AdditiveModel, or with dtype='int16' an Int16AdditiveModel (scaler:
    a fitted neighbors.Int16Scaler that the estimator was fitted behind)."""
    check_dtype(dtype, scaler)
    if dtype == 'int16':
        return Int16AdditiveModel(*args, scaler=scaler, scalers=scalers, **kwargs)
    return AdditiveModel(*args, scalers=scalers, **kwargs)
