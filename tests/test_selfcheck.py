"""Self-checking neighbors and iir files (issue 18.1): every truncation
point of several files is refused, on the device (through the built .mpy)
and by the host readers; the whole file, and the file behind a UTF-8 byte
order mark, load; files without the end line load only with strict=False.
"""
import numpy as np
import pytest
from scipy import signal

from emlearn_micropython import iir, neighbors


def neighbor_files():
    rng = np.random.default_rng(3)
    X = rng.integers(-32768, 32767, size=(4, 3)).astype(np.int16)
    y = np.array([0, -7, 2**31 - 1, 5])
    raw = rng.normal(size=(10, 3))
    return {'knn plain': neighbors.dumps(X, y),
            'knn scaled': neighbors.dumps(X[:2], y[:2], neighbors.Int16Scaler().fit(raw))}


def iir_files():
    return {'iir butter': iir.dumps(signal.butter(3, 0.2, output='sos')),
            'iir cheby': iir.dumps(signal.cheby1(2, 1, 0.3, btype='highpass', output='sos'))}


DEVICE = '''
import io, emliir, emlneighbors, emltest
def load(name, text, strict=True):
    f = io.StringIO(text)
    if name.startswith('knn'):
        return emlneighbors.load(f, 1, strict=strict).n_items
    return emliir.load(f, strict=strict) is not None
def loads(name, text):
    try:
        load(name, text)
        return True
    except ValueError:
        return False
for name, text in FILES.items():
    loaded = [n for n in range(len(text)) if loads(name, text[:n])]
    emltest.emit(name, 'prefixes', loaded)
    emltest.attempt(name + ' whole', lambda: load(name, text))
    emltest.attempt(name + ' bom', lambda: load(name, '\\ufeff' + text))
    body = text[:text.rindex('end,')]
    emltest.attempt(name + ' old', lambda: load(name, body))
    emltest.attempt(name + ' old lax', lambda: load(name, body, False))
    digit = '1' if body[-2] != '1' else '2'  # the last value of the last line
    emltest.attempt(name + ' flip', lambda: load(name, body[:-2] + digit + text[len(body) - 1:]))
'''


def test_truncation_refused_on_device(device):
    files = {**neighbor_files(), **iir_files()}
    out = device.run(f'FILES = {files!r}\n' + DEVICE)
    res = out.by_name()
    for name in files:
        assert res[name] == ['prefixes', []], name
        assert res[name + ' whole'][0] == 'ok', res[name + ' whole']
        assert res[name + ' bom'][0] == 'ok', res[name + ' bom']
        assert res[name + ' old'] == ['ValueError', 'missing end line: the file is incomplete '
                                      '(strict=False reads old files)']
        assert res[name + ' old lax'][0] == 'ok'
        assert res[name + ' flip'][0] == 'ValueError' and 'checksum mismatch' in res[name + ' flip'][1]


@pytest.mark.parametrize('name', ['knn plain', 'knn scaled', 'iir butter', 'iir cheby'])
def test_truncation_refused_on_host(name):
    text = {**neighbor_files(), **iir_files()}[name]
    read = neighbors.loads if name.startswith('knn') else iir.loads
    read(text)
    read('\ufeff' + text)
    for n in range(len(text)):
        with pytest.raises(ValueError):
            read(text[:n])
    body = text[:text.rindex('end,')]
    with pytest.raises(ValueError, match='missing end line'):
        read(body)
    read(body, strict=False)
