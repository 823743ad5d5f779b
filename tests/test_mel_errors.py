"""emlmel's errors and memory, through the built .mpy: every bad argument,
array and sample is a named Python exception that consumes nothing, and the
host twin (export/mel.py) raises the same messages; process() allocates
nothing and the heap returns to its baseline after 2000 new()/drop cycles.
"""
import re

import numpy as np
import pytest

from emlearn_micropython.export import mel


BAD = """
import array, emlmel
from emltest import attempt, emit
for name, kw in %r:
    attempt(name, lambda: emlmel.new(**kw))
attempt('positional', lambda: emlmel.new(16000))
attempt('unknown', lambda: emlmel.new(rate=16000))
attempt('float n_fft', lambda: emlmel.new(n_fft=512.0))
m = emlmel.new(n_fft=64, hop_length=32, n_mels=8, sr=8000)
f = lambda n: array.array('f', bytes(4 * n))
x = array.array('f', [0.01 * ((i * 7) %% 13) for i in range(200)])
attempt('chunk double', lambda: m.process(array.array('d', x), f(48)))
attempt('chunk list', lambda: m.process(list(x), f(48)))
attempt('chunk int32', lambda: m.process(array.array('i', [0] * 100), f(48)))
attempt('out double', lambda: m.process(x, array.array('d', [0] * 48)))
attempt('out bytes', lambda: m.process(x, bytes(192)))
attempt('out partial frame', lambda: m.process(x, f(41)))
attempt('out too small', lambda: m.process(x, f(8)))
y = array.array('f', x)
y[5] = float('nan')
attempt('nan', lambda: m.process(y, f(48)))
y[5] = float('inf')
attempt('inf', lambda: m.process(y, f(48)))
attempt('same array', lambda: m.process(x, x))
out = f(48)
attempt('after errors', lambda: [m.process(x, out), bytes(out)])
m2 = emlmel.new(n_fft=64, hop_length=32, n_mels=8, sr=8000)
attempt('fresh', lambda: [m2.process(x, out), bytes(out)])
attempt('empty chunk', lambda: m2.process(f(0), f(0)))
def store():
    m.n_mels = 3
attempt('store attr', store)
attempt('attrs', lambda: [m.n_mels, m.n_fft, m.hop_length, m.sr, emlmel.new(sr=22050.0).sr])
emit('alive')
"""

BAD_CONFIGS = [
    ('n_fft 500', dict(n_fft=500), 'n_fft must be a power of two from 32 to 4096'),
    ('n_fft 16', dict(n_fft=16), 'n_fft must be a power of two from 32 to 4096'),
    ('n_fft 8192', dict(n_fft=8192), 'n_fft must be a power of two from 32 to 4096'),
    ('fmax', dict(fmax=8001.0), 'fmax must be at most sr/2'),
    ('fmin negative', dict(fmin=-1.0), 'fmin must be at least 0 and below fmax'),
    ('fmin above fmax', dict(fmin=3000.0, fmax=2000.0), 'fmin must be at least 0 and below fmax'),
    ('empty filters', dict(n_fft=256, n_mels=128), 'n_mels 128 too large for n_fft 256: filter'),
    ('n_mels 0', dict(n_mels=0), 'n_mels must be 1..n_fft/2+1'),
    ('n_mels 300', dict(n_mels=300), 'n_mels must be 1..n_fft/2+1'),
    ('norm', dict(norm='htk'), "norm must be 'slaney' or None"),
    ('power', dict(power=3.0), 'power must be 1.0 or 2.0'),
    ('sr', dict(sr=0), 'sr must be a positive number'),
    ('hop_length', dict(hop_length=0), 'hop_length must be 1..1048576'),
]


def test_bad_input(device):
    out = device.run(BAD % ([(name, kw) for name, kw, _ in BAD_CONFIGS],))
    res = {r[0]: r[1:] for r in out.results}
    for name, kw, msg in BAD_CONFIGS:
        kind, text = res[name]
        assert kind == 'ValueError' and text.startswith(msg), (name, text)
        with pytest.raises(ValueError, match=re.escape(msg)):
            mel.filterbank(mel.Config(**kw))
    assert res['positional'][0] == 'TypeError'
    assert res['unknown'][0] == 'TypeError'
    assert res['float n_fft'][0] == 'TypeError'
    for name in ('chunk double', 'chunk list', 'chunk int32'):
        assert res[name] == ['TypeError', "chunk must be array('h') or array('f')"], name
    for name in ('out double', 'out bytes'):
        assert res[name] == ['TypeError', "out must be array('f')"], name
    assert res['out partial frame'] == [
        'ValueError', 'out must hold whole frames: its length a multiple of n_mels=8, got 41']
    assert res['out too small'] == ['ValueError', 'out has room for 1 frames, this chunk completes 5']
    assert res['nan'] == ['ValueError', 'chunk has a non-finite sample at index 5']
    assert res['inf'] == ['ValueError', 'chunk has a non-finite sample at index 5']
    assert res['same array'][0] == 'ValueError'
    # nothing was consumed by the failed calls
    assert res['after errors'][:2] == ['ok', res['fresh'][1]] and res['fresh'][1][0] == 5
    assert res['empty chunk'] == ['ok', 0]
    assert res['store attr'][0] == 'AttributeError'
    assert res['attrs'] == ['ok', [8, 64, 32, 8000, 22050.0]]
    assert out.results[-1] == ['alive']
    with pytest.raises(ValueError, match='non-finite'):
        mel.melspectrogram(np.array([0.0, np.nan] * 300, dtype=np.float32))


CYCLES = """
import array, emlmel, gc
from emltest import allocated, emit
kw = %r
x = array.array('h', range(-2000, 2000, 3))
out = array.array('f', bytes(4 * 40 * 8))
m = emlmel.new(**kw)
emit('process bytes', allocated(lambda: m.process(x, out)))
m = None
gc.collect()
before = gc.mem_alloc()
m = emlmel.new(**kw)
emit('small new bytes', gc.mem_alloc() - before)
m = None
gc.collect()
before = gc.mem_alloc()
m = emlmel.new(sr=16000, n_fft=512, n_mels=40)
emit('new bytes', gc.mem_alloc() - before)
m = None
gc.collect()
before = gc.mem_alloc()
i = 0
while i < %d:
    m = emlmel.new(**kw)
    m = None
    i += 1
gc.collect()
emit('kept bytes', gc.mem_alloc() - before)
"""


def test_memory_returns_to_baseline(device):
    # The M3 has no FPU: a small filterbank keeps 2000 soft-float inits quick.
    kw = dict(n_fft=64, hop_length=64, n_mels=8, sr=8000)
    out = device.run(CYCLES % (kw, 2000))
    res = {r[0]: r[1] for r in out.results}
    print(f"{device.name}: new(sr=16000, n_fft=512, n_mels=40) takes {res['new bytes']} bytes")
    assert res['process bytes'] == 0
    # a stale word on the stack may keep the last object alive (conservative GC)
    assert res['kept bytes'] <= res['small new bytes'] + 256
    assert 0 < res['new bytes'] < 16384


# The full-heap case for tests/test_memory.py (the new layout's registry).
MEMORY = {
    'module': 'emlmel',
    'setup': '',
    'cases': [('mel', 'emlmel.new(sr=44100, n_fft=4096, n_mels=128)', 'mel FFT twiddles: 4096 items')],
    'alive': ("mel = emlmel.new(sr=8000, n_fft=32, hop_length=32, n_mels=4)\n"
              "mel_out = array.array('f', [0.0] * 4)",
              "mel.process(array.array('h', [1000] * 32), mel_out)", [1]),
}
