# Plain-Python radix-2 FFT: what a user writes without a native module.
# In place on two sequences of length n (a power of two), forward, not
# normalised (numpy.fft.fft convention). Tables are made once in __init__.
import math


class FFT:
    def __init__(self, n):
        if n < 2 or n & (n - 1):
            raise ValueError('n must be a power of two >= 2')
        self.n = n
        step = 2 * math.pi / n
        self.cos = [math.cos(step * k) for k in range(n // 2)]
        self.sin = [-math.sin(step * k) for k in range(n // 2)]
        bits = n.bit_length() - 1 if hasattr(n, 'bit_length') else _log2(n)
        self.swaps = []
        for i in range(n):
            j = _reverse(i, bits)
            if i < j:
                self.swaps.append((i, j))

    def run(self, re, im):
        for i, j in self.swaps:
            re[i], re[j] = re[j], re[i]
            im[i], im[j] = im[j], im[i]
        n = self.n
        cos = self.cos
        sin = self.sin
        size = 2
        while size <= n:
            half = size // 2
            step = n // size
            for start in range(0, n, size):
                k = 0
                for a in range(start, start + half):
                    b = a + half
                    wr = cos[k]
                    wi = sin[k]
                    tr = wr * re[b] - wi * im[b]
                    ti = wr * im[b] + wi * re[b]
                    re[b] = re[a] - tr
                    im[b] = im[a] - ti
                    re[a] += tr
                    im[a] += ti
                    k += step
            size *= 2


def _log2(n):
    bits = 0
    while n > 1:
        n >>= 1
        bits += 1
    return bits


def _reverse(i, bits):
    out = 0
    for _ in range(bits):
        out = (out << 1) | (i & 1)
        i >>= 1
    return out
