"""emlfeatures: the host twin against numpy/scipy definitions on real IMU
windows (BasicMotions), and the device (.mpy) against the twin bit for bit.

Tolerances against the float64 definitions (see tolerance()): relative
1e-5 of the value, or 1e-5 of the channel's std for statistics of location
and spread (their float32 rounding scales with the data, not with the
value), plus 1e-7 of the channel's largest |value| (float32 resolution);
skew, kurtosis and corr are dimensionless: absolute 1e-5 (kurtosis
1e-5 * (3 + |value|)), not checked where std < 1e-4 * max|x| (ill-
conditioned); band energies within 1e-5 of the window's total band energy
(FFT rounding, as in test_fft); mcr may differ by 2 crossings per sample
within rounding of the mean; dominant_freq must hold the largest power
within 1e-5 (near ties).
"""
import numpy as np
import pytest
import scipy.signal
import scipy.stats

from emlearn_micropython import datasets
from emlearn_micropython.export import features as F


ALL = ('mean', 'std', 'min', 'max', 'median', 'p10', 'p25', 'p75', 'p90', 'iqr', 'rms', 'energy',
       'abs_mean', 'zcr', 'mcr', 'skew', 'kurtosis', 'corr', 'band:4', 'dominant_freq')
SCALED = {'mean', 'std', 'min', 'max', 'median', 'p10', 'p25', 'p75', 'p90', 'iqr', 'rms', 'abs_mean'}


@pytest.fixture(autouse=True)
def float_errors_are_values():
    """References divide by zero spreads and underflow on purpose (another
    test module may have made numpy raise on those)."""
    with np.errstate(all='ignore'):
        yield


def real_windows(window=32, hop=16):
    X, _ = datasets.load_basic_motions('TRAIN')
    return np.concatenate([F.windows_of(x, window, hop) for x in X])


def int16_windows(rng, n=6, window=128):
    """Accelerometer axes as an IMU driver gives them (4096 LSB/g), plus a
    constant window and windows at the int16 extremes."""
    X, _ = datasets.load_basic_motions('TRAIN')
    w = F.windows_of(np.concatenate(list(X[::5])), window, window)[:n, :, :3] * 4096
    w = np.clip(w + rng.normal(0, 30, w.shape), -32768, 32767).astype(np.int16)
    w[0] = 1234
    w[1, :, 0] = -32768
    w[1, ::2, 1], w[1, 1::2, 1] = 32767, -32768
    w[1, :, 2] = np.where(np.arange(window) % 3, 32767, -32768)
    return w


def spectrum(x, n):
    """Power of bins 1..n/2 of the Hann-windowed, centred channels x (N, m);
    a jerk channel (m = n - 1) sits at frames 1..n-1."""
    centred = x - x.mean(axis=-1, keepdims=True)
    centred = np.concatenate([np.zeros((len(x), n - x.shape[-1])), centred], axis=-1)
    return np.abs(np.fft.rfft(centred * scipy.signal.get_window('hann', n), axis=-1))[:, 1:] ** 2


def reference(x, kind, n, bands=4):
    """float64 definition of a per-channel feature of channels x (N, m)."""
    m = x.shape[-1]
    mean = x.mean(axis=-1, keepdims=True)
    crossings = lambda level: ((x < level)[:, 1:] != (x < level)[:, :-1]).sum(axis=-1) / m  # noqa: E731
    if kind in F.PERCENT:
        return np.percentile(x, F.PERCENT[kind], axis=-1)[:, None]
    if kind == 'band':
        power = spectrum(x, n)
        edges = [b * (n // 2) // bands for b in range(bands + 1)]
        return np.stack([power[:, a:b].sum(axis=-1) for a, b in zip(edges, edges[1:])], axis=-1)
    with np.errstate(all='ignore'):
        return {
            'mean': lambda: mean[:, 0], 'std': lambda: x.std(axis=-1), 'min': lambda: x.min(axis=-1),
            'max': lambda: x.max(axis=-1), 'iqr': lambda: np.subtract(*np.percentile(x, [75, 25], axis=-1)),
            'rms': lambda: np.sqrt(np.mean(x * x, axis=-1)), 'energy': lambda: np.mean(x * x, axis=-1),
            'abs_mean': lambda: np.abs(x).mean(axis=-1), 'zcr': lambda: crossings(0),
            'mcr': lambda: crossings(mean),
            'skew': lambda: scipy.stats.skew(x, axis=-1), 'kurtosis': lambda: scipy.stats.kurtosis(x, axis=-1),
        }[kind]()[:, None]


def tolerance(kind, ref, s, std):
    """The allowed |twin - definition| (see the module docstring)."""
    if kind == 'mcr':
        # a sample within float32 rounding of the mean may fall on either
        # side: up to 2 crossings each
        near = np.abs(s - s.mean(axis=-1, keepdims=True)) <= 1e-5 * std
        return (2 * near.sum(axis=-1, keepdims=True) + 1e-3) / s.shape[-1]
    if kind in ('skew', 'kurtosis'):
        # ill-conditioned when the spread is near float32 resolution of the values
        flat = std < 1e-4 * np.abs(s).max(axis=-1, keepdims=True)
        return np.where(flat, np.inf, 1.0) * 1e-5 * (1 + (kind == 'kurtosis') * (3 + np.abs(ref)))
    if kind == 'band':
        # FFT rounding scales with the window's energy (Parseval), as in test_fft
        # and with the float32 rounding of the samples (a few eps for mag)
        resolution = (s.shape[-1] * 1e-6 * np.abs(s).max(axis=-1, keepdims=True)) ** 2
        return 1e-5 * np.maximum(np.abs(ref), ref.sum(axis=-1, keepdims=True)) + resolution + 1e-30
    floor = 1e-7 * np.abs(s).max(axis=-1, keepdims=True)  # float32 resolution of the data
    return 1e-5 * np.maximum(np.abs(ref), std if kind in SCALED else 0) + floor + 1e-30


def check_channel(got, names, ch, s, n):
    """Worst error / tolerance of each feature of channel ch (series s)."""
    worst = {}
    std = s.std(axis=-1, keepdims=True)
    const = (s.max(axis=-1) == s.min(axis=-1))[:, None]
    for kind in [k.split(':')[0] for k in ALL if k != 'corr']:
        cols = [f'{ch}_band{b}' for b in range(4)] if kind == 'band' else [f'{ch}_{kind}']
        g = got[:, [names.index(c) for c in cols]]
        if kind == 'dominant_freq':
            # the bin of the largest power; another bin only for a near tie
            power = spectrum(s, n)
            chosen = power[np.arange(len(power)), g[:, 0].astype(int) - 1]
            assert np.all(chosen >= power.max(axis=-1) * (1 - 1e-5)), ch
            continue
        ref = reference(s, kind, n)
        ref = np.where(const, 0.0, ref) if kind in ('skew', 'kurtosis') else ref
        worst[kind] = float(np.max(np.abs(g - ref) / tolerance(kind, ref, s, std)))
        assert worst[kind] <= 1, f'{ch}_{kind}: {worst[kind]:.3g} of the tolerance'
    return worst


def check_definitions(windows, magnitude=False, jerk=False):
    n, channels = windows.shape[1:]
    got = F.extract(windows, n, channels, ALL, magnitude=magnitude, jerk=jerk).astype(np.float64)
    names = F.feature_names(n, channels, ALL, magnitude=magnitude, jerk=jerk)
    x = windows.astype(np.float64).transpose(1, 0, 2).transpose(2, 1, 0)  # (channels, N, n)
    if magnitude:
        # the magnitude channel as the twin rounds it (sqrt within 1 ulp,
        # tested below): statistics of a near-constant magnitude are
        # otherwise dominated by that rounding
        x32 = x.astype(np.float32)
        if np.issubdtype(windows.dtype, np.integer):  # exact sum of squares, rounded once
            mag = F.sqrt((windows.astype(np.int64) ** 2).sum(axis=-1).astype(np.float32))
        else:
            mag = F.sqrt(sum(x32[c] * x32[c] for c in range(channels)))
        x = np.concatenate([x, mag[None].astype(np.float64)])
    series = list(x) + (list(np.diff(x, axis=-1)) if jerk else [])
    worst = {}
    for ch, s in zip(F.channel_names(channels, magnitude, jerk), series):
        for k, v in check_channel(got, names, ch, s, n).items():
            worst[k] = max(worst.get(k, 0), v)
    ref = [np.corrcoef(x[:channels, i])[np.triu_indices(channels, 1)] for i in range(len(windows))]
    with np.errstate(all='ignore'):
        ref = np.nan_to_num(np.array(ref), nan=0.0)
    corr = got[:, [i for i, nm in enumerate(names) if nm.startswith('corr_')]]
    assert np.max(np.abs(corr - ref)) <= 1e-5
    return worst


def test_twin_matches_definitions_on_real_windows():
    worst = check_definitions(real_windows(), magnitude=True, jerk=True)
    print({k: round(float(v), 3) for k, v in worst.items()})


def test_twin_matches_definitions_int16():
    check_definitions(int16_windows(np.random.default_rng(5)), magnitude=True, jerk=True)


def test_twin_constant_and_extremes():
    w = int16_windows(np.random.default_rng(6))
    out = F.extract(w[:2], 128, 3, ('std', 'skew', 'kurtosis', 'energy', 'corr'))
    names = F.feature_names(128, 3, ('std', 'skew', 'kurtosis', 'energy', 'corr'))
    row = dict(zip(names, out[0]))
    assert all(row[k] == 0 for k in names if not k.endswith('energy'))  # constant window
    assert row['x_energy'] == pytest.approx(1234.0 ** 2, rel=1e-6)
    extreme = dict(zip(names, out[1]))
    assert extreme['x_energy'] == np.float32(2.0 ** 30) and extreme['x_std'] == 0
    assert extreme['y_energy'] == pytest.approx((32767.0 ** 2 + 32768.0 ** 2) / 2, rel=1e-6)
    assert extreme['y_std'] == np.float32(32767.5) and extreme['corr_xy'] == 0


def test_reciprocal():
    from fractions import Fraction
    for m in list(range(2, 5000)):
        r = F.reciprocal(m)
        assert abs(Fraction(float(r)) - Fraction(1, m)) <= Fraction(float(np.spacing(r))) / 2


def test_names_and_windows_of():
    assert F.feature_names(16, 3, ('std', 'band:2'), magnitude=True, jerk=True)[:6] == [
        'x_std', 'x_band0', 'x_band1', 'y_std', 'y_band0', 'y_band1']
    assert F.feature_names(16, 4, ('rms', 'corr'))[-1] == 'corr_c2c3'
    assert 'dmag_rms' in F.feature_names(16, 2, ('rms',), magnitude=True, jerk=True)
    sig = np.arange(20)[:, None]
    w = F.windows_of(sig, 8, 4)
    assert w.shape == (4, 8, 1) and w[1, 0, 0] == 4 and w[-1, -1, 0] == 19
    assert F.windows_of(sig, 32, 4).shape == (0, 32, 1)


# ---------------------------------------------------------------- device
CONFIGS = [
    dict(window=128, channels=3, features=ALL, magnitude=True, jerk=True, dtype='h'),
    dict(window=32, channels=6, features=ALL, magnitude=False, jerk=True, dtype='f'),
    dict(window=100, channels=2, features=('mean', 'median', 'p90', 'kurtosis', 'corr', 'mcr'), dtype='h'),
    dict(window=8, channels=1, features=('band:4', 'dominant_freq', 'iqr', 'std'), magnitude=True, dtype='f'),
    dict(window=1024, channels=1, features=('p10', 'skew', 'band:16', 'rms'), jerk=True, dtype='f'),
]

DEVICE = """
import array, emlfeatures
from emltest import emit, read_array
configs = %r
for k, cfg in enumerate(configs):
    fx = emlfeatures.new(cfg['window'], cfg['channels'], cfg['features'],
                         magnitude=cfg.get('magnitude', False), jerk=cfg.get('jerk', False))
    emit('names', k, fx.names())
    data = read_array('w%%d.bin' %% k, cfg['dtype'])
    step = cfg['window'] * cfg['channels']
    out = array.array('f', bytes(4 * fx.n_features))
    for i in range(len(data) // step):
        fx.compute(data[i * step:(i + 1) * step], out)
        emit('out', k, bytes(out))
    fx = data = None
"""


def device_cases():
    rng = np.random.default_rng(11)
    real = real_windows()
    cases = []
    for cfg in CONFIGS:
        n, c = cfg['window'], cfg['channels']
        if cfg['dtype'] == 'h' and n == 128:
            w = int16_windows(rng)
        elif cfg['dtype'] == 'h':
            w = (rng.normal(0, 8000, (4, n, c))).clip(-32768, 32767).astype(np.int16)
            w[0] = -32768
        elif n == 32:
            w = real[::7][:12]
        else:
            w = rng.standard_normal((3, n, c)).astype(np.float32) * 50
            w[0] = 0.25
        cases.append((cfg, w))
    return cases


def test_device_equals_twin(device):
    cases = device_cases()
    files = {f'w{k}.bin': w.astype('<i2' if cfg['dtype'] == 'h' else '<f4').tobytes()
             for k, (cfg, w) in enumerate(cases)}
    configs = [{k: (list(v) if k == 'features' else v) for k, v in cfg.items()} for cfg, _ in cases]
    out = device.run(DEVICE % (configs,), files=files)
    rows = {}
    for r in out.results:
        rows.setdefault((r[0], r[1]), []).append(r[2])
    for k, (cfg, w) in enumerate(cases):
        opts = dict(magnitude=cfg.get('magnitude', False), jerk=cfg.get('jerk', False))
        names = F.feature_names(cfg['window'], cfg['channels'], cfg['features'], **opts)
        assert rows[('names', k)] == [names]
        twin = F.extract(w, cfg['window'], cfg['channels'], cfg['features'], **opts)
        got = np.array([np.frombuffer(b, '<f4') for b in rows[('out', k)]])
        assert got.shape == twin.shape
        diff = [names[j] for j in np.nonzero((got.view('u4') != twin.view('u4')).any(axis=0))[0]]
        assert not diff, f'config {k}: device != twin in {diff[:10]}'


BAD = """
import array, gc, emlfeatures
from emltest import allocated, attempt, emit
new = emlfeatures.new
attempt('window 7', lambda: new(7, 3, ('mean',)))
attempt('window 4097', lambda: new(4097, 3, ('mean',)))
attempt('channels 0', lambda: new(16, 0, ('mean',)))
attempt('channels 9', lambda: new(16, 9, ('mean',)))
attempt('unknown', lambda: new(16, 3, ('mean', 'variance')))
attempt('band:0', lambda: new(16, 3, ('band:0',)))
attempt('band:9', lambda: new(16, 3, ('band:9',)))
attempt('band:x', lambda: new(16, 3, ('band:x',)))
attempt('twice', lambda: new(16, 3, ('std', 'std')))
attempt('empty', lambda: new(16, 3, ()))
attempt('not str', lambda: new(16, 3, (1,)))
attempt('spectral 100', lambda: new(100, 3, ('dominant_freq',)))
attempt('corr 1', lambda: new(16, 1, ('corr',)))
emit('long names', new(2048, 1, ('band:1024',)).names()[1000:1002], new(16, 8, ('corr',)).names()[-1])
fx = new(16, 3, ('mean', 'std', 'band:2', 'corr'), magnitude=True, jerk=True)
out = array.array('f', bytes(4 * fx.n_features))
good = array.array('h', range(48))
attempt('typecode', lambda: fx.compute(array.array('i', range(48)), out))
attempt('list', lambda: fx.compute(list(range(48)), out))
attempt('short', lambda: fx.compute(array.array('h', range(47)), out))
attempt('out short', lambda: fx.compute(good, array.array('f', bytes(4 * fx.n_features - 4))))
attempt('out typecode', lambda: fx.compute(good, array.array('h', range(fx.n_features))))
nan = array.array('f', range(48))
nan[20] = float('nan')
attempt('nan', lambda: fx.compute(nan, out))
nan[20] = float('inf')
attempt('inf', lambda: fx.compute(nan, out))
before = 0
emit('hot path bytes', allocated(lambda: fx.compute(good, out)))
fx = None
gc.collect()
before = gc.mem_alloc()
for k in range(30):
    fx = new(512, 3, ('mean', 'p90', 'band:4'), magnitude=True, jerk=True)
fx = None
gc.collect()
emit('kept bytes', gc.mem_alloc() - before)
emit('alive')
"""

BAD_EXPECTED = {
    'window 7': 'window must be 8..4096, got 7', 'window 4097': 'window must be 8..4096, got 4097',
    'channels 0': 'channels must be 1..8, got 0', 'channels 9': 'channels must be 1..8, got 9',
    'unknown': "unknown feature 'variance'", 'band:0': "unknown feature 'band:0'",
    'band:9': 'band:K needs K in 1..window/2 = 8, got 9', 'band:x': "unknown feature 'band:x'",
    'twice': "feature 'std' given twice", 'empty': 'features must name at least one feature',
    'spectral 100': 'band and dominant_freq need a power-of-two window, got 100',
    'corr 1': 'corr needs at least 2 channels',
    'short': "samples must be array('h') of length 48, got 47",
    'nan': 'samples must be finite (found nan or inf)', 'inf': 'samples must be finite (found nan or inf)',
}


def test_device_bad_input_and_memory(device):
    out = device.run(BAD)
    res = {r[0]: (r[1:] if len(r) > 2 else r[1]) for r in out.results if len(r) > 1}
    for name, msg in BAD_EXPECTED.items():
        assert res[name] == ['ValueError', msg], name
    for name in ('typecode', 'list', 'out typecode', 'not str'):
        assert res[name][0] == 'TypeError', name
    assert res['out short'][0] == 'ValueError' and 'out must be' in res['out short'][1]
    names = next(r for r in out.results if r[0] == 'long names')
    assert names[1] == ['x_band1000', 'x_band1001'] == F.feature_names(2048, 1, ('band:1024',))[1000:1002]
    assert names[2] == 'corr_c6c7' == F.feature_names(16, 8, ('corr',))[-1]
    assert res['hot path bytes'] == 0
    assert res['kept bytes'] <= 2048
    assert out.results[-1] == ['alive']


def test_twin_bad_input_same_messages():
    for name, msg in BAD_EXPECTED.items():
        args = {'window 7': (7, 3, ('mean',)), 'window 4097': (4097, 3, ('mean',)),
                'channels 0': (16, 0, ('mean',)), 'channels 9': (16, 9, ('mean',)),
                'unknown': (16, 3, ('mean', 'variance')), 'band:0': (16, 3, ('band:0',)),
                'band:9': (16, 3, ('band:9',)), 'band:x': (16, 3, ('band:x',)),
                'twice': (16, 3, ('std', 'std')), 'empty': (16, 3, ()),
                'spectral 100': (100, 3, ('dominant_freq',)), 'corr 1': (16, 1, ('corr',))}.get(name)
        if args:
            with pytest.raises(ValueError, match=msg.replace('(', r'\(').replace(')', r'\)')):
                F.feature_names(*args)
    with pytest.raises(ValueError, match='finite'):
        F.extract(np.full((1, 16, 1), np.nan), 16, 1, ('mean',))
    with pytest.raises(ValueError, match='shaped'):
        F.extract(np.zeros((1, 15, 1)), 16, 1, ('mean',))


# A full heap (tests/test_memory.py): new() raises MemoryError naming the buffer
# (3 * 4096 channel samples + 2 * 3 corr stats + 4096 selection scratch).
MEMORY = {
    'module': 'emlfeatures',
    'setup': '',
    'cases': [('features', "emlfeatures.new(4096, 3, ('mean',))", 'features buffer: 16390 items')],
    'alive': ("fx_out = array.array('f', [0.0])\n"
              "emlfeatures.new(8, 1, ('max',)).compute(array.array('f', range(8)), fx_out)", 'fx_out[0]', [7.0]),
}
