"""emliir through the built .mpy against scipy.signal.sosfilt.

Filters: low-pass (butter), high-pass (cheby1) and band-pass (iirfilter)
of orders 1 to 10, designed with output='sos' and carried to the device as
exact float32 bits by emlearn_micropython.iir. Signals: noise, a chirp and
an impulse, float32. The reference is sosfilt in float64 with the same
float32 coefficients and input. Error measure: the largest absolute
difference divided by the RMS of the input signal.
"""
import numpy as np
import pytest
from scipy import signal

from emlearn_micropython import iir

ORDERS = range(1, 11)
N = 1000
TOLERANCE = 2e-5  # of the input RMS; the worst measured (8.4e-6) is printed


def designs():
    for order in ORDERS:
        yield 'low', order, signal.butter(order, 0.2, output='sos')
        yield 'high', order, signal.cheby1(order, 1, 0.3, btype='highpass', output='sos')
        yield 'band', order, signal.iirfilter(order, [0.15, 0.35], btype='bandpass',
                                              ftype='butter', output='sos')


def signals():
    rng = np.random.default_rng(42)
    t = np.arange(N)
    impulse = np.zeros(N)
    impulse[0] = 1.0
    return {
        'noise': rng.standard_normal(N),
        'chirp': signal.chirp(t, f0=0.005, t1=N, f1=0.45),
        'impulse': impulse,
    }


SCRIPT = """
import array, emliir
from emltest import read_array, emit
data = read_array('x.bin', 'f')
coefficients = read_array('coef.bin', 'f')
n, names = %d, %r
chunks = [1, 7, 64, 3, 200, 0, 33]
with open('filters.txt') as f:
    lines = f.read().split('\\n')
pos = 0
for i in range(len(lines) // 2):
    line = lines[2 * i]
    fl = emliir.load(line + '\\n' + lines[2 * i + 1] + '\\n')
    stages = len(line.split()) // 6
    again = emliir.new(coefficients[pos:pos + 6 * stages])
    pos += 6 * stages
    for k, name in enumerate(names):
        y = data[k * n:(k + 1) * n]
        fl.reset()
        fl.run(y)
        same_new = None
        if name == 'noise':
            # the same filter from new(), fed in chunks of varying size
            z = data[k * n:(k + 1) * n]
            start, c = 0, 0
            while start < n:
                size = chunks[c %% len(chunks)]
                part = z[start:start + size]
                again.run(part)
                z[start:start + size] = part
                start += size
                c += 1
            same_new = bytes(z) == bytes(y)
        emit(i, name, bytes(y), same_new)
    # reset() gives the one-shot output again
    again.reset()
    y2 = data[:n]
    again.run(y2)
    fl.reset()
    y1 = data[:n]
    fl.run(y1)
    emit(i, 'reset', bytes(y1) == bytes(y2))
"""


def test_iir_matches_sosfilt(device):
    cases = list(designs())
    sigs = {k: v.astype(np.float32) for k, v in signals().items()}
    names = list(sigs)
    lines = ''.join(iir.dumps(sos) for _, _, sos in cases)
    coef = np.concatenate([np.asarray(iir.coefficients(sos), dtype='<f4') for _, _, sos in cases])
    data = np.concatenate([sigs[k] for k in names]).astype('<f4')
    out = device.run(SCRIPT % (N, names), files={
        'x.bin': data.tobytes(), 'coef.bin': coef.tobytes(), 'filters.txt': lines})
    rows = {(r[0], r[1]): r for r in out.results}
    assert len(rows) == len(cases) * (len(names) + 1)
    worst = {}
    for i, (btype, order, sos) in enumerate(cases):
        sos32 = iir.from_line(iir.to_line(sos)).astype(np.float64)
        np.testing.assert_array_equal(sos32, np.asarray(sos, np.float32))
        for name in names:
            x = sigs[name].astype(np.float64)
            ref = signal.sosfilt(sos32, x)
            got = np.frombuffer(rows[(i, name)][2], dtype='<f4').astype(np.float64)
            err = np.max(np.abs(got - ref)) / np.sqrt(np.mean(x ** 2))
            worst[btype, name] = max(worst.get((btype, name), (0, None)), (err, order))
            assert err <= TOLERANCE, f'{btype} order {order} {name}: error {err:.3g} x input RMS'
            if name == 'noise':
                assert rows[(i, name)][3] is True, f'{btype} order {order}: chunked != one-shot'
        assert rows[(i, 'reset')][2] is True, f'{btype} order {order}: reset'
    for (btype, name), (err, order) in sorted(worst.items()):
        print(f'worst {btype}-pass {name}: {err:.3g} x input RMS (order {order})')


BAD = """
import array, emliir
from emltest import allocated, attempt, emit, error, read_array
row = [0.5, 0.5, 0.0, 1.0, 0.1, 0.0]
attempt('new empty', lambda: emliir.new(array.array('f')))
attempt('new 7', lambda: emliir.new(array.array('f', row + [1.0])))
attempt('new double', lambda: emliir.new(array.array('d', row)))
attempt('new list', lambda: emliir.new(row))
attempt('new a0', lambda: emliir.new(array.array('f', row + row[:3] + [2.0] + row[4:])))
attempt('new nan', lambda: emliir.new(array.array('f', row + row[:5] + [float('nan')])))
attempt('new inf', lambda: emliir.new(array.array('f', [float('inf')] + row[1:])))
attempt('load word', lambda: emliir.load('3f000000 3f000000 0 3f800000 00000000 00000000'))
attempt('load hex', lambda: emliir.load('3f000000 3f000000 00000000 3f800000\\n 0000000x 00000000'))
attempt('load count', lambda: emliir.load('3f000000 3f000000 00000000 3f800000', strict=False))
attempt('load empty', lambda: emliir.load('', strict=False))
attempt('load a0', lambda: emliir.load('3f000000 3f000000 00000000 3f000000 00000000 00000000', strict=False))
attempt('load int', lambda: emliir.load(5))
for name, a1, a2 in [('on', 0.0, 1.0), ('real', -2.1, 1.1 - 0.0), ('edge', -1.5, 0.5), ('in', -1.5, 0.6)]:
    attempt('new unstable ' + name, lambda: type(emliir.new(array.array('f', row + row[:4] + [a1, a2]))).__name__)
attempt('load unstable', lambda: emliir.load('3f000000 3f000000 00000000 3f800000 00000000 3f800000', strict=False))
with open('ok.txt') as f:
    good = emliir.load(f)
attempt('run double', lambda: good.run(array.array('d', [1.0, 2.0])))
attempt('run list', lambda: good.run([1.0, 2.0]))
attempt('run bytes', lambda: good.run(b'12345678'))
attempt('run empty', lambda: good.run(array.array('f')))
for k in range(2):
    x = read_array('x.bin', 'f')[20 * k:20 * k + 20]
    good.reset()
    head = x[:3]
    good.run(head)
    before = bytes(x)
    attempt('nonfinite %d' % k, lambda: good.run(x))
    emit('untouched %d' % k, bytes(x) == before)
    tail = array.array('f', [1.0] * 20)
    good.run(tail)
    emit('after %d' % k, bytes(head), bytes(tail))
import gc
x = array.array('f', bytes(4 * 500))
def step():
    good.run(x)
before = 0  # bind the name first: a new global can grow the globals dict
emit('hot path bytes', allocated(step))
gc.collect()
before = gc.mem_alloc()
for k in range(20):
    g = emliir.new(array.array('f', row * 10))
g = None
gc.collect()
emit('kept bytes', gc.mem_alloc() - before)
emit('alive')
"""


def test_iir_bad_input(device):
    sos = signal.butter(4, 0.2, output='sos')
    x = np.ones(40, dtype='<f4')
    x[5] = np.nan
    x[20 + 7] = np.inf
    out = device.run(BAD, files={'x.bin': x.tobytes(), 'ok.txt': iir.dumps(sos)})
    res = {r[0]: r for r in out.results}
    multiple = 'coefficients must be a positive multiple of 6 values'
    assert res['new empty'][1] == 'ValueError' and multiple in res['new empty'][2]
    assert res['new 7'][1] == 'ValueError' and 'got 7' in res['new 7'][2]
    assert res['new double'][1:3] == ['TypeError', "coefficients must be array('f')"]
    assert res['new list'][1:3] == ['TypeError', "coefficients must be array('f')"]
    assert res['new a0'][1:3] == ['ValueError', 'coefficients row 1: a0 must be 1, got 2.0']
    assert res['new nan'][1:3] == ['ValueError', 'coefficients row 1: values must be finite']
    assert res['new inf'][1:3] == ['ValueError', 'coefficients row 0: values must be finite']
    assert res['load word'][1:3] == ['ValueError', "coefficient file line 1: word 3 must be "
                                   "8 hex digits, got b'0'"]
    assert res['load hex'][1:3] == ['ValueError', "coefficient file line 2: word 5 must be "
                                  "8 hex digits, got b'0000000x'"]
    assert res['load count'][1] == 'ValueError' and 'got 4' in res['load count'][2]
    assert res['load empty'][1] == 'ValueError' and 'got 0' in res['load empty'][2]
    assert res['load a0'][1:3] == ['ValueError', 'coefficients row 0: a0 must be 1, got 0.5']
    assert res['load int'][1] in ('AttributeError', 'TypeError')
    for name in ['run double', 'run list', 'run bytes']:
        assert res[name][1:3] == ['TypeError', "samples must be array('f')"], name
    assert res['run empty'][1] == 'ok'  # like sosfilt on an empty signal
    # NaN and inf raise naming the sample, and change neither the block nor
    # the state: the filter goes on as if the block had not been given.
    assert res['nonfinite 0'][1:3] == ['ValueError', 'samples[5] is not finite (nan or inf)']
    assert res['nonfinite 1'][1:3] == ['ValueError', 'samples[7] is not finite (nan or inf)']
    sos32 = np.asarray(sos, np.float32).astype(np.float64)
    for k in range(2):
        assert res[f'untouched {k}'][1] is True
        got = res[f'after {k}'][1:]
        ref = signal.sosfilt(sos32, np.concatenate([x[20 * k:20 * k + 3], np.ones(20)]).astype(np.float64))
        np.testing.assert_allclose(np.frombuffer(got[0] + got[1], dtype='<f4'), ref, rtol=1e-5, atol=1e-6)
    unstable = 'coefficients row 1: unstable section (poles on or outside the unit circle'
    for name in ('on', 'real', 'edge'):
        assert res['new unstable ' + name][1] == 'ValueError' and res['new unstable ' + name][2].startswith(unstable)
    assert res['new unstable in'][1:] == ['ok', 'IIR']
    assert res['load unstable'][1] == 'ValueError' and 'row 0: unstable section' in res['load unstable'][2]
    # run allocates nothing; dropped filters are reclaimed by the GC
    assert res['hot path bytes'][1] == 0
    assert res['kept bytes'][1] <= 2048
    assert out.results[-1] == ['alive']


def test_host_helper():
    sos = signal.cheby1(5, 1, [0.1, 0.3], btype='bandpass', output='sos')
    line = iir.to_line(sos)
    assert line.endswith('\n') and '\n' not in line[:-1]
    assert len(line.split()) == sos.size
    np.testing.assert_array_equal(iir.from_line(line), sos.astype(np.float32))
    assert list(iir.coefficients(sos)) == sos.astype(np.float32).ravel().tolist()
    bad = sos.copy()
    bad[2, 3] = 2.0
    with pytest.raises(ValueError, match='sos row 2: a0 must be 1'):
        iir.to_line(bad)
    with pytest.raises(ValueError, match='shape'):
        iir.coefficients(np.zeros((2, 5)))
    with pytest.raises(ValueError, match='finite'):
        iir.coefficients([[1, 0, 0, 1, 1e300, 0]])
    unstable = sos.copy()
    unstable[3, 4:] = [-1.5, 0.5]   # a pole at z = 1
    with pytest.raises(ValueError, match=r'sos row 3: unstable section \(poles on or outside'):
        iir.save(unstable, '/nonexistent/never-written.txt')
    unstable[3, 4:] = [0.0, -1.0]   # poles at z = +-1
    with pytest.raises(ValueError, match='sos row 3: unstable'):
        iir.coefficients(unstable)


def test_cli_designs_and_saves(tmp_path):
    from emlearn_micropython import cli
    path = tmp_path / 'band.txt'
    assert cli.main(['iir', str(path), '--ftype', 'cheby1', '--rp', '1', '--order', '3',
                     '--btype', 'bandpass', '--cutoff', '100', '300', '--fs', '1000']) == 0
    sos = signal.iirfilter(3, [100, 300], rp=1, btype='bandpass', ftype='cheby1', fs=1000,
                           output='sos')
    assert path.read_text() == iir.dumps(sos)


# For tests/test_memory.py: what allocates, and a check that the module still works.
MEMORY = {
    'module': 'emliir',
    'setup': "iir_coefficients = array.array('f', bytes(4 * 6 * 200))\n"
             "iir_words = ' '.join(['3f800000'] * (6 * 200))",
    'cases': [('iir new', 'emliir.new(iir_coefficients)', 'filter coefficients: 1200 items'),
              ('iir load', 'emliir.load(iir_words, strict=False)', 'filter coefficients: 1200 items')],
    'alive': ("x = array.array('f', [2.0, 3.0])\n"
              "emliir.new(array.array('f', [1, 0, 0, 1, 0, 0])).run(x)", 'list(x)', [[2.0, 3.0]]),
}
