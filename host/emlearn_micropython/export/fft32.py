"""lib/emlearn/eml_fft.h's real FFT, operation for operation in numpy float32.

The device's twiddle table (Taylor series, no libm), bit reversal, one
radix-2 stage when log2 of the complex size is odd, radix-4 passes and the
real split step, on a batch: arrays shaped (..., n). IEEE float32 adds and
multiplies in the same order give the same bits as the C code compiled
without fused multiply-add (dynruntime.mk compiles with -std=c99, which
keeps gcc from contracting).
"""
from fractions import Fraction

import numpy as np

F = np.float32


def f32(text):
    """The float32 nearest to the decimal `text`, as a C compiler reads a
    float literal (float() then float32 could round twice)."""
    exact = Fraction(text)
    r = F(float(text))
    near = [np.nextafter(r, F(-np.inf)), r, np.nextafter(r, F(np.inf))]
    return min(near, key=lambda c: abs(Fraction(float(c)) - exact))


_S = [f32(v) for v in ('42.0586929', '76.7058563', '81.6052475', '41.3417015', '0.00193530717')]
_C = [f32(v) for v in ('-26.4262562', '60.2446404', '85.4568176', '64.9393921')]
_C2_LO, _C2_HI, _S_HI = f32('-0.00297869788'), F(19.7421875), F(6.28125)


def _sincos_octant(k, inv_n):
    """eml_fft_sincos_octant for an int array k."""
    t = k.astype(F) * inv_n
    u = t * t
    ps = _S[0]
    ps = ps * u - _S[1]
    ps = ps * u + _S[2]
    ps = ps * u - _S[3]
    ps = ps * u + _S[4]
    s = t * _S_HI + t * ps
    r = _C[0]
    r = r * u + _C[1]
    r = r * u - _C[2]
    r = r * u + _C[3]
    kk = k * k
    kk_lo = kk & 0x3fff
    inv_n2 = inv_n * inv_n
    u_hi = (kk - kk_lo).astype(F) * inv_n2
    u_lo = kk_lo.astype(F) * inv_n2
    p_hi = u_hi * _C2_HI
    rest = u_lo * _C2_HI + u * (_C2_LO - u * r)
    total = F(1) - p_hi
    err = (F(1) - total) - p_hi
    return total + (err - rest), s


def twiddles(n):
    """eml_fft_init's table: cos and sin of 2 pi k / n for k < n/2."""
    inv_n = F(1.0 / n)  # a power of two: exact
    half, quarter, eighth = n // 2, n // 4, n // 8
    k = np.arange(half, dtype=np.int64)
    r = np.where(k > quarter, half - k, k)
    swap = r > eighth
    c1, s1 = _sincos_octant(np.where(swap, quarter - r, r), inv_n)
    c, s = np.where(swap, s1, c1), np.where(swap, c1, s1)
    return np.where(k > quarter, -c, c), s


def _bitreverse(n):
    bits = n.bit_length() - 1
    idx = np.arange(n)
    rev = np.zeros(n, dtype=np.int64)
    for b in range(bits):
        rev |= ((idx >> b) & 1) << (bits - 1 - b)
    return rev


def _radix4(re, im, h, cos_full, sin_full, step):
    shape = re.shape[:-1] + (re.shape[-1] // (4 * h), 4, h)
    re, im = re.reshape(shape).copy(), im.reshape(shape).copy()
    x = [(re[..., q, :], im[..., q, :]) for q in range(4)]
    j = np.arange(1, h)
    b = [x[1], x[2], x[3]]
    for q, mult in ((0, 2), (1, 1), (2, 3)):
        c, s = cos_full[mult * j * step], sin_full[mult * j * step]
        xr, xi = x[q + 1][0][..., 1:], x[q + 1][1][..., 1:]
        br = np.concatenate([x[q + 1][0][..., :1], xr * c + xi * s], axis=-1)
        bi = np.concatenate([x[q + 1][1][..., :1], xi * c - xr * s], axis=-1)
        b[q] = (br, bi)
    (x0r, x0i), (b1r, b1i), (b2r, b2i), (b3r, b3i) = x[0], b[0], b[1], b[2]
    t0r, t0i, t1r, t1i = x0r + b1r, x0i + b1i, x0r - b1r, x0i - b1i
    t2r, t2i, t3r, t3i = b2r + b3r, b2i + b3i, b2r - b3r, b2i - b3i
    out_r = np.stack([t0r + t2r, t1r + t3i, t0r - t2r, t1r - t3i], axis=-2)
    out_i = np.stack([t0i + t2i, t1i - t3r, t0i - t2i, t1i + t3r], axis=-2)
    return out_r.reshape(re.shape[:-3] + (-1,)), out_i.reshape(im.shape[:-3] + (-1,))


def _complex(re, im, cos_t, sin_t):
    """eml_fft_complex of size re.shape[-1] with the table of length 2 len(cos_t)."""
    n = re.shape[-1]
    length = 2 * len(cos_t)
    cos_full, sin_full = np.concatenate([cos_t, -cos_t]), np.concatenate([sin_t, -sin_t])
    perm = _bitreverse(n)
    re, im = re[..., perm], im[..., perm]
    h = 1
    if (n.bit_length() - 1) & 1:
        ar, ai, br, bi = re[..., 0::2], im[..., 0::2], re[..., 1::2], im[..., 1::2]
        re = np.stack([ar + br, ar - br], axis=-1).reshape(re.shape)
        im = np.stack([ai + bi, ai - bi], axis=-1).reshape(im.shape)
        h = 2
    while h < n:
        re, im = _radix4(re, im, h, cos_full, sin_full, length // (4 * h))
        h *= 4
    return re, im


def rfft(x, cos_t, sin_t):
    """eml_fft_rfft of float32 x (..., n): real and imaginary parts (..., n/2 + 1)."""
    n = x.shape[-1]
    h = n // 2
    z_re, z_im = _complex(x[..., 0::2], x[..., 1::2], cos_t, sin_t)
    re = np.zeros(x.shape[:-1] + (h + 1,), dtype=F)
    im = np.zeros_like(re)
    re[..., 0] = z_re[..., 0] + z_im[..., 0]
    re[..., h] = z_re[..., 0] - z_im[..., 0]
    k = np.arange(1, h // 2 + 1)
    m = h - k
    zkr, zki, zmr, zmi = z_re[..., k], z_im[..., k], z_re[..., m], z_im[..., m]
    half = F(0.5)
    er, ei = half * (zkr + zmr), half * (zki - zmi)
    orr, oi = half * (zki + zmi), half * (zmr - zkr)
    c, s = cos_t[k], sin_t[k]
    wr, wi = orr * c + oi * s, oi * c - orr * s
    re[..., k], im[..., k] = er + wr, ei + wi
    re[..., m], im[..., m] = er - wr, wi - ei
    return re, im
