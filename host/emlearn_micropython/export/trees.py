"""Export scikit-learn trees and forests to the CSV model files that the
`emltrees` native module loads, and predict on the computer exactly as the
device will (same integer comparisons, same vote sums).

    cmodel = convert(estimator)
    cmodel.save(file='model.csv', name='model', format='csv')

File lines (see README, section trees):
    f,<n_features>          c,<n_classes> (0: regression)     lb,<leaf bits>
    l,<class> | l,<w0>,<w1>,... | l,<value>,0x<bits>          one per leaf
    r,<root>                                                  one per tree
    n,<feature>,<threshold>,<left>,<right>,0x<bits>           one per node
"""
import numpy as np

from .labels import labels_line, parse_labels
from .pipeline import fold_table, folded
from .text import check_end_line, parse_bits, save_model
from .trees_int16 import Int16Trees, check_dtype

ESTIMATORS = SUPPORTED = (
    'DecisionTreeClassifier', 'DecisionTreeRegressor',
    'RandomForestClassifier', 'RandomForestRegressor',
    'ExtraTreesClassifier', 'ExtraTreesRegressor',
)
# Soft-vote weights: a class proportion p is stored as round(p * 2**bits).
DEFAULT_LEAF_BITS = 24
MAX_VOTE_SUM = 2**31 - 1


def floor_float32(t):
    """The largest float32 <= t: for every float32 x, x <= t iff x <= it."""
    f = np.float32(t)
    if float(f) > float(t):
        f = np.nextafter(f, np.float32(-np.inf))
    return f


def float32_bits(f):
    return int(np.float32(f).view(np.uint32))


def float32_keys(values):
    """Order-preserving int64 keys of float32 values (as the C core maps them)."""
    bits = np.asarray(values, dtype=np.float32).view(np.uint32).astype(np.int64)
    magnitude = bits & 0x7fffffff
    return np.where(bits >> 31, -magnitude, magnitude)


def _trees_of(estimator):
    kind = type(estimator).__name__
    if kind not in SUPPORTED:
        raise ValueError(f'unsupported estimator {kind}: expected one of {", ".join(SUPPORTED)}')
    trees = getattr(estimator, 'estimators_', None) if kind.startswith(('Random', 'Extra')) else [estimator]
    if not trees or not all(hasattr(e, 'tree_') for e in trees):
        raise ValueError(f'{kind} is not fitted: call fit() first')
    if getattr(estimator, 'n_outputs_', 1) != 1:
        raise ValueError('only single-output estimators are supported')
    return [e.tree_ for e in trees]


class Model:
    """A converted estimator: save() writes the model file; predict() and
    predict_proba() compute what the device computes."""

    dtype = 'float32'

    def __init__(self, estimator, leaf_bits=None, scalers=None):
        trees = _trees_of(estimator)
        self._folded = _fold(scalers, trees, integer=self.dtype == 'int16')
        self.kind = type(estimator).__name__
        self.is_classifier = 'Classifier' in self.kind
        self.n_features = int(estimator.n_features_in_)
        self.classes_ = getattr(estimator, 'classes_', None)
        self.n_classes = len(self.classes_) if self.is_classifier else 0
        self.n_trees = len(trees)
        if not self.is_classifier:
            leaf_bits = 32
        elif leaf_bits is None:
            leaf_bits = DEFAULT_LEAF_BITS
            while (1 << leaf_bits) * self.n_trees > MAX_VOTE_SUM:
                leaf_bits -= 1
        if self.is_classifier and leaf_bits not in (0,) and not 9 <= leaf_bits <= 24:
            raise ValueError('leaf_bits must be 0 (hard vote) or 9..24 (soft vote)')
        if self.is_classifier and leaf_bits and (1 << leaf_bits) * self.n_trees > MAX_VOTE_SUM:
            raise ValueError(f'leaf_bits={leaf_bits} is too many for {self.n_trees} trees')
        self.leaf_bits = leaf_bits
        self.full_weight = (1 << leaf_bits) if self.is_classifier and leaf_bits else 1
        self._leaf_ids = {}
        self.leaves = []        # tuples: (class,) or weights or (float32 bits,)
        self.roots = []
        self.nodes = []         # [feature, threshold float32, left, right] (absolute)
        for tree in trees:
            self.roots.append(self._add_tree(tree))
        self.n_nodes = len(self.nodes)
        self.n_leaves = len(self.leaves)
        self.leaf_words = self.n_leaves + sum(len(v) for v in self.leaves if len(v) > 1)

    def _leaf(self, value):
        value = np.asarray(value[0], dtype=np.float64)
        if not self.is_classifier:
            leaf = (float32_bits(value[0]),)
        elif self.leaf_bits == 0:
            leaf = (int(np.argmax(value)),)
        else:
            # scikit-learn >= 1.4 stores fractions (older versions counts)
            total = value.sum()
            fractions = value if abs(total - 1.0) < 1e-9 else value / total
            weights = np.rint(fractions * self.full_weight).astype(np.int64)
            nonzero = np.flatnonzero(weights)
            if len(nonzero) == 1 and weights[nonzero[0]] == self.full_weight:
                leaf = (int(nonzero[0]),)
            else:
                leaf = tuple(int(w) for w in weights)
        if leaf not in self._leaf_ids:
            self._leaf_ids[leaf] = len(self.leaves)
            self.leaves.append(leaf)
        return -self._leaf_ids[leaf] - 1

    def _threshold(self, feature, t):
        if self._folded is not None:
            return folded(self._folded, feature, t)
        return floor_float32(t)

    def _header(self):
        """Lines between lb and the leaves (the int16 model's d, qo, qs)."""
        return []

    def _node_line(self, feature, threshold, jump):
        return (f'n,{feature},{float(threshold):.9g},{jump[0]},{jump[1]},'
                f'0x{float32_bits(threshold):08x}')

    def _add_tree(self, tree):
        left, right = tree.children_left, tree.children_right
        decision = np.flatnonzero(left != -1)
        index = {int(i): len(self.nodes) + k for k, i in enumerate(decision)}

        def ref(i):
            return index[i] if i in index else self._leaf(tree.value[i])

        if len(decision) == 0:
            return self._leaf(tree.value[0])
        for i in decision:
            threshold = self._threshold(int(tree.feature[i]), tree.threshold[i])
            self.nodes.append([int(tree.feature[i]), threshold, ref(int(left[i])), ref(int(right[i]))])
        return index[int(decision[0])]

    # ---- the model file ----

    def lines(self, name=None):
        out = []
        if name:
            out.append(f'# emltrees model {name}: {self.kind}, '
                       f'needs new({self.n_trees}, {max(self.n_nodes, 1)}, {self.leaf_words})')
        out += [f's,{self.n_trees},{max(self.n_nodes, 1)},{self.leaf_words}',
                f'f,{self.n_features}', f'c,{self.n_classes}', f'lb,{self.leaf_bits}']
        if self.is_classifier:
            out.append(labels_line(self.classes_))
        out += self._header()
        for leaf in self.leaves:
            if self.is_classifier:
                out.append('l,' + ','.join(str(v) for v in leaf))
            else:
                value = np.array(leaf[0], dtype=np.uint32).view(np.float32)
                out.append(f'l,{float(value):.9g},0x{leaf[0]:08x}')
        out += [f'r,{r}' for r in self.roots]
        for i, (feature, threshold, left, right) in enumerate(self.nodes):
            jump = [c - i if c >= 0 else c for c in (left, right)]
            out.append(self._node_line(feature, threshold, jump))
        return out

    def save(self, file=None, name=None, format='csv'):
        """Write the model file (when file is given) and return its text."""
        return save_model(self, file, name, format)

    # ---- prediction as on the device ----

    def _keys(self, X, thresholds):
        """Integers that compare as the device compares: inputs, thresholds."""
        X = np.asarray(X, dtype=np.float32)
        if np.isnan(X).any():
            raise ValueError('X contains nan')
        return float32_keys(X), float32_keys(np.array(thresholds, dtype=np.float32))

    def _leaf_indices(self, X):
        if np.ndim(X) != 2 or np.shape(X)[1] != self.n_features:
            raise ValueError(f'X must have shape (n, {self.n_features})')
        keys, thresholds = self._keys(X, [n[1] for n in self.nodes])
        nodes = np.zeros((len(self.nodes), 4), dtype=np.int64)
        if self.nodes:
            nodes[:, [0, 2, 3]] = [(n[0], n[2], n[3]) for n in self.nodes]
            nodes[:, 1] = thresholds
        rows = np.arange(len(X))
        out = []
        for root in self.roots:
            i = np.full(len(X), root, dtype=np.int64)
            while (i >= 0).any():
                active = i >= 0
                n = nodes[i[active]]
                go_left = keys[rows[active], n[:, 0]] <= n[:, 1]
                i[active] = np.where(go_left, n[:, 2], n[:, 3])
            out.append(-i - 1)
        return out

    def _vote_sums(self, X):
        sums = np.zeros((len(X), self.n_classes), dtype=np.int64)
        table = np.zeros((self.n_leaves, self.n_classes), dtype=np.int64)
        for k, leaf in enumerate(self.leaves):
            if len(leaf) == 1:
                table[k, leaf[0]] = self.full_weight
            else:
                table[k] = leaf
        for leaves in self._leaf_indices(X):
            sums += table[leaves]
        return sums

    def scale(self):
        s = np.float32(1.0 / self.n_trees)
        return s * np.float32(1.0 / self.full_weight) if self.is_classifier else s

    def predict_index(self, X):
        """The device's predict: class indices (into classes_)."""
        return np.argmax(self._vote_sums(X), axis=1)

    def predict(self, X):
        """Class labels (classes_) for a classifier, floats for a regressor."""
        if self.is_classifier:
            return np.asarray(self.classes_)[self.predict_index(X)]
        values = np.array([v[0] for v in self.leaves], dtype=np.uint32).view(np.float32)
        total = np.zeros(len(X), dtype=np.float32)
        for leaves in self._leaf_indices(X):
            total = total + values[leaves]
        return total * self.scale()

    def predict_proba(self, X):
        if not self.is_classifier:
            raise ValueError('predict_proba needs a classifier')
        return self._vote_sums(X).astype(np.float32) * self.scale()


def _fold(scalers, trees, integer):
    """pipeline.fold_table over the decision nodes of scikit-learn trees."""
    return fold_table(scalers, [(t.feature[i], t.threshold[i]) for t in trees
                                for i in np.flatnonzero(t.children_left != -1)], integer)


class Int16Model(Int16Trees, Model):
    """dtype='int16': integer thresholds, array('h') inputs (export/trees_int16.py)."""


def _fields(line):
    for sep in '[]\t\r\n ':
        line = line.replace(sep, ',')
    return [f for f in line.split(',') if f]


def _float32(fields, exact_key=False):
    """A value from (decimal[, 0xbits]); thresholds (exact_key) round down."""
    if len(fields) > 1:
        return parse_bits(fields[1])
    return floor_float32(float(fields[0])) if exact_key else np.float32(float(fields[0]))


def load_csv(text, strict=True):
    """A Model from a model file's text (ours or PyPI emlearn's), predicting
    as the device does. The end line (counts and CRC32) is checked as on the
    device; strict=False also reads files without one (older files, PyPI
    emlearn's). Not a full validator: the device loader checks the rest."""
    body, end = check_end_line(text, strict)
    model = Model.__new__(Model)
    model.kind = 'csv'
    model.classes_ = None
    model.leaves, model.roots, model.nodes = [], [], []
    leaf_bits = 0
    for line in body.splitlines():
        fields = _fields(line)
        tag, rest = (fields[0], fields[1:]) if fields else ('', [])
        if tag == 'f':
            model.n_features = int(rest[0])
        elif tag == 'c':
            model.n_classes = int(rest[0])
            model.is_classifier = model.n_classes > 0
        elif tag == 'lb':
            leaf_bits = int(rest[0])
        elif tag == 'y':
            model.classes_ = parse_labels(rest)
        elif tag == 'k' and rest[:1] != ['forest']:
            raise ValueError(f'load_csv reads forest files; this one is k,{",".join(rest)}')
        elif tag == 'l' and model.is_classifier:
            model.leaves.append(tuple(int(v) for v in rest))
        elif tag == 'l':
            model.leaves.append((float32_bits(_float32(rest)),))
        elif tag == 'r':
            model.roots.append(int(rest[0]))
        elif tag == 'n':
            i = len(model.nodes)
            children = [i + int(c) if int(c) >= 0 else int(c) for c in rest[2:4]]
            model.nodes.append([int(rest[0]), _float32([rest[1]] + rest[4:5], exact_key=True)] + children)
    model.leaf_bits = leaf_bits
    if model.is_classifier and model.classes_ is None:
        model.classes_ = np.arange(model.n_classes)
    model.full_weight = 1 if leaf_bits in (0, 32) else 255 if leaf_bits <= 8 else 1 << leaf_bits
    model.n_trees, model.n_nodes, model.n_leaves = len(model.roots), len(model.nodes), len(model.leaves)
    model.leaf_words = model.n_leaves + sum(len(v) for v in model.leaves if len(v) > 1)
    if end is not None and end != [model.n_trees, model.n_nodes, model.n_leaves]:
        raise ValueError('end line counts differ from the file\'s trees, nodes and leaves')
    return model


def convert(estimator, method='inline', leaf_bits=None, dtype='float32', scaler=None, scalers=None):
    """Convert a fitted scikit-learn tree or forest. `method` is accepted for
    compatibility with emlearn ('inline' or 'loadable': the same file).
    leaf_bits: None (soft vote, exact: 24 bits, fewer for > 127 trees),
    9..24 (soft vote weights of that many bits), or 0 (hard vote: each tree
    votes for one class; less RAM, may differ from scikit-learn).
    dtype='int16': integer thresholds and array('h') inputs (8 bytes per
    node); exact for integer features, or give a fitted
    neighbors.Int16Scaler for float features (saved in the file).
    scalers: a Pipeline's StandardScaler/MinMaxScaler steps (given by
    export.convert(pipeline)), folded exactly into the thresholds."""
    if method not in ('inline', 'loadable'):
        raise ValueError(f"unsupported method {method!r}: use 'inline'")
    check_dtype(dtype, scaler)
    if dtype == 'int16':
        return Int16Model(estimator, leaf_bits=leaf_bits, scaler=scaler, scalers=scalers)
    return Model(estimator, leaf_bits=leaf_bits, scalers=scalers)
