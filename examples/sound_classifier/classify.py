# On the device: stream recording.bin (int16, 16 kHz) in 256-sample chunks
# through emlmel; every STEP frames classify the last WINDOW frames (minus
# their maximum) with the emltrees forest; sum predict_proba over the
# windows of each 1 s segment; print the label per segment (-1: unknown,
# the mean probability was below the threshold), and the time taken.
# Needs model.csv and model.txt from train.py, emlmel.mpy and emltrees.mpy.
import array
import time

import emlmel
import emltrees

SR = 16000
CHUNK = 256


def load_model():
    with open('model.txt') as f:
        trees, nodes, words, threshold, window, step = f.read().split()
    model = emltrees.new(int(trees), int(nodes), int(words))
    with open('model.csv') as f:
        emltrees.load_model(model, f)
    return model, float(threshold), int(window), int(step)


class Segmenter:
    """Frames of the current 1 s segment, classified window by window."""

    def __init__(self, model, threshold, window, step):
        self.mel = emlmel.new(sr=SR, n_fft=512, hop_length=256, n_mels=40)
        self.model, self.window, self.step = model, window, step
        self.size = self.mel.n_mels * window
        per_segment = (SR - self.mel.n_fft) // self.mel.hop_length + 1
        self.frames = memoryview(array.array('f', bytes(4 * self.mel.n_mels * per_segment)))
        self.x = array.array('f', bytes(4 * self.size))
        self.proba = array.array('f', bytes(4 * model.n_classes))
        self.votes = array.array('f', bytes(4 * model.n_classes))
        self.limit = threshold * ((per_segment - window) // step + 1)
        self.labels = []
        self.start()

    def start(self):
        self.mel.reset()
        self.done = self.next = self.samples = 0
        for c in range(len(self.votes)):
            self.votes[c] = 0.0

    def feed(self, chunk):
        n_mels = self.mel.n_mels
        self.done += self.mel.process(chunk, self.frames[self.done * n_mels:])
        self.samples += len(chunk)
        while self.next + self.window <= self.done:
            w = self.frames[self.next * n_mels:self.next * n_mels + self.size]
            top = max(w)
            x = self.x
            for i in range(self.size):
                x[i] = w[i] - top
            self.model.predict_proba(x, self.proba)
            for c in range(len(self.votes)):
                self.votes[c] += self.proba[c]
            self.next += self.step
        if self.samples == SR:
            self.finish()

    def finish(self):
        v = self.votes
        best = 0
        for c in range(len(v)):
            if v[c] > v[best]:
                best = c
        self.labels.append(best if v[best] >= self.limit else -1)
        self.start()


def run(path='recording.bin'):
    seg = Segmenter(*load_model())
    chunk = array.array('h', bytes(2 * CHUNK))
    view = memoryview(chunk)
    t0 = time.ticks_us()
    with open(path, 'rb') as f:
        while True:
            n = f.readinto(chunk) // 2
            if n == 0:
                break
            head = min(n, SR - seg.samples)
            seg.feed(view[:head])
            if head < n:
                seg.feed(view[head:n])
    elapsed = time.ticks_diff(time.ticks_us(), t0)
    print([seg.labels, elapsed, len(seg.labels)])


run()
