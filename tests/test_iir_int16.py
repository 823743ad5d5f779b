"""emliir's int16 path (array('h')) through the built .mpy against scipy.

Reference: scipy.signal.sosfilt in float64 with the same float32
coefficients (as carried to the device) on the same int16 input, rounded
and saturated to +-32767. Bounds (issue 13): RMS error <= 1 LSB, largest
<= 4 LSB. Designs: butter, cheby1 and ellip low-, high- and band-pass of
orders 2..8 with edges 0.01..0.45 (of Nyquist), and notches; signals:
noise, chirp, step and impulse at -1, -20 and -40 dBFS. The unix port runs
the whole grid, the boards every family with the extremes. A board's
outputs must equal the unix port's bit for bit (the armv6m build runs its
own assembly kernel) when unix ran first in the session (make test's
pytest-xdist runs a file's tests in one process, in order).
"""
import numpy as np
import pytest
from scipy import signal

from emlearn_micropython import iir

N = 2000
LEVELS = [-1, -20, -40]
KINDS = ['noise', 'chirp', 'step', 'impulse']
TAIL = 60000  # zeros after an impulse: ellip 8 at 0.01 decays by e in ~2300
OUTPUTS = {}  # target name -> {(case, signal): output bytes}


def design(family, btype, order, edge):
    if family == 'notch':
        b, a = signal.iirnotch(edge, 30)
        return signal.tf2sos(b, a)
    if btype == 'bandpass':
        order //= 2  # scipy doubles a band-pass order
    args = {'butter': (), 'cheby1': (1,), 'ellip': (1, 60)}[family]
    return getattr(signal, family)(order, *args, edge, btype=btype, output='sos')


def grid(full):
    cases = []
    for family in ['butter', 'cheby1', 'ellip']:
        for btype, edges in [('lowpass', [0.01, 0.05, 0.2, 0.45]), ('highpass', [0.01, 0.05, 0.2, 0.45]),
                             ('bandpass', [[0.01, 0.1], [0.1, 0.3], [0.2, 0.45], [0.01, 0.45]])]:
            for order in [2, 4, 6, 8]:
                for edge in edges:
                    extreme = order == 8 and edge in ([0.01, 0.45] if btype != 'bandpass' else [[0.01, 0.1]])
                    if full or extreme or (order == 4 and edge in (0.2, [0.1, 0.3])):
                        cases.append((family, btype, order, edge))
    cases += [('notch', 'notch', 2, w) for w in ([0.01, 0.1, 0.45] if full else [0.01, 0.45])]
    return cases


def signals(rng):
    t = np.arange(N)
    out = {}
    for level in LEVELS:
        amp = 32767 * 10 ** (level / 20)
        out['noise', level] = rng.uniform(-1, 1, N) * amp
        out['chirp', level] = signal.chirp(t, f0=0.001, t1=N, f1=0.49) * amp
        out['step', level] = np.where(t >= 10, amp, 0.0)
        out['impulse', level] = np.where(t == 10, amp, 0.0)
    return {k: np.round(v).astype('<i2') for k, v in out.items()}


SCRIPT = """
import array, emliir
from emltest import emit
names = %r
n, tail = %d, %d
data = open('x.bin', 'rb').read()
lines = open('filters.txt').read().split('\\n')[:-1]
zero_bytes = bytes(2000)
def put(a):
    m = memoryview(a)
    for i in range(0, len(a), 512):
        emit(bytes(m[i:i + 512]))
for i, line in enumerate(lines):
    f = emliir.load(line, strict=False)
    for k, name in enumerate(names):
        f.reset()
        y = array.array('h', data[2 * n * k:2 * n * (k + 1)])
        f.run(y)
        emit(i, k)
        put(y)
    # chunked == one-shot, on the noise at -1 dBFS (the first signal)
    f.reset()
    z = array.array('h', data[:2 * n])
    start, size = 0, 1
    while start < n:
        part = z[start:start + size]
        f.run(part)
        z[start:start + size] = part
        start += size
        size = size * 3 %% 97
    f.reset()
    y = array.array('h', data[:2 * n])
    f.run(y)
    # the impulse's decay: largest magnitude in the last 10000 samples
    f.reset()
    imp = array.array('h', [32767])
    f.run(imp)
    late = 0
    for block in range(tail // 1000):  # blocks of 1000 zeros: a small heap
        zeros = array.array('h', zero_bytes)  # (a loop zeroing it took 1/3 of the run)
        f.run(zeros)
        if block >= tail // 1000 - 10:
            late = max(late, max(abs(v) for v in zeros))
    emit(i, 'checks', bytes(z) == bytes(y), late)
"""


def test_iir_int16_matches_sosfilt(device):
    cases = grid(full=device.name == 'unix')
    sigs = signals(np.random.default_rng(13))
    names = list(sigs)
    lines = ''.join(iir.to_line(design(*c)) for c in cases)
    data = b''.join(sigs[k].tobytes() for k in names)
    out = device.run(SCRIPT % (names, N, TAIL), files={'x.bin': data, 'filters.txt': lines}, timeout=1200)
    rows = iter(out.results)
    worst_rms = worst_max = (-1.0, None)
    failures = []
    outputs = OUTPUTS[device.name] = {}
    for i, case in enumerate(cases):
        sos32 = iir.from_line(iir.to_line(design(*case))).astype(np.float64)
        for k, name in enumerate(names):
            assert next(rows) == [i, k]
            got = np.frombuffer(b''.join(next(rows)[0] for _ in range(-(-N // 512))), '<i2')
            outputs[repr(case), name] = got.tobytes()
            ref = np.clip(np.round(signal.sosfilt(sos32, sigs[name].astype(np.float64))), -32767, 32767)
            d = got.astype(np.float64) - ref
            rms, mx = np.sqrt(np.mean(d ** 2)), np.max(np.abs(d))
            worst_rms = (rms, (case, name)) if rms > worst_rms[0] else worst_rms
            worst_max = (mx, (case, name)) if mx > worst_max[0] else worst_max
            if rms > 1 or mx > 4:
                failures.append(f'{case} {name}: rms {rms:.2f} max {mx:.0f} LSB')
        checks = next(rows)
        assert checks[:2] == [i, 'checks']
        assert checks[2] is True, f'{case}: chunked != one-shot'
        assert checks[3] <= 1, f'{case}: limit cycle of {checks[3]} LSB after an impulse'
    print(f'{len(cases)} filters x {len(names)} signals; worst rms {worst_rms[0]:.3f} LSB at {worst_rms[1]}; '
          f'worst max {worst_max[0]:.0f} LSB at {worst_max[1]}')
    assert not failures, '\n'.join(failures)
    unix = OUTPUTS.get('unix') if device.name != 'unix' else None
    if unix is not None:
        differ = [key for key in outputs if outputs[key] != unix[key]]
        assert not differ, f'{len(differ)} outputs differ from the unix port\'s, first {differ[0]}'


BAD = """
import array, emliir
from emltest import emit, error
def attempt(name, fn):
    try:
        emit(name, 'ok', fn())
    except Exception as e:
        emit(name, error(e))
row = [0.5, 0.5, 0.0, 1.0, 0.1, 0.0]
f = emliir.new(array.array('f', row))
attempt('h first', lambda: f.run(array.array('h', [1000, 2000])))
attempt('f after h', lambda: f.run(array.array('f', [1.0])))
attempt('h again', lambda: f.run(array.array('h', [3])))
f.reset()
attempt('f after reset', lambda: f.run(array.array('f', [1.0])))
attempt('h after f', lambda: f.run(array.array('h', [1])))
f.reset()
attempt('unsigned', lambda: f.run(array.array('H', [1])))
attempt('bytes', lambda: f.run(b'ab'))
attempt('empty h', lambda: f.run(array.array('h')))
big = emliir.new(array.array('f', [100.0, 0.0, 0.0, 1.0, 0.0, 0.0]))
attempt('big h', lambda: big.run(array.array('h', [1])))
attempt('big f', lambda: big.run(array.array('f', [1.0])))
sat = emliir.new(array.array('f', [4.0, 0.0, 0.0, 1.0, 0.0, 0.0]))
y = array.array('h', [30000, -32768, 100])
sat.run(y)
emit('saturated', list(y))
emit('alive')
"""


def test_iir_int16_bad_input(device):
    res = {r[0]: r for r in device.run(BAD).results}
    assert res['h first'][1:] == ['ok', None]
    assert res['f after h'][1] == ['TypeError', "samples must be array('h') like the blocks before, "
                                                "got array('f'): call reset() to switch"]
    assert res['h again'][1] == 'ok'
    assert res['f after reset'][1] == 'ok'
    assert res['h after f'][1][0] == 'TypeError' and "array('f') like the blocks before" in res['h after f'][1][1]
    assert res['unsigned'][1] == ['TypeError', "samples must be array('f')"]
    assert res['bytes'][1] == ['TypeError', "samples must be array('f')"]
    assert res['empty h'][1] == 'ok'
    assert res['big h'][1][0] == 'ValueError' and 'fixed-point' in res['big h'][1][1]
    assert res['big f'][1] == 'ok'
    assert res['saturated'][1] == [32767, -32767, 400]
    assert 'alive' in res
