"""int16 tree models for emltrees (issue 13): integer thresholds compared
with array('h') inputs, 8 bytes per decision node.

For integer features (counts, ADC readings) x <= t is x <= floor(t):
exact. For float features, fit the estimator on Int16Scaler().fit(X)
.transform(X) and pass the scaler: it is saved in the file, and the device
quantizes with model.quantize(x_float, x_int16) exactly as transform(). File lines beyond the
float model's: `d,int16`, `qo,<offset bits>...`, `qs,<scale bits>...`, and
nodes `n,<feature>,<int threshold>,<left>,<right>`.
"""
import math

import numpy as np

from .text import float32_hex

INT16_MIN, INT16_MAX = -32768, 32767


def check_dtype(dtype, scaler):
    """convert()'s dtype and scaler options (trees, boosting, isolation)."""
    if dtype not in ('float32', 'int16') or (scaler is not None and dtype != 'int16'):
        raise ValueError(f"dtype must be 'float32' or 'int16' (scaler only with int16), got {dtype!r}")


class Int16Trees:
    """The int16 parts of trees.Int16Model and additive.Int16AdditiveModel
    (a mixin over a model whose _threshold(feature, t) gives a float or,
    with a Pipeline's scalers, the folded integer threshold)."""
    dtype = 'int16'

    def __init__(self, *args, scaler=None, scalers=None, **kwargs):
        if scaler is not None and scalers is not None:
            raise ValueError('give a Pipeline or scaler=, not both')
        self.scaler = scaler
        super().__init__(*args, scalers=scalers, **kwargs)
        for i, node in enumerate(self.nodes):
            right = node[3]
            if right >= 0 and right - i > INT16_MAX:
                raise ValueError(f'int16 model: node {i} jumps {right - i} nodes (at most {INT16_MAX})')
        if self.n_leaves > -INT16_MIN:
            raise ValueError(f'int16 model: {self.n_leaves} distinct leaves (at most {-INT16_MIN})')

    def _threshold(self, feature, t):
        # x <= t is x <= floor(t) for integer x. A threshold outside int16
        # is refused rather than clamped: it means the training data had
        # values that int16 inputs cannot carry.
        q = math.floor(t) if self._folded is None else super()._threshold(feature, t)
        if not INT16_MIN <= q <= INT16_MAX:
            raise ValueError(f'threshold {t} of feature {feature} is {q} as int16: out of range '
                             f'(scale the feature with neighbors.Int16Scaler)')
        return q

    def lines(self, name=None):
        return [line + ',int16' if line.startswith('s,') else line for line in super().lines(name)]

    def _header(self):
        out = ['d,int16']
        if self.scaler is not None:
            out.append('qo,' + ','.join(float32_hex(v) for v in self.scaler.offset_))
            out.append('qs,' + ','.join(float32_hex(v) for v in self.scaler.scale_))
        return out

    def _node_line(self, feature, threshold, jump, nan_left=False):
        # int16 inputs have no NaN: no direction for it
        return f'n,{feature},{threshold},{jump[0]},{jump[1]}'

    def _keys(self, X, thresholds):
        X = np.asarray(X)
        if not np.issubdtype(X.dtype, np.integer) or X.min(initial=0) < INT16_MIN or X.max(initial=0) > INT16_MAX:
            raise ValueError('an int16 model takes int16 inputs: use quantize() for float features')
        return X.astype(np.int64), np.array(thresholds, dtype=np.int64)

    def quantize(self, X):
        """Float features to the int16 inputs, as the device's model.quantize."""
        if self.scaler is None:
            raise ValueError('quantize needs a model converted with a scaler')
        return self.scaler.transform(X)
