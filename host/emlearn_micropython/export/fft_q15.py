"""The q15 FFT of lib/emlearn/eml_fft_q15.h (emlfft with array('h')),
repeated in numpy integer operations: the q15 twiddles rounded from the
float32 table, bit reversal, the passes with their block-floating-point
shifts and the real split. The results are the device's bit for bit, with
the same exponent e: numpy.fft.fft(x) ~= (re + 1j*im) * 2**e.
"""
import numpy as np

from . import fft

F = np.float32
I = np.int64


def _q15(v):
    """eml_fft_q15_from_float: round(32768 v) in float32, clamped to +-32767."""
    pos = (v * F(32768) + F(0.5)).astype(I)
    neg = -(F(0.5) - v * F(32768)).astype(I)
    return np.clip(np.where(v >= 0, pos, neg), -32767, 32767)


def twiddles(n):
    """The q15 table: row j = c1, s1, c2, s2, c3, s3 of w^j, w^2j, w^3j."""
    table = fft.twiddles(n)
    j = np.arange(n // 4)
    cols = []
    for m in (1, 2, 3):
        c, s = fft._twiddle(table, m * j)
        cols += [_q15(c), _q15(s)]
    return np.stack(cols, axis=1).reshape(-1, 6)


def _mag(v):
    """EML_FFT_Q15_MAG: |v|, or |v| - 1 for v < 0."""
    return np.where(v < 0, -v - 1, v)


def _or(*arrays):
    return int(np.bitwise_or.reduce(np.concatenate([_mag(a).ravel() for a in arrays])))


def _abs2(a, b):
    return int(np.max(np.abs(a) + np.abs(b)))


def shift_for(u):
    """eml_fft_q15_shift_for: the smallest s with (v + 2^(s-1)) >> s in int16."""
    s = 0
    while u + ((1 << s) >> 1) > (32768 << s) - 1:
        s += 1
    return s


def _cmul(xr, xi, c, s):
    return (xr * c + xi * s) >> 2, (xi * c - xr * s) >> 2


def _radix4(tw, re, im, h, r):
    """The twiddled pass's sums t0..t3 (see EML_FFT_Q15_T4), per leg."""
    shape = (len(re) // (4 * h), 4, h)
    x, y = re.reshape(shape), im.reshape(shape)
    c1, s1, c2, s2, c3, s3 = tw.T
    br, bi = _cmul(x[:, 1], y[:, 1], c2, s2)
    ur, ui = x[:, 0] * 8192 + r, y[:, 0] * 8192 + r
    t0r, t0i, t1r, t1i = ur + br, ui + bi, ur - br, ui - bi
    ur, ui = _cmul(x[:, 2], y[:, 2], c1, s1)
    br, bi = _cmul(x[:, 3], y[:, 3], c3, s3)
    return t0r, t0i, t1r, t1i, ur + br, ui + bi, ur - br, ui - bi


def _passes(table, re, im, n, length, mag, exact):
    """eml_fft_q15_passes on bit-reversed int64 arrays: (re, im, e)."""
    log2n, e, h = n.bit_length() - 1, 0, 1
    if log2n & 1:
        a, b = re.reshape(-1, 2), im.reshape(-1, 2)
        if n == 2 and exact:
            s = shift_for(int(np.max(_mag(np.stack([a[:, 0] + a[:, 1], a[:, 0] - a[:, 1],
                                                    b[:, 0] + b[:, 1], b[:, 0] - b[:, 1]])))))
        else:
            s = shift_for(2 * (mag + 1))
        r = (1 << s) >> 1
        re = (np.stack([a[:, 0] + r + a[:, 1], a[:, 0] + r - a[:, 1]], axis=1) >> s).ravel()
        im = (np.stack([b[:, 0] + r + b[:, 1], b[:, 0] + r - b[:, 1]], axis=1) >> s).ravel()
        mag, e, h = _or(re, im), s, 2
    elif n >= 16:
        s = shift_for(4 * (mag + 1))
        r = (1 << s) >> 1
        a, b = re.reshape(-1, 4), im.reshape(-1, 4)
        ar, ai = a[:, 0] + r, b[:, 0] + r
        t1r, t3r, t1i, t3i = ar - a[:, 1], a[:, 2] - a[:, 3], ai - b[:, 1], b[:, 2] - b[:, 3]
        re = np.stack([ar + a[:, 1] + a[:, 2] + a[:, 3], t1r + t3i,
                       ar + a[:, 1] - a[:, 2] - a[:, 3], t1r - t3i], axis=1).ravel() >> s
        im = np.stack([ai + b[:, 1] + b[:, 2] + b[:, 3], t1i - t3r,
                       ai + b[:, 1] - b[:, 2] - b[:, 3], t1i + t3r], axis=1).ravel() >> s
        mag, e, h = _or(re, im), s, 4
    while h < n:
        tw = table[np.arange(h) * (length // (4 * h))]
        if exact and 4 * h == n:
            t0r, t0i, t1r, t1i, t2r, t2i, t3r, t3i = _radix4(tw, re, im, h, 0)
            bound = max(_abs2(t0r, t2r), _abs2(t0i, t2i), _abs2(t1r, t3i), _abs2(t1i, t3r))
        else:
            bound = (mag + 1) * 42950 + 4
        s = shift_for(bound)
        t0r, t0i, t1r, t1i, t2r, t2i, t3r, t3i = _radix4(tw, re, im, h, (1 << s) >> 1)
        re = np.stack([t0r + t2r, t1r + t3i, t0r - t2r, t1r - t3i], axis=1).ravel() >> s
        im = np.stack([t0i + t2i, t1i - t3r, t0i - t2i, t1i + t3r], axis=1).ravel() >> s
        mag, e, h = _or(re, im), e + s - 13, 4 * h
    return re, im, e


def complex_fft(re, im):
    """fft.run(re, im) on int16 arrays of a power-of-two length n: (re, im, e)."""
    n = len(re)
    if n < 2:
        return np.asarray(re, I), np.asarray(im, I), 0
    rev = fft._bitreverse(n)
    re, im = np.asarray(re, I)[rev], np.asarray(im, I)[rev]
    return _passes(twiddles(n), re, im, n, n, _or(re, im), True)


def rfft(x):
    """fft.rfft(x, re, im) on int16 x of length n: (re, im, e), n/2 + 1 bins."""
    x = np.asarray(x, I)
    n = len(x)
    h = n // 2
    table = twiddles(n)
    rev = fft._bitreverse(h)
    zr, zi = x[0::2][rev], x[1::2][rev]
    e = 0
    if h >= 2:
        zr, zi, e = _passes(table, zr, zi, h, n, _or(x), True)
    k = np.arange(1, (h + 1) // 2)
    m = h - k
    er, ei = (zr[k] + zr[m]) * 8192, (zi[k] - zi[m]) * 8192
    dr, di = zr[k] - zr[m], zi[k] + zi[m]
    c, s = table[k, 0], table[k, 1]
    wr = ((dr * c) >> 2) + ((di * s) >> 2)
    wi = ((di * c) >> 2) - ((dr * s) >> 2)
    ends = [(zr[0] + zi[0]) * 16384, (zr[0] - zi[0]) * 16384]
    if h >= 2:
        ends += [zr[h // 2] * 16384, -zi[h // 2] * 16384]
    bound = max([_abs2(er, wi), _abs2(ei, wr)] if len(k) else [0])
    sh = shift_for(max(bound, int(np.max(_mag(np.array(ends))))))
    r = (1 << sh) >> 1
    re, im = np.zeros(h + 1, I), np.zeros(h + 1, I)
    re[k], im[k] = (er + wi + r) >> sh, (ei - wr + r) >> sh
    re[m], im[m] = (er - wi + r) >> sh, (r - ei - wr) >> sh
    re[0], re[h] = (ends[0] + r) >> sh, (ends[1] + r) >> sh
    if h >= 2:
        re[h // 2], im[h // 2] = (ends[2] + r) >> sh, (ends[3] + r) >> sh
    return re, im, e + sh - 14
