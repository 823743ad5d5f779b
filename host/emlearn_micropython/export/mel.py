"""Log-mel spectrogram frames exactly as the emlmel device module computes
them: the same float32 operations in the same order as lib/emlearn/eml_mel.h
and eml_fft.h (twiddle table, radix-4 real FFT, float32 filterbank made
without libm, Horner polynomials for log2), so the features a model is
trained on here equal the device's bit for bit (tests/test_mel.py), and
librosa's within 0.02 dB.

    melspectrogram(y, sr=16000, n_fft=512, hop_length=256, n_mels=40,
                   fmin=0.0, fmax=None, htk=False, norm='slaney',
                   power=2.0, log=True) -> array (n_frames, n_mels), float32

Frames are librosa's center=False frames, frame-major like the device's
output (librosa returns the transpose).
"""
import numpy as np

from .math32 import exp2, log2, reciprocal, sqrt

F = np.float32
MIN_FFT, MAX_FFT = 32, 4096
AMIN = F(1e-10)
INT16_SCALE = F(1.0 / 32768.0)
LOG10_2 = 0.30102999566398120
HTK_M2L = F(1.0 / (2595.0 * LOG10_2))
HTK_L2M = F(2595.0 * LOG10_2)
SLANEY_L2M = F(27.0 * 0.69314718055994531 / 1.8562979903656263)
SLANEY_M2L = F(1.8562979903656263 / (27.0 * 0.69314718055994531))
DB_PER_OCTAVE = F(10.0 * LOG10_2)
def hz_to_mel(hz, htk):
    hz = np.asarray(hz, dtype=F)
    if htk:
        return HTK_L2M * log2(F(1) + hz * F(1.0 / 700.0))
    with np.errstate(invalid='ignore', divide='ignore'):
        high = F(15) + log2(np.maximum(hz * F(0.001), F(1e-30))) * SLANEY_L2M
    return np.where(hz < F(1000), hz * F(3.0 / 200.0), high)


def mel_to_hz(mel, htk):
    mel = np.asarray(mel, dtype=F)
    if htk:
        return F(700) * (exp2(mel * HTK_M2L) - F(1))
    return np.where(mel < F(15), mel * F(200.0 / 3.0),
                    F(1000) * exp2((mel - F(15)) * SLANEY_M2L))


class Config:
    """new()'s keyword arguments, checked as the device checks them."""

    def __init__(self, sr=16000, n_fft=512, hop_length=256, n_mels=40, fmin=0.0, fmax=None,
                 htk=False, norm='slaney', power=2.0, log=True):
        for name, v in (('n_fft', n_fft), ('hop_length', hop_length), ('n_mels', n_mels)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
                raise TypeError(f'{name} must be an int')
        if not 0 < sr <= 1e7:
            raise ValueError('sr must be a positive number of Hz (at most 1e7)')
        if not MIN_FFT <= n_fft <= MAX_FFT or n_fft & (n_fft - 1):
            raise ValueError('n_fft must be a power of two from 32 to 4096')
        if not 1 <= hop_length <= 0x100000:
            raise ValueError('hop_length must be 1..1048576')
        if not 1 <= n_mels <= n_fft // 2 + 1:
            raise ValueError('n_mels must be 1..n_fft/2+1')
        fmax = sr / 2 if fmax is None else fmax
        if not fmax <= sr / 2:
            raise ValueError('fmax must be at most sr/2')
        if not 0 <= fmin < fmax:
            raise ValueError('fmin must be at least 0 and below fmax')
        if norm not in ('slaney', None):
            raise ValueError("norm must be 'slaney' or None")
        if power not in (1, 2):
            raise ValueError('power must be 1.0 or 2.0')
        self.sr, self.n_fft, self.hop_length, self.n_mels = sr, n_fft, hop_length, n_mels
        self.fmin, self.fmax, self.htk, self.norm = F(fmin), F(fmax), bool(htk), norm
        self.power, self.log = power, bool(log)


def edges(cfg):
    """eml_mel_edge for i = 0..n_mels+1: filter edges in Hz."""
    lo, hi = hz_to_mel(cfg.fmin, cfg.htk), hz_to_mel(cfg.fmax, cfg.htk)
    step = (hi - lo) * reciprocal(F(cfg.n_mels + 1))
    i = np.arange(cfg.n_mels + 2).astype(F)
    mels = lo + i * step
    mels[-1] = hi
    return mel_to_hz(mels, cfg.htk)


def bands(cfg):
    """eml_mel_filterbank: (bands, ramps, scales). Band j holds the bins
    bands[j] <= k < bands[j+1]; ramps[k] is where bin k lies in its band
    (0..1); scales are the Slaney norms (None without). ValueError for an
    empty filter (eml_mel_empty_filter)."""
    f = edges(cfg)
    width = F(cfg.sr) * F(1.0 / cfg.n_fft)
    hz = np.arange(cfg.n_fft // 2 + 1).astype(F) * width
    b = np.maximum.accumulate(np.searchsorted(hz, f, side='left'))
    ramps = np.zeros(len(hz), dtype=F)
    for j in range(cfg.n_mels + 1):
        k = slice(b[j], b[j + 1])
        ramps[k] = np.minimum((hz[k] - f[j]) * reciprocal(f[j + 1] - f[j]), F(1))
    scales = F(2) * reciprocal(f[2:] - f[:-2]) if cfg.norm == 'slaney' else None
    for m in range(cfg.n_mels):
        if not ((ramps[b[m]:b[m + 1]] > 0).any() or (ramps[b[m + 1]:b[m + 2]] < 1).any()) and f[m] != 0:
            raise ValueError(f'n_mels {cfg.n_mels} too large for n_fft {cfg.n_fft}: filter {m} is empty')
    return b, ramps, scales


def _weights(b, ramps, m):
    """Filter m's bins and weights before its scale, as eml_mel_frame sums them."""
    rise, fall = ramps[b[m]:b[m + 1]], F(1) - ramps[b[m + 1]:b[m + 2]]
    return range(b[m], b[m + 2]), np.concatenate([rise, fall]).astype(F)


def filterbank(cfg):
    """The device's filterbank as a dense (n_mels, n_fft/2+1) float32 array."""
    b, ramps, scales = bands(cfg)
    w = np.zeros((cfg.n_mels, len(ramps)), dtype=F)
    for m in range(cfg.n_mels):
        k, wm = _weights(b, ramps, m)
        w[m, k.start:k.stop] = wm if scales is None else wm * scales[m]
    return w


def _window(table, frames):
    """eml_mel_window: periodic Hann from the FFT cosine table."""
    n = frames.shape[-1]
    h = n // 2
    w = F(0.5) - F(0.5) * table[1:h, 0]
    y = np.empty_like(frames)
    y[:, 0] = 0
    y[:, h] = frames[:, h]
    y[:, 1:h] = frames[:, 1:h] * w
    y[:, n - 1:h:-1] = frames[:, n - 1:h:-1] * w
    return y


def as_float32(y):
    """Samples as the device takes them: int16 times 1/32768, float as float32."""
    y = np.asarray(y)
    if y.dtype == np.int16:
        return y.astype(F) * INT16_SCALE
    y = y.astype(F)
    if not np.isfinite(y).all():
        raise ValueError('y has a non-finite sample')
    return y


def frames_of(y, n_fft, hop_length):
    """center=False frames of y: (n_frames, n_fft)."""
    count = 0 if len(y) < n_fft else (len(y) - n_fft) // hop_length + 1
    starts = np.arange(count) * hop_length
    return y[starts[:, None] + np.arange(n_fft)] if count else np.zeros((0, n_fft), dtype=F)


def melspectrogram(y, **kwargs):
    """What emlmel.new(**kwargs).process(y, out) writes, as (n_frames, n_mels)."""
    cfg = Config(**kwargs)
    from . import fft
    table = fft.twiddles(cfg.n_fft)
    b, ramps, scales = bands(cfg)
    x = frames_of(as_float32(y), cfg.n_fft, cfg.hop_length)
    re, im = fft.rfft(table, _window(table, x))
    p = re * re + im * im
    if cfg.power == 1:
        p = sqrt(p)
    out = np.zeros((len(x), cfg.n_mels), dtype=F)
    for m in range(cfg.n_mels):
        bins, w = _weights(b, ramps, m)
        s = np.zeros(len(x), dtype=F)
        for k, wk in zip(bins, w):
            s = s + p[:, k] * wk
        out[:, m] = s if scales is None else s * scales[m]
    if cfg.log:
        out = DB_PER_OCTAVE * log2(np.where(out > AMIN, out, AMIN))
    return out
