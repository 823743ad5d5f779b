"""emlmel (through the built .mpy) and its host twin export/mel.py against
librosa: librosa.feature.melspectrogram(center=False) + power_to_db(ref=1,
amin=1e-10, top_db=None), on every bin within 80 dB (of power) of its frame's maximum,
|ours - librosa| <= 0.02 dB. The device's frames equal the host twin's bit
for bit, chunked feeding equals one-shot bit for bit.
"""
import warnings

import numpy as np
import pytest

from emlearn_micropython.export import mel

librosa = pytest.importorskip('librosa')

TOL_DB = 0.02
RANGE_DB = 80.0
RATES = [8000, 16000, 22050, 44100]
FFTS = [256, 512, 1024, 2048]
KINDS = ['noise', 'chirp', 'tones', 'speech']


def make_signal(kind, sr, n, rng):
    """float32 test signal of n samples: white noise, a log chirp, a few
    tones, or speech-like (a 120 Hz pulse train through formant resonances,
    amplitude-modulated, plus a little noise)."""
    t = np.arange(n) / sr
    if kind == 'noise':
        y = 0.3 * rng.standard_normal(n)
    elif kind == 'chirp':
        f0, f1 = 50.0, 0.45 * sr
        k = np.log(f1 / f0) / t[-1]
        y = 0.5 * np.sin(2 * np.pi * f0 * (np.exp(k * t) - 1) / k)
    elif kind == 'tones':
        y = sum(a * np.sin(2 * np.pi * f * t + p) for a, f, p in
                ((0.4, 440.0, 0.1), (0.2, 0.13 * sr, 1.0), (0.05, 3010.0 * sr / 44100, 2.0)))
    else:
        from scipy.signal import lfilter
        pulses = (np.arange(n) % int(sr / 120) == 0).astype(float)
        y = pulses
        for f, bw in ((700, 110), (1220, 120), (2600, 160)):
            if f < 0.45 * sr:
                r = np.exp(-np.pi * bw / sr)
                y = lfilter([1 - r], [1, -2 * r * np.cos(2 * np.pi * f / sr), r * r], y)
        y = y * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t)) + 0.001 * rng.standard_normal(n)
        y = 0.5 * y / np.max(np.abs(y))
    return y.astype(np.float32)


def librosa_db(y, **kw):
    kw = dict(kw)
    log = kw.pop('log', True)
    if kw.get('fmax') is None:
        kw.pop('fmax', None)
    S = librosa.feature.melspectrogram(y=y, center=False, window='hann', **kw)
    S = librosa.power_to_db(S, ref=1.0, amin=1e-10, top_db=None) if log else S
    return S.T


def db_error(got, ref, power=2.0):
    """Largest |got - ref| over the bins within RANGE_DB of each frame's max.
    With power=1 the output is 10*log10(|X|): 80 dB of power is 40 of these
    units (below that, both float32 FFTs give round-off noise)."""
    keep = ref >= ref.max(axis=1, keepdims=True) - RANGE_DB * power / 2
    return float(np.max(np.abs(got - ref)[keep]))


def grid(count, seed):
    """`count` configs sampled from the issue's grid (fixed seed): sr, n_fft,
    htk from their lists, n_mels any of 16..128; the corners (smallest and
    largest n_fft and n_mels) always."""
    rng = np.random.default_rng(seed)
    configs = [dict(sr=16000, n_fft=256, n_mels=16), dict(sr=44100, n_fft=2048, n_mels=128, htk=True)]
    while len(configs) < count:
        configs.append(dict(sr=int(rng.choice(RATES)), n_fft=int(rng.choice(FFTS)),
                            n_mels=int(rng.integers(16, 129)), htk=bool(rng.integers(2))))
    for i, c in enumerate(configs):
        c['hop_length'] = c['n_fft'] // 2
        c['norm'] = 'slaney' if i % 2 == 0 else None
        c['power'] = 1.0 if i % 5 == 4 else 2.0
        if i % 7 == 3:
            c['fmin'], c['fmax'] = 60.0, 0.4 * c['sr']
    return configs


def buildable(cfg):
    """librosa warns (we raise) when a filter is empty: such configs are left
    out of the accuracy tests (test_bad_input covers them)."""
    try:
        mel.filterbank(mel.Config(**cfg))
        return True
    except ValueError:
        return False


@pytest.mark.parametrize('cfg', [c for c in grid(30, 1) if buildable(c)][:24], ids=str)
def test_host_twin_matches_librosa(cfg):
    rng = np.random.default_rng(2)
    for kind in KINDS:
        y = make_signal(kind, cfg['sr'], 6 * cfg['n_fft'], rng)
        err = db_error(mel.melspectrogram(y, **cfg), librosa_db(y, **cfg), cfg['power'])
        assert err <= TOL_DB, (kind, err)


def test_host_twin_linear_output():
    """log=False gives S itself: relative error small where S is large."""
    y = make_signal('speech', 16000, 4096, np.random.default_rng(3))
    got = mel.melspectrogram(y, log=False)
    ref = librosa_db(y, sr=16000, n_fft=512, hop_length=256, n_mels=40, log=False)
    keep = ref >= ref.max(axis=1, keepdims=True) * 1e-8
    assert np.max(np.abs(got - ref)[keep] / ref[keep]) < 10 ** (TOL_DB / 10) - 1


def test_empty_filter_is_what_librosa_warns_about():
    cfg = dict(sr=16000, n_fft=256, n_mels=128)
    with pytest.raises(ValueError, match='n_mels 128 too large for n_fft 256'):
        mel.filterbank(mel.Config(**cfg))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        librosa.filters.mel(**cfg)
    assert any('Empty filters' in str(w.message) for w in caught)


# Per case: its kwargs and its samples in s<i>.bin (array('f') or array('h'));
# one-shot frames as float32 bytes.
FRAMES = """
import array, emlmel, gc
from emltest import emit, read_array
for i, (kw, tc) in enumerate(%r):
    src = read_array('s%%d.bin' %% i, tc)
    m = emlmel.new(**kw)
    out = array.array('f', bytes(4 * m.n_mels * (len(src) // m.hop_length + 1)))
    n = m.process(src, out)
    emit(bytes(out[:n * m.n_mels]))
    m = out = src = None
    gc.collect()
"""


def device_cases(count, seed):
    """Configs from the grid that build, each with one signal kind, as
    float32 or (every third) int16 samples: [(kwargs, typecode, samples)]."""
    rng = np.random.default_rng(seed)
    cases = []
    for i, cfg in enumerate(c for c in grid(40, seed) if buildable(c)):
        if len(cases) == count:
            break
        y = make_signal(KINDS[i % 4], cfg['sr'], 4 * cfg['n_fft'] + 37, rng)
        if i % 3 == 2:
            cases.append((cfg, 'h', np.round(y * 32767).astype('<i2')))
        else:
            cases.append((cfg, 'f', y.astype('<f4')))
    return cases


def f32(b):
    return np.frombuffer(b, dtype='<f4')


def test_device_matches_host_twin_and_librosa(device):
    cases = device_cases(10, 5)
    files = {f's{i}.bin': y.tobytes() for i, (_, _, y) in enumerate(cases)}
    out = device.run(FRAMES % [(cfg, tc) for cfg, tc, _ in cases], files=files)
    assert len(out.results) == len(cases)
    worst = 0.0
    for (cfg, tc, y), row in zip(cases, out.results):
        twin = mel.melspectrogram(y, **cfg)
        got = f32(row[0]).reshape(-1, cfg['n_mels'])
        assert got.shape == twin.shape
        assert np.array_equal(got.view(np.uint32), twin.view(np.uint32)), (cfg, np.max(np.abs(got - twin)))
        yf = y.astype(np.float32) / 32768 if tc == 'h' else y
        err = db_error(got, librosa_db(yf, **cfg), cfg['power'])
        worst = max(worst, err)
        assert err <= TOL_DB, (cfg, err)
    print(f'{device.name}: {len(cases)} configs bit-exact with the host twin; worst {worst:.2g} dB from librosa')


# Chunks of the sizes in sizes.bin ('i'); every process() result as bytes,
# then the one-shot result after reset().
CHUNKS = """
import array, emlmel
from emltest import emit, read_array
for tc in ('f', 'h'):
    src = read_array('y%%s.bin' %% tc, tc)
    sizes = read_array('sizes.bin', 'i')
    m = emlmel.new(**%r)
    out = array.array('f', bytes(4 * m.n_mels * (len(src) // m.hop_length + 1)))
    view = memoryview(src)
    parts = []
    i = 0
    for size in sizes:
        n = m.process(view[i:i + size], out)
        parts.append(bytes(out[:n * m.n_mels]))
        i += size
    m.reset()
    n = m.process(src, out)
    emit(tc, b''.join(parts), bytes(out[:n * m.n_mels]))
"""


@pytest.mark.parametrize('cfg', [dict(), dict(n_fft=256, hop_length=100, n_mels=24, htk=True),
                                 dict(n_fft=64, hop_length=96, n_mels=8, sr=8000, power=1.0)], ids=str)
def test_chunked_equals_one_shot(device, cfg):
    rng = np.random.default_rng(7)
    y = make_signal('speech', cfg.get('sr', 16000), 6000, rng)
    pcm = np.round(y * 32767).astype('<i2')
    sizes = []
    while sum(sizes) < len(y):
        sizes.append(int(rng.choice([1, 2, 3, rng.integers(1, 64), rng.integers(1, 1500)])))
    sizes[-1] -= sum(sizes) - len(y)
    files = {'yf.bin': y.astype('<f4').tobytes(), 'yh.bin': pcm.tobytes(),
             'sizes.bin': np.array(sizes, dtype='<i4').tobytes()}
    out = device.run(CHUNKS % (cfg,), files=files)
    assert [r[0] for r in out.results] == ['f', 'h']
    for (tc, chunked, whole), samples in zip(out.results, (y, pcm)):
        assert chunked == whole, tc
        assert np.array_equal(f32(whole), mel.melspectrogram(samples, **cfg).ravel()), tc

