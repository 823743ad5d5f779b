"""emlfft through the built .mpy against numpy.fft.fft / numpy.fft.rfft.

Error measures, against numpy in float64 from the same float32 input, both
divided by the RMS of the exact spectrum (= sqrt(n) * input RMS, Parseval):
the RMS of the error must stay within log2(n) * eps32 and the largest
error (per real or imaginary part) within 1.5 * log2(n) * eps32. Pure tones
are the worst case for the largest error: all the energy sits in one bin.
"""
import numpy as np
import pytest

EPS32 = float(np.finfo(np.float32).eps)  # 2^-23
SIZES = [2 ** k for k in range(1, 13)]  # 2..4096
KINDS = ['random', 'sine', 'impulse', 'dc']

# Results as exact float32 bytes: decimal output is not exact on
# single-precision boards.
SPECTRA = """
import array, emlfft, gc
sizes = %r
kinds = %r
f = open('x.bin', 'rb')
for n in sizes:
    fft = emlfft.FFT(n)
    re = array.array('f', bytes(4 * n))
    im = array.array('f', bytes(4 * n))
    half_re = array.array('f', bytes(4 * (n // 2 + 1)))
    half_im = array.array('f', bytes(4 * (n // 2 + 1)))
    for kind in kinds:
        x = array.array('f', f.read(4 * n))
        re[:] = x
        im[:] = array.array('f', f.read(4 * n))
        fft.run(re, im)
        fft.rfft(x, half_re, half_im)
        # print streams the list: no big repr string on a small heap
        print([n, kind, bytes(re), bytes(im), bytes(half_re), bytes(half_im)])
        x = None
    fft = re = im = half_re = half_im = None
    gc.collect()
f.close()
"""


def signal(kind, n, rng):
    """Real and imaginary parts of one float32 test input of length n."""
    t = np.arange(n)
    zero = np.zeros(n)
    if kind == 'random':
        return rng.standard_normal(n), rng.standard_normal(n)
    if kind == 'sine':
        return np.sin(2 * np.pi * max(1, n // 8) * t / n + 0.3) + 0.5 * np.cos(2 * np.pi * 0.37 * t), zero
    if kind == 'impulse':
        x = zero.copy()
        x[3 % n] = 1.0
        return x, zero
    return np.full(n, 0.7), zero


def spectra_cases():
    rng = np.random.default_rng(1234)
    cases = []
    for n in SIZES:
        for kind in KINDS:
            x, y = signal(kind, n, rng)
            cases.append((n, kind, x.astype(np.float32), y.astype(np.float32)))
    return cases


def f32(b):
    return np.frombuffer(b, dtype='<f4').astype(np.float64)


def test_fft_matches_numpy(device):
    cases = spectra_cases()
    data = np.concatenate([np.concatenate([x, y]) for _, _, x, y in cases]).astype('<f4')
    out = device.run(SPECTRA % (SIZES, KINDS), files={'x.bin': data.tobytes()})
    assert len(out.results) == len(cases)
    worst = {}
    for (n, kind, x, y), row in zip(cases, out.results):
        assert row[:2] == [n, kind]
        ref = np.fft.fft(x.astype(np.float64) + 1j * y.astype(np.float64))
        ref_r = np.fft.rfft(x.astype(np.float64))
        got = f32(row[2]) + 1j * f32(row[3])
        got_r = f32(row[4]) + 1j * f32(row[5])
        rms = np.sqrt(np.mean(np.abs(ref) ** 2))
        rms_r = np.sqrt(n) * np.sqrt(np.mean(x.astype(np.float64) ** 2))
        bound = np.log2(n) * EPS32
        for name, g, r, scale in (('fft', got, ref, rms), ('rfft', got_r, ref_r, rms_r)):
            diff = np.maximum(np.abs(g.real - r.real), np.abs(g.imag - r.imag))
            e_max = np.max(diff) / scale
            e_rms = np.sqrt(np.mean(np.abs(g - r) ** 2)) / scale
            for metric, e in (('max', e_max), ('rms', e_rms)):
                key = f'{name} {metric}'
                if key not in worst or e / bound > worst[key][0]:
                    worst[key] = (e / bound, (n, kind, e))
            assert e_rms <= bound, f'{name} n={n} {kind}: rms error {e_rms:.3g} x RMS'
            assert e_max <= 1.5 * bound, f'{name} n={n} {kind}: max error {e_max:.3g} x RMS'
    for name, (ratio, where) in worst.items():
        print(f'worst {name}: {where[2]:.3g} x RMS at n={where[0]} {where[1]} '
              f'({ratio:.2f} of log2(n)*eps32)')


def test_fft_large_sizes(device):
    """8192 and the largest size, 65536, on random input (unix port: heap)."""
    if device.float_bits != 64:
        pytest.skip('large sizes need a big heap: unix port only')
    sizes = [8192, 65536]
    rng = np.random.default_rng(99)
    cases = [(n, 'random', rng.standard_normal(n).astype(np.float32),
              rng.standard_normal(n).astype(np.float32)) for n in sizes]
    data = np.concatenate([np.concatenate([x, y]) for _, _, x, y in cases]).astype('<f4')
    out = device.run(SPECTRA % (sizes, ['random']), files={'x.bin': data.tobytes()})
    assert len(out.results) == len(cases)
    for (n, kind, x, y), row in zip(cases, out.results):
        ref = np.fft.fft(x.astype(np.float64) + 1j * y.astype(np.float64))
        ref_r = np.fft.rfft(x.astype(np.float64))
        got = f32(row[2]) + 1j * f32(row[3])
        got_r = f32(row[4]) + 1j * f32(row[5])
        bound = np.log2(n) * EPS32
        for g, r in ((got, ref), (got_r, ref_r)):
            scale = np.sqrt(np.mean(np.abs(r) ** 2))
            e_rms = np.sqrt(np.mean(np.abs(g - r) ** 2)) / scale
            e_max = np.max(np.abs(g - r)) / scale
            print(f'n={n}: rms error {e_rms / bound:.2f}, max {e_max / bound:.2f} x log2(n)*eps32')
            assert e_rms <= bound and e_max <= 1.5 * bound


BAD = """
import array, emlfft
from emltest import allocated, attempt, emit, error, read_array
def f(n):
    return array.array('f', bytes(4 * n))
for n in [0, 1, 3, 6, 100, -4, 2 ** 17]:
    attempt('size %d' % n, lambda: emlfft.FFT(n))
attempt('size float', lambda: emlfft.FFT(1.5))
attempt('size str', lambda: emlfft.FFT('8'))
fft = emlfft.FFT(8)
attempt('run double', lambda: fft.run(array.array('d', [0] * 8), f(8)))
attempt('run list', lambda: fft.run(f(8), [0.0] * 8))
attempt('run bytes', lambda: fft.run(bytes(32), f(8)))
attempt('run short', lambda: fft.run(f(8), f(7)))
attempt('run long', lambda: fft.run(f(9), f(8)))
attempt('run empty', lambda: fft.run(f(0), f(0)))
a = f(8)
attempt('run same', lambda: fft.run(a, a))
attempt('rfft bins', lambda: fft.rfft(f(8), f(4), f(4)))
attempt('rfft x', lambda: fft.rfft(f(4), f(5), f(5)))
attempt('rfft empty', lambda: fft.rfft(f(0), f(5), f(5)))
attempt('rfft same', lambda: fft.rfft(a, a, f(5)))
attempt('rfft args', lambda: fft.rfft(f(8), f(5)))
attempt('rfft typecode', lambda: fft.rfft(array.array('i', [0] * 8), f(5), f(5)))
x = read_array('x.bin', 'f')
for k in range(2):
    re = x[16 * k:16 * k + 16]
    im = f(16)
    r2, i2 = f(9), f(9)
    fft16 = emlfft.FFT(16)
    fft16.rfft(re, r2, i2)
    fft16.run(re, im)
    emit('nonfinite', k, bytes(re), bytes(im), bytes(r2), bytes(i2))
import gc
re, im, r2, i2, x = f(256), f(256), f(129), f(129), f(256)
fft = emlfft.FFT(256)
def step():
    fft.run(re, im)
    fft.rfft(x, r2, i2)
before = 0  # bind the name first: a new global can grow the globals dict
emit('hot path bytes', allocated(step))
gc.collect()
before = gc.mem_alloc()
for k in range(20):
    fft = emlfft.FFT(1024)
fft = None
gc.collect()
emit('kept bytes', gc.mem_alloc() - before)
emit('alive')
"""


def test_fft_bad_input(device):
    x = np.zeros(32, dtype='<f4')
    x[:16] = np.arange(16)
    x[5] = np.nan
    x[16:] = np.arange(16)
    x[16 + 9] = np.inf
    out = device.run(BAD, files={'x.bin': x.tobytes()})
    res = {r[0] if r[0] != 'nonfinite' else ('nonfinite', r[1]): r for r in out.results}
    for n in [0, 1, 3, 6, 100, -4, 2 ** 17]:
        kind, msg = res[f'size {n}'][1:3]
        assert kind == 'ValueError' and 'power of two from 2 to' in msg and str(n) in msg
    assert res['size float'][1] == 'TypeError'
    assert res['size str'][1] == 'TypeError'
    for name, arg in [('run double', 'real'), ('run list', 'imag'), ('run bytes', 'real'),
                      ('rfft typecode', 'x')]:
        assert res[name][1:3] == ['TypeError', f"{arg} must be array('f')"], name
    assert res['run short'][1:3] == ['ValueError', "imag must be array('f') of length 8, got 7"]
    assert res['run long'][1:3] == ['ValueError', "real must be array('f') of length 8, got 9"]
    assert res['run empty'][1:3] == ['ValueError', "real must be array('f') of length 8, got 0"]
    assert res['run same'][1] == 'ValueError'
    assert res['rfft bins'][1:3] == ['ValueError', "real must be array('f') of length 5, got 4"]
    assert res['rfft x'][1:3] == ['ValueError', "x must be array('f') of length 8, got 4"]
    assert res['rfft empty'][1:3] == ['ValueError', "x must be array('f') of length 8, got 0"]
    assert res['rfft same'][1] == 'ValueError'
    assert res['rfft args'][1] == 'TypeError'
    # NaN and inf propagate: every bin depends on every sample, so every
    # output is non-finite (numpy's pocketfft leaves a few bins finite; we
    # check that its non-finite bins are non-finite here too).
    for k in range(2):
        row = res[('nonfinite', k)]
        xin = x[16 * k:16 * k + 16].astype(np.float64)
        with np.errstate(invalid='ignore'):
            ref = np.fft.fft(xin)
            ref_r = np.fft.rfft(xin)
            got = f32(row[2]) + 1j * f32(row[3])
            got_r = f32(row[4]) + 1j * f32(row[5])
        for g, r in ((got, ref), (got_r, ref_r)):
            assert not np.isfinite(g).any()
            assert not (np.isfinite(g) & ~np.isfinite(r)).any()
    # run/rfft allocate nothing; dropped FFT objects are reclaimed by the GC
    assert res['hot path bytes'][1] == 0
    assert res['kept bytes'][1] <= 2048
    assert out.results[-1] == ['alive']


if __name__ == '__main__':
    pytest.main([__file__, '-q', '-s'])


# For tests/test_memory.py: what allocates, and a check that the module still works.
MEMORY = {
    'module': 'emlfft',
    'setup': '',
    'cases': [('fft', 'emlfft.FFT(4096)', 'FFT twiddles: 4096 items')],
    'alive': ("re = array.array('f', [1.0] * 8)\n"
              "emlfft.FFT(8).run(re, array.array('f', [0.0] * 8))", 're[0]', [8.0]),
}
