# Plain-Python window features: what a user writes without emlfeatures.
# The benchmark's set for channels x, y, z and their magnitude: 12
# statistics per channel, 4 band energies of the Hann-windowed power
# spectrum (pyfft), and Pearson's r of the input channel pairs.
import math

from pyfft import FFT


def _percentile(s, p):
    pos = p * (len(s) - 1)
    i = int(pos)
    return s[i] + (pos - i) * (s[i + 1] - s[i]) if i + 1 < len(s) else s[i]


def _stats(x):
    n = len(x)
    mean = sum(x) / n
    d = [v - mean for v in x]
    m2 = sum(v * v for v in d) / n
    m3 = sum(v * v * v for v in d) / n
    m4 = sum(v * v * v * v for v in d) / n
    s = sorted(x)
    p25, p75 = _percentile(s, 0.25), _percentile(s, 0.75)
    zc = sum(1 for i in range(1, n) if (x[i - 1] < 0) != (x[i] < 0))
    skew = m3 / m2 ** 1.5 if m2 > 0 else 0.0
    kurt = m4 / (m2 * m2) - 3 if m2 > 0 else 0.0
    return [mean, math.sqrt(m2), s[0], s[-1], _percentile(s, 0.5), p25, p75, p75 - p25,
            math.sqrt(sum(v * v for v in x) / n), skew, kurt, zc / n], d, m2


class Features:
    def __init__(self, n, bands=4):
        self.n, self.bands = n, bands
        self.fft = FFT(n)
        self.hann = [0.5 - 0.5 * math.cos(2 * math.pi * i / n) for i in range(n)]

    def _bands(self, d):
        re = [v * w for v, w in zip(d, self.hann)]
        im = [0.0] * self.n
        self.fft.run(re, im)
        half = self.n // 2
        out = []
        for b in range(self.bands):
            k0, k1 = 1 + b * half // self.bands, 1 + (b + 1) * half // self.bands
            out.append(sum(re[k] * re[k] + im[k] * im[k] for k in range(k0, k1)))
        return out

    def compute(self, samples, channels=3):
        # samples: interleaved frames; returns the feature list
        chans = [[float(samples[i]) for i in range(c, len(samples), channels)] for c in range(channels)]
        chans.append([math.sqrt(sum(c[i] * c[i] for c in chans)) for i in range(self.n)])
        out, centred, m2 = [], [], []
        for x in chans:
            stats, d, var = _stats(x)
            out += stats + self._bands(d)
            centred.append(d)
            m2.append(var)
        for a in range(channels):
            for b in range(a + 1, channels):
                sab = sum(u * v for u, v in zip(centred[a], centred[b])) / self.n
                out.append(sab / math.sqrt(m2[a] * m2[b]) if m2[a] > 0 and m2[b] > 0 else 0.0)
        return out
