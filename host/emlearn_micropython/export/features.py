"""Host twin of the emlfeatures native module: the same float32 values.

    extract(windows, window=..., channels=..., features=(...), magnitude=False, jerk=False)

windows is shaped (n, window, channels) (int16 or float values); the result
(n, n_features) float32 equals, bit for bit, what fx.compute gives on the
device for each window: every step repeats lib/emlearn/eml_features.h's
float32 operations in its order (blocked compensated sums, its sqrt and
1/sqrt, order statistics of eml_f32_key keys, the device FFT from fft.py).
Definitions: see the header's first comment.
"""
from fractions import Fraction

import numpy as np

from . import fft, math32

F = np.float32
KINDS = ('mean', 'std', 'min', 'max', 'median', 'p10', 'p25', 'p75', 'p90', 'iqr', 'rms', 'energy',
         'abs_mean', 'zcr', 'mcr', 'skew', 'kurtosis', 'corr', 'band', 'dominant_freq')
PERCENT = {'p10': 10, 'p25': 25, 'median': 50, 'p75': 75, 'p90': 90}
CENTRED = {'std', 'skew', 'kurtosis', 'corr'}


def parse(window, channels, features):
    """(kind names, K of band:K) after the device's checks (same messages)."""
    if isinstance(features, str) or not len(features):
        raise ValueError('features must name at least one feature')
    kinds, bands = [], 1
    for name in features:
        kind = name
        if name.startswith('band:') and name[5:].isdigit() and 0 < len(name) - 5 < 5 and int(name[5:]) > 0:
            kind, bands = 'band', int(name[5:])
        if kind not in KINDS or kind == 'band' and name == 'band':
            raise ValueError(f'unknown feature {name!r}')
        if kind in kinds:
            raise ValueError(f'feature {name!r} given twice')
        kinds.append(kind)
    if not 8 <= window <= 4096:
        raise ValueError(f'window must be 8..4096, got {window}')
    if not 1 <= channels <= 8:
        raise ValueError(f'channels must be 1..8, got {channels}')
    if {'band', 'dominant_freq'} & set(kinds) and window & (window - 1):
        raise ValueError(f'band and dominant_freq need a power-of-two window, got {window}')
    if not 1 <= bands <= window // 2:
        raise ValueError(f'band:K needs K in 1..window/2 = {window // 2}, got {bands}')
    if 'corr' in kinds and channels < 2:
        raise ValueError('corr needs at least 2 channels')
    return kinds, bands


def channel_names(channels, magnitude=False, jerk=False):
    base = list('xyz'[:channels]) if channels <= 3 else [f'c{c}' for c in range(channels)]
    base += ['mag'] if magnitude else []
    return base + ['d' + b for b in base] if jerk else base


def feature_names(window, channels, features, magnitude=False, jerk=False):
    """The output names, as fx.names() gives them."""
    kinds, bands = parse(window, channels, features)
    names = []
    for ch in channel_names(channels, magnitude, jerk):
        for kind in kinds:
            if kind == 'band':
                names += [f'{ch}_band{b}' for b in range(bands)]
            elif kind != 'corr':
                names.append(f'{ch}_{kind}')
    inputs = channel_names(channels)
    if 'corr' in kinds:
        names += [f'corr_{a}{b}' for i, a in enumerate(inputs) for b in inputs[i + 1:]]
    return names


def windows_of(signal, window, hop):
    """Frames of `window` rows of signal (T, channels), starting every `hop`
    rows: shape (n, window, channels); a partial last frame is dropped."""
    signal = np.asarray(signal)
    starts = range(0, signal.shape[0] - window + 1, hop)
    return np.stack([signal[s:s + window] for s in starts]) if len(starts) else \
        np.zeros((0, window) + signal.shape[1:], signal.dtype)


def reciprocal(m):
    """1/m correctly rounded to float32 (eml_f32_reciprocal)."""
    r = F(1.0 / m)
    near = [np.nextafter(r, F(0)), r, np.nextafter(r, F(1))]
    return min(near, key=lambda c: abs(Fraction(float(c)) - Fraction(1, m)))


BLOCK = 16  # EML_F32_BLOCK


def seqsum(a):
    """Sum over the last axis as the eml_f32.h blocked sum does: plain sums
    of blocks of BLOCK terms (each from +0, the last block may be shorter),
    the block sums added in order with compensation (Kahan)."""
    a = np.asarray(a, dtype=F)
    m = a.shape[-1]
    blocks = np.zeros(a.shape[:-1] + (-(-m // BLOCK), BLOCK), dtype=F)
    blocks.reshape(a.shape[:-1] + (-1,))[..., :m] = a  # +0 padding leaves a block sum as it is
    b = np.zeros(blocks.shape[:-1], dtype=F)
    for i in range(BLOCK):
        b = b + blocks[..., i]
    s = np.zeros(a.shape[:-1], dtype=F)
    c = np.zeros_like(s)
    for j in range(b.shape[-1]):
        y = b[..., j] - c
        t = s + y
        c = (t - s) - y
        s = t
    return s


def keys(x):
    """eml_f32_key of float32 x: int32 in the order of the values, -0 below +0."""
    b = np.asarray(x, dtype=F).view(np.uint32)
    return np.where(b >> np.uint32(31), b ^ np.uint32(0x7fffffff), b).view(np.int32)


def from_keys(k):
    """eml_f32_from_key: the float32 values of keys k."""
    return keys(np.asarray(k, dtype=np.int32).view(F)).view(F)


def rsqrt(v):
    """eml_f32_rsqrt of float32 v > 0."""
    with np.errstate(all='ignore'):
        v = np.asarray(v, dtype=F)
        tiny = v < F(2.0 ** -64)
        r = math32.rsqrt(np.where(tiny, v * F(2.0 ** 64), v))
        return np.where(tiny, r * F(2.0 ** 32), r)


def sqrt(v):
    """eml_f32_sqrt of float32 v >= 0: the IEEE (correctly rounded) sqrt."""
    return np.sqrt(np.asarray(v, dtype=F))


def percentile(ordered, m, kind):
    pos = PERCENT[kind] * (m - 1)
    rank, rem = divmod(pos, 100)
    lo = ordered[..., rank]
    return lo if rem == 0 else lo + (F(rem) * F(0.01)) * (ordered[..., rank + 1] - lo)


class _Channels:
    """The sums of eml_features_sums for channels x (..., m)."""

    def __init__(self, x, kinds):
        m = x.shape[-1]
        self.m, self.inv = m, reciprocal(m)
        self.mean = seqsum(x) * self.inv
        k = keys(x)
        self.min, self.max = from_keys(k.min(axis=-1)), from_keys(k.max(axis=-1))
        self.constant = ~(self.max > self.min)
        d = x - self.mean[..., None]
        d2 = d * d
        self.m2, self.m3, self.m4 = seqsum(d2), seqsum(d2 * d), seqsum(d2 * d2)
        with np.errstate(all='ignore'):
            r = rsqrt(np.where(self.constant, F(1), self.m2 * self.inv))
        self.r = np.where(self.constant | (not CENTRED & set(kinds)), F(0), r)
        self.x, self.kinds = x, kinds

    def crossings(self, level):
        below = self.x < level
        return (below[..., 1:] != below[..., :-1]).sum(axis=-1).astype(F) * self.inv

    def stat(self, kind):
        x, inv, r = self.x, self.inv, self.r
        with np.errstate(all='ignore'):
            values = {
                'mean': lambda: self.mean, 'min': lambda: self.min, 'max': lambda: self.max,
                'std': lambda: np.where(r > 0, sqrt(self.m2 * inv), F(0)),
                'skew': lambda: np.where(r > 0, ((self.m3 * inv) * r) * r * r, F(0)),
                'kurtosis': lambda: np.where(r > 0, (self.m4 * inv) * (r * r) * (r * r) - F(3), F(0)),
                'energy': lambda: seqsum(x * x) * inv, 'rms': lambda: sqrt(seqsum(x * x) * inv),
                'abs_mean': lambda: seqsum(np.abs(x)) * inv,
                'zcr': lambda: self.crossings(F(0)), 'mcr': lambda: self.crossings(self.mean[..., None]),
            }
            return values[kind]()[..., None]


def _spectral(full, mean, kind, bands, tables):
    """band:K or dominant_freq of channels full (..., n) (eml_features_spectrum)."""
    hann, table = tables
    n = full.shape[-1]
    re, im = fft.rfft(table, (full - mean[..., None]) * hann)
    power = re[..., 1:] * re[..., 1:] + im[..., 1:] * im[..., 1:]
    if kind == 'dominant_freq':
        return (np.argmax(power, axis=-1) + 1).astype(F)[..., None]
    edges = [1 + b * (n // 2) // bands for b in range(bands + 1)]
    return np.stack([seqsum(power[..., k0 - 1:k1 - 1]) for k0, k1 in zip(edges, edges[1:])], axis=-1)


def _group(x, full, kinds, bands, tables):
    """Per-channel outputs of channels x (..., m), full windows (..., n)."""
    ch = _Channels(x, kinds)
    ordered = from_keys(np.sort(keys(x), axis=-1)) if set(PERCENT) & set(kinds) or 'iqr' in kinds else None
    parts = []
    for kind in kinds:
        if kind in ('band', 'dominant_freq'):
            parts.append(_spectral(full, ch.mean, kind, bands, tables))
        elif kind == 'iqr':
            parts.append((percentile(ordered, ch.m, 'p75') - percentile(ordered, ch.m, 'p25'))[..., None])
        elif kind in PERCENT:
            parts.append(percentile(ordered, ch.m, kind)[..., None])
        elif kind != 'corr':
            parts.append(ch.stat(kind))
    return np.concatenate(parts, axis=-1), ch


def _corr(x, ch):
    """corr for each pair of input channels x (N, C, n) (eml_features_corr)."""
    d = x - ch.mean[..., None]
    m2 = np.where(ch.constant, F(0), ch.m2)
    out = []
    for a in range(x.shape[1]):
        for b in range(a + 1, x.shape[1]):
            sxy = seqsum(d[:, a] * d[:, b])
            ok = (m2[:, a] > 0) & (m2[:, b] > 0)
            safe_a, safe_b = np.where(ok, m2[:, a], F(1)), np.where(ok, m2[:, b], F(1))
            out.append(np.where(ok, (sxy * rsqrt(safe_a)) * rsqrt(safe_b), F(0)))
    return np.stack(out, axis=-1)


def _load(windows, window, channels, magnitude, jerk):
    """Channels as the device lays them out: (N, total, n) float32 with jerk
    channels holding 0 at frame 0."""
    w = np.asarray(windows)
    if w.ndim != 3 or w.shape[1:] != (window, channels):
        raise ValueError(f'windows must be shaped (n, {window}, {channels}), got {w.shape}')
    if np.issubdtype(w.dtype, np.integer) and (w.min(initial=0) < -32768 or w.max(initial=0) > 32767):
        raise ValueError('integer windows must fit int16')
    x = np.ascontiguousarray(w.astype(F).transpose(0, 2, 1))
    if not np.all(np.isfinite(x)):
        raise ValueError('samples must be finite (found nan or inf)')
    if magnitude and np.issubdtype(w.dtype, np.integer):
        # int16 frames: the exact integer sum of squares, rounded once
        acc = (w.astype(np.int64) ** 2).sum(axis=-1).astype(F)
    elif magnitude:
        acc = np.zeros(x.shape[::2], dtype=F)
        for c in range(channels):
            acc = acc + x[:, c] * x[:, c]
    if magnitude:
        x = np.concatenate([x, sqrt(acc)[:, None]], axis=1)
    if jerk:
        d = np.concatenate([np.zeros_like(x[..., :1]), x[..., 1:] - x[..., :-1]], axis=-1)
        x = np.concatenate([x, d], axis=1)
    return x


def extract(windows, window, channels, features, magnitude=False, jerk=False):
    """The features of each window: (n, n_features) float32 in fx.names() order."""
    # IEEE float32 as on the device: underflow and the like are results, not errors
    with np.errstate(all='ignore'):
        return _extract(windows, window, channels, features, bool(magnitude), bool(jerk))


def _extract(windows, window, channels, features, magnitude, jerk):
    kinds, bands = parse(window, channels, features)
    data = _load(windows, window, channels, bool(magnitude), bool(jerk))
    tables = None
    if {'band', 'dominant_freq'} & set(kinds):
        table = fft.twiddles(window)
        k = np.arange(window)
        c = np.where(k == window // 2, F(-1), table[np.where(k < window // 2, k, window - k) % (window // 2), 0])
        tables = (F(0.5) - F(0.5) * c, table)
    base = channels + int(bool(magnitude))
    out, ch = _group(data[:, :base], data[:, :base], kinds, bands, tables)
    if jerk:
        j, _ = _group(data[:, base:, 1:], data[:, base:], kinds, bands, tables)
        out = np.concatenate([out, j], axis=1)
    out = out.reshape(len(data), -1)
    if 'corr' in kinds:
        inputs = _Channels(data[:, :channels], kinds)
        out = np.concatenate([out, _corr(data[:, :channels], inputs)], axis=-1)
    return out.astype(F)
