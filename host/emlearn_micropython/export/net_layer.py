"""The layer record of an emlnet model and the output size of a window, shared by
the converters (net.py, net_keras.py, net_build.py)."""
import dataclasses

import numpy as np


@dataclasses.dataclass
class Layer:
    """One device layer. weights/bias in the C layout of eml_net.h."""
    kind: str
    in_shape: tuple
    out_shape: tuple
    act: str = 'linear'
    alpha: float = 0.0
    kh: int = 1
    kw: int = 1
    sh: int = 1
    sw: int = 1
    pad_top: int = 0
    pad_left: int = 0
    weights: np.ndarray = None
    bias: np.ndarray = None
    scale: np.ndarray = None
    out_inv_scale: float = 1.0
    out_float: int = 0

    in_h = property(lambda s: s.in_shape[0])
    in_w = property(lambda s: s.in_shape[1])
    in_c = property(lambda s: s.in_shape[2])
    out_h = property(lambda s: s.out_shape[0])
    out_w = property(lambda s: s.out_shape[1])
    out_c = property(lambda s: s.out_shape[2])


def window_out(n, k, s, padding):
    """(output size, padding before) for 'valid' or 'same' (Keras/TF rule)."""
    if padding == 'valid':
        return (n - k) // s + 1, 0
    out = -(-n // s)
    return out, max((out - 1) * s + k - n, 0) // 2
