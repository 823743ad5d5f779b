# Plain-Python log-mel frames: what a user writes without emlmel, following
# librosa (center=False frames, periodic Hann window, |rfft|^2, Slaney mel
# filterbank with Slaney norm, 10*log10(max(S, 1e-10))). The FFT is
# pyfft.FFT (complex, on the real frame); tables are made once in __init__.
import math

import pyfft


def hz_to_mel(f):
    return f * 3 / 200 if f < 1000 else 15 + math.log(f / 1000) * 27 / math.log(6.4)


def mel_to_hz(m):
    return m * 200 / 3 if m < 15 else 1000 * math.exp((m - 15) * math.log(6.4) / 27)


class Mel:
    def __init__(self, sr=16000, n_fft=512, hop_length=256, n_mels=40):
        self.n_fft, self.hop, self.n_mels = n_fft, hop_length, n_mels
        self.fft = pyfft.FFT(n_fft)
        self.window = [0.5 - 0.5 * math.cos(2 * math.pi * k / n_fft) for k in range(n_fft)]
        top = hz_to_mel(sr / 2)
        edges = [mel_to_hz(top * i / (n_mels + 1)) for i in range(n_mels + 2)]
        self.filters = []
        for m in range(n_mels):
            f0, f1, f2 = edges[m], edges[m + 1], edges[m + 2]
            span = []
            for k in range(n_fft // 2 + 1):
                hz = k * sr / n_fft
                w = min((hz - f0) / (f1 - f0), (f2 - hz) / (f2 - f1))
                if w > 0:
                    span.append((k, w * 2 / (f2 - f0)))
            self.filters.append(span)
        self.buf = []
        self.re = [0.0] * n_fft
        self.im = [0.0] * n_fft

    def process(self, chunk, out):
        # chunk: array('h'); out: array('f'); returns frames written
        frames = 0
        for v in chunk:
            self.buf.append(v / 32768)
            if len(self.buf) == self.n_fft:
                self.frame(out, frames * self.n_mels)
                frames += 1
                self.buf = self.buf[self.hop:]
        return frames

    def frame(self, out, at):
        re, im, w, buf = self.re, self.im, self.window, self.buf
        for k in range(self.n_fft):
            re[k] = buf[k] * w[k]
            im[k] = 0.0
        self.fft.run(re, im)
        power = [re[k] * re[k] + im[k] * im[k] for k in range(self.n_fft // 2 + 1)]
        for m, span in enumerate(self.filters):
            s = 0.0
            for k, wk in span:
                s += power[k] * wk
            out[at + m] = 10 * math.log10(max(s, 1e-10))
