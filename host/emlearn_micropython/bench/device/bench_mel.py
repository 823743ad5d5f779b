# Log-mel frames: emlmel against the plain-Python equivalent (pymel.py), same
# int16 samples fed 256 at a time (one 512-point frame of 40 mels per call,
# hop 256), same VM. Files: benchcfg.py, pcm.bin (int16).
import array
import gc

import benchcfg as cfg
from benchlib import measure, ram_of, read_shorts, record, skip
import pymel

pcm = read_shorts('pcm.bin')
KW = dict(sr=16000, n_fft=512, hop_length=256, n_mels=40)
CASE = 'n_fft=512 n_mels=40'

try:
    import emlmel
except ImportError as e:
    emlmel = None
    skip('mel', '*', 'emlmel', 'module not found: %s' % e)


def timing(impl, make, repeat):
    mel, ram = ram_of(make)
    record('ram', bench='mel', case=CASE, impl=impl, bytes=ram)
    out = array.array('f', bytes(4 * 40 * 4))
    mel.process(pcm[:256], out)  # the first frame needs 512 samples
    chunks = [pcm[i:i + 256] for i in range(256, len(pcm) - 255, 256)]
    state = [0]

    def run():
        mel.process(chunks[state[0] % len(chunks)], out)
        state[0] += 1
    us = measure(run, 1, repeat, cfg.MIN_US)
    record('time', bench='mel', case=CASE, impl=impl, us=us)
    mel.process(chunks[0], out)
    return out[:40]


def frames_of(make):
    mel = make()
    out = array.array('f', bytes(4 * 40 * (len(pcm) // 256)))
    n = mel.process(pcm, out)
    return out[:40 * n]


ours = theirs = None
if emlmel is not None:
    timing('emlmel', lambda: emlmel.new(**KW), cfg.REPEAT)
    gc.collect()
    ours = frames_of(lambda: emlmel.new(**KW))
timing('python', lambda: pymel.Mel(**KW), cfg.PY_REPEAT)
gc.collect()
theirs = frames_of(lambda: pymel.Mel(**KW))
if ours is not None:
    # max |dB difference| over the RMS of the plain-Python dB values
    worst = max(abs(a - b) for a, b in zip(ours, theirs))
    rms = (sum(b * b for b in theirs) / len(theirs)) ** 0.5
    record('error', bench='mel', case=CASE, impl='emlmel', vs='python', max_rel=worst / rms)
record('done', bench='mel', case='*')
