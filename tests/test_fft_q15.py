"""emlfft's q15 path (array('h')) through the built .mpy against numpy.fft.

The same int16 input goes to numpy in float64; the device's result is
(re + 1j*im) * 2**e. It must equal the host twin (export/fft_q15.py) bit
for bit, exponent included (the armv6m build runs its own assembly loop).
SNR = 10 log10(sum |ref|^2 / sum |err|^2) must reach
60 dB for full-scale signals and 55 dB at -30 dBFS (issue 13): complex
noise, an off-bin complex tone and a chirp for run(), their real parts for
rfft(). Every n = 16..4096 on every target.

Tones at n = 4096 are held to 57 dB: an int16 output with one power-of-two
exponent limits a tone to 10 log10(6 P^2 / n) dB, P in [2^14, 2^15) its
scaled peak, i.e. 56..62 dB at n = 4096 (lib/emlearn/tests/test_fft_q15.c).
"""
import numpy as np

from emlearn_micropython.export import fft_q15

SIZES = [2 ** k for k in range(4, 13)]  # 16..4096
KINDS = ['noise', 'tone', 'chirp']
LEVELS = [0, -30]  # dBFS

SPECTRA = """
import array, emlfft, gc
from emltest import emit
sizes, kinds, levels = %r, %r, %r
def put(a):
    # in parts: one repr of 8 kB would not fit a small heap
    m = memoryview(a)
    for i in range(0, len(a), 256):
        emit(bytes(m[i:i + 256]))
f = open('x.bin', 'rb')
for n in sizes:
    fft = emlfft.FFT(n)
    hr = array.array('h', bytes(n + 2))
    hi = array.array('h', bytes(n + 2))
    for kind in kinds:
        for level in levels:
            re = array.array('h', f.read(2 * n))
            im = array.array('h', f.read(2 * n))
            x = array.array('h', re)
            e = fft.run(re, im)
            e_r = fft.rfft(x, hr, hi)
            emit(n, kind, level, e, e_r)
            for a in (re, im, hr, hi):
                put(a)
    fft = re = im = x = hr = hi = None
    gc.collect()
f.close()
"""


def signal(kind, n, level, rng):
    """Real and imaginary int16 parts of one input of length n."""
    t = np.arange(n)
    amp = 32767 * 10 ** (level / 20)
    if kind == 'noise':
        a, b = rng.uniform(-1, 1, n), rng.uniform(-1, 1, n)
    elif kind == 'tone':
        ph = 2 * np.pi * (0.123 * n + 0.3) * t / n + 0.2
        a, b = np.cos(ph), np.sin(ph)
    else:
        ph = np.pi * 0.45 * t * t / n
        a, b = np.cos(ph), np.sin(ph)
    return np.round(amp * a).astype('<i2'), np.round(amp * b).astype('<i2')


def snr(got, ref):
    return 10 * np.log10(np.sum(np.abs(ref) ** 2) / max(np.sum(np.abs(got - ref) ** 2), 1e-300))


def bound(n, kind, level):
    if n == 4096 and kind == 'tone':
        return 57.0
    return 60.0 if level == 0 else 55.0


def h16(b):
    return np.frombuffer(b, dtype='<i2').astype(np.float64)


def test_fft_q15_snr(device):
    rng = np.random.default_rng(2026)
    cases = [(n, k, lv, *signal(k, n, lv, rng)) for n in SIZES for k in KINDS for lv in LEVELS]
    data = b''.join(a.tobytes() + b.tobytes() for *_, a, b in cases)
    out = device.run(SPECTRA % (SIZES, KINDS, LEVELS), files={'x.bin': data}, timeout=600)
    rows = iter(out.results)
    worst = {}
    for n, kind, level, a, b in cases:
        row = next(rows)
        assert row[:3] == [n, kind, level]
        e, e_r = row[3], row[4]
        assert isinstance(e, int) and isinstance(e_r, int)
        parts = [b''.join(next(rows)[0] for _ in range(-(-m // 256))) for m in (n, n, n // 2 + 1, n // 2 + 1)]
        ref = np.fft.fft(a.astype(np.float64) + 1j * b.astype(np.float64))
        ref_r = np.fft.rfft(a.astype(np.float64))
        got = (h16(parts[0]) + 1j * h16(parts[1])) * 2.0 ** e
        got_r = (h16(parts[2]) + 1j * h16(parts[3])) * 2.0 ** e_r
        assert len(got) == n and len(got_r) == n // 2 + 1
        for name, twin, out, exp in (('run', fft_q15.complex_fft(a, b), parts[:2], e),
                                     ('rfft', fft_q15.rfft(a), parts[2:], e_r)):
            same = exp == twin[2] and all(np.array_equal(h16(o), t) for o, t in zip(out, twin[:2]))
            assert same, f"{name} n={n} {kind} {level} dBFS: differs from the host twin"
        for name, g, r in (('run', got, ref), ('rfft', got_r, ref_r)):
            s = snr(g, r)
            key = (name, level)
            worst[key] = min(worst.get(key, (999, None)), (s, (n, kind)))
            assert s >= bound(n, kind, level), f'{name} n={n} {kind} {level} dBFS: SNR {s:.1f} dB'
    for (name, level), (s, where) in sorted(worst.items()):
        print(f'worst {name} at {level} dBFS: {s:.1f} dB ({where})')
    assert next(rows, None) is None


BAD = """
import array, emlfft
from emltest import emit, error
def h(n):
    return array.array('h', bytes(2 * n))
def f(n):
    return array.array('f', bytes(4 * n))
def attempt(name, fn):
    try:
        emit(name, 'ok', fn())
    except Exception as e:
        emit(name, error(e))
fft = emlfft.FFT(8)
attempt('run mixed hf', lambda: fft.run(h(8), f(8)))
attempt('run mixed fh', lambda: fft.run(f(8), h(8)))
attempt('run short', lambda: fft.run(h(8), h(7)))
attempt('run unsigned', lambda: fft.run(array.array('H', bytes(16)), h(8)))
a = h(8)
attempt('run same', lambda: fft.run(a, a))
attempt('run float', lambda: fft.run(f(8), f(8)))
attempt('run zeros', lambda: fft.run(h(8), h(8)))
attempt('rfft mixed', lambda: fft.rfft(h(8), h(5), f(5)))
attempt('rfft mixed x', lambda: fft.rfft(f(8), h(5), h(5)))
attempt('rfft bins', lambda: fft.rfft(h(8), h(4), h(5)))
attempt('rfft same', lambda: fft.rfft(a, a, h(5)))
big = array.array('h', [32767, -32768] * 4)
attempt('run extremes', lambda: fft.run(big, array.array('h', [-32768] * 8)))
emit('extremes', bytes(big))
emit('alive')
"""


def test_fft_q15_bad_input(device):
    out = device.run(BAD)
    res = {r[0]: r for r in out.results}
    assert res['run mixed hf'][1] == ['TypeError', "imag must be array('h') like real, got array('f')"]
    assert res['run mixed fh'][1] == ['TypeError', "imag must be array('f') like real, got array('h')"]
    assert res['run short'][1] == ['ValueError', "imag must be array('h') of length 8, got 7"]
    assert res['run unsigned'][1] == ['TypeError', "real must be array('f')"]
    assert res['run same'][1][0] == 'ValueError'
    assert res['run float'][1:] == ['ok', None]
    assert res['run zeros'][1] == 'ok' and isinstance(res['run zeros'][2], int)
    assert res['rfft mixed'][1] == ['TypeError', "imag must be array('h') like x, got array('f')"]
    assert res['rfft mixed x'][1] == ['TypeError', "real must be array('f') like x, got array('h')"]
    assert res['rfft bins'][1] == ['ValueError', "real must be array('h') of length 5, got 4"]
    assert res['rfft same'][1][0] == 'ValueError'
    # the most negative int16 everywhere: block floating point keeps it in range
    e = res['run extremes'][2]
    got = h16(res['extremes'][1]) * 2.0 ** e
    ref = np.fft.fft(np.array([32767, -32768] * 4, float) - 32768j * np.ones(8)).real
    assert snr(got, ref) >= 60
    assert 'alive' in res
