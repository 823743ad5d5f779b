"""The float32 maths of lib/emlearn/eml_math.h (exp, log2, exp2, 1/x,
1/sqrt, sqrt without libm or division), operation by operation in numpy:
the results are the device's bit for bit."""
import numpy as np

F = np.float32
U = np.uint32
LOG2_POLY = [F(c) for c in ('-0.143028796', '0.235702544', '-0.25048995', '0.28688693',
                            '-0.360065609', '0.480932236', '-0.721357524', '1.44269478')]
EXP2_POLY = [F(c) for c in ('0.000208291909', '0.00126893527', '0.00965244044',
                            '0.0554959364', '0.240227222', '0.693147182')]


def _horner(coefs, t):
    p = np.full_like(t, coefs[0])
    for c in coefs[1:]:
        p = p * t + c
    return p


def log2(x):
    """eml_math_log2 on a float32 array of normal positive values."""
    x = np.asarray(x, dtype=F)
    u = x.view(U)
    e = ((u >> 23) & 0xff).astype(np.int32) - 127
    m = ((u & U(0x007fffff)) | U(0x3f800000)).view(F)
    big = m > F(1.41421356)
    m = np.where(big, m * F(0.5), m)
    e = e + big
    t = m - F(1)
    return e.astype(F) + t * _horner(LOG2_POLY, t)


def exp2(x):
    """eml_math_exp2 on a float32 array."""
    x = np.asarray(x, dtype=F)
    i = np.trunc(x).astype(np.int64)
    i = np.where(i.astype(F) > x, i - 1, i)
    f = x - i.astype(F)
    v = (F(1) + f * _horner(EXP2_POLY, f)).view(U).astype(np.int64)
    return ((v + (i << 23)) & 0xffffffff).astype(U).view(F)


def exp(x):
    """eml_math_exp on a float32 array."""
    x = np.clip(np.asarray(x, dtype=F), F(-87.0), F(87.0))
    t = x * F(1.44269504)
    k = (t + np.where(t >= 0, F(0.5), F(-0.5))).astype(np.int32)
    kf = k.astype(F)
    r = (x - kf * F(0.693145751953125)) - kf * F(1.42860677e-06)
    p = F(1.0 / 5040)
    for c in (1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1.0, 1.0):
        p = p * r + F(c)
    scale = ((k + 127).astype(np.uint32) << 23).view(F)
    return (p * scale).astype(F)


def reciprocal(x):
    """eml_math_reciprocal on a float32 array."""
    x = np.asarray(x, dtype=F)
    r = (U(0x7ef311c3) - x.view(U)).view(F)
    for _ in range(3):
        r = r * (F(2) - x * r)
    return r + r * (F(1) - x * r)


def rsqrt(x):
    """eml_math_rsqrt on a float32 array."""
    x = np.asarray(x, dtype=F)
    y = (U(0x5f3759df) - (x.view(U) >> 1)).view(F)
    half = F(0.5) * x
    for _ in range(3):
        y = y * (F(1.5) - half * y * y)
    return y


def sqrt(x):
    """eml_math_sqrt on a float32 array."""
    x = np.asarray(x, dtype=F)
    return x * rsqrt(x)
