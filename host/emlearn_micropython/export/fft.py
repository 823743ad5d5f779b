"""The float32 real FFT of lib/emlearn/eml_fft.h (emlfft), repeated in
numpy operation by operation: the twiddle table from its polynomials, bit
reversal, an optional radix-2 stage, radix-4 passes and the real split.
Each numpy operation on float32 arrays rounds like the C code's, so the
results are the device's bit for bit. Vectorised over leading axes.
"""
import numpy as np

F = np.float32
SIN_POLY = [F(c) for c in ('42.0586929', '-76.7058563', '81.6052475', '-41.3417015', '0.00193530717')]
COS_POLY = [F(c) for c in ('-26.4262562', '60.2446404', '-85.4568176', '64.9393921')]


def _sincos_octant(k, inv_n):
    """eml_fft_sincos_octant for an int array k."""
    t = k.astype(F) * inv_n
    u = t * t
    ps = np.full_like(t, SIN_POLY[0])
    for c in SIN_POLY[1:]:
        ps = ps * u + c
    s = t * F(6.28125) + t * ps
    r = np.full_like(t, COS_POLY[0])
    for c in COS_POLY[1:]:
        r = r * u + c
    kk = k.astype(np.int64) * k
    kk_lo = kk & 0x3fff
    inv_n2 = inv_n * inv_n
    u_hi = (kk - kk_lo).astype(F) * inv_n2
    u_lo = kk_lo.astype(F) * inv_n2
    p_hi = u_hi * F(19.7421875)
    rest = u_lo * F(19.7421875) + u * (F('-0.00297869788') - u * r)
    total = F(1) - p_hi
    err = (F(1) - total) - p_hi
    return total + (err - rest), s


def twiddles(n):
    """eml_fft_init's table: (cos, sin) of 2*pi*k/n for k < n/2, shape (n/2, 2)."""
    inv_n = F(1.0 / n)
    half, quarter, eighth = n // 2, n // 4, n // 8
    k = np.arange(half)
    r = np.where(k > quarter, half - k, k)
    swap = r > eighth
    c1, s1 = _sincos_octant(np.where(swap, quarter - r, r), inv_n)
    c = np.where(swap, s1, c1)
    s = np.where(swap, c1, s1)
    return np.stack([np.where(k > quarter, -c, c), s], axis=1)


def _twiddle(table, k):
    half = len(table)
    low = k < half
    kk = np.where(low, k, k - half)
    sign = np.where(low, F(1), F(-1))
    return table[kk, 0] * sign, table[kk, 1] * sign


def _bitreverse(n):
    bits = n.bit_length() - 1
    idx = np.arange(n)
    rev = np.zeros(n, dtype=np.int64)
    for b in range(bits):
        rev |= ((idx >> b) & 1) << (bits - 1 - b)
    return rev


def _radix4(table, re, im, h):
    """One radix-4 pass of span 4h on (..., n) arrays; returns new arrays."""
    shape = re.shape
    n = shape[-1]
    r = re.reshape(shape[:-1] + (n // (4 * h), 4, h))
    i = im.reshape(r.shape)
    step = 2 * len(table) // (4 * h)
    j = np.arange(h)
    b = []
    for q, mult in ((1, 2), (2, 1), (3, 3)):
        c, s = _twiddle(table, mult * j * step)
        xr, xi = r[..., q, :], i[..., q, :]
        br, bi = xr * c + xi * s, xi * c - xr * s
        # j = 0 takes the values as they are (no multiply by 1)
        br[..., 0], bi[..., 0] = xr[..., 0], xi[..., 0]
        b.append((br, bi))
    (b1r, b1i), (b2r, b2i), (b3r, b3i) = b
    x0r, x0i = r[..., 0, :], i[..., 0, :]
    t0r, t0i, t1r, t1i = x0r + b1r, x0i + b1i, x0r - b1r, x0i - b1i
    t2r, t2i, t3r, t3i = b2r + b3r, b2i + b3i, b2r - b3r, b2i - b3i
    out_r = np.stack([t0r + t2r, t1r + t3i, t0r - t2r, t1r - t3i], axis=-2)
    out_i = np.stack([t0i + t2i, t1i - t3r, t0i - t2i, t1i + t3r], axis=-2)
    return out_r.reshape(shape), out_i.reshape(shape)


def complex_fft(table, re, im):
    """eml_fft_complex of size re.shape[-1] with a table made for a larger n."""
    n = re.shape[-1]
    rev = _bitreverse(n)
    re, im = re[..., rev], im[..., rev]
    h = 1
    if (n.bit_length() - 1) & 1:
        r = re.reshape(re.shape[:-1] + (n // 2, 2))
        i = im.reshape(r.shape)
        re = np.stack([r[..., 0] + r[..., 1], r[..., 0] - r[..., 1]], axis=-1).reshape(re.shape)
        im = np.stack([i[..., 0] + i[..., 1], i[..., 0] - i[..., 1]], axis=-1).reshape(im.shape)
        h = 2
    while h < n:
        re, im = _radix4(table, re, im, h)
        h *= 4
    return re, im


def rfft(table, x):
    """eml_fft_rfft of float32 x (..., n) with table = twiddles(n): (re, im), n/2 + 1 bins."""
    h = x.shape[-1] // 2
    zr, zi = complex_fft(table, x[..., 0::2].astype(F), x[..., 1::2].astype(F))
    re = np.zeros(x.shape[:-1] + (h + 1,), dtype=F)
    im = np.zeros_like(re)
    re[..., 0] = zr[..., 0] + zi[..., 0]
    re[..., h] = zr[..., 0] - zi[..., 0]
    k = np.arange(1, h // 2 + 1)
    m = h - k
    zkr, zki, zmr, zmi = zr[..., k], zi[..., k], zr[..., m], zi[..., m]
    er, ei = F(0.5) * (zkr + zmr), F(0.5) * (zki - zmi)
    orr, oi = F(0.5) * (zki + zmi), F(0.5) * (zmr - zkr)
    c, s = table[k, 0], table[k, 1]
    wr, wi = orr * c + oi * s, oi * c - orr * s
    re[..., k], im[..., k] = er + wr, ei + wi
    re[..., m], im[..., m] = er - wr, wi - ei
    return re, im
