"""Messages users read (issue 18.4) that no single module's test owns:
a UTF-8 byte order mark before the first line of any model file (editors
on Windows add one) loads as the file without it, on the device and on the
host; a scaler that is not finite is refused when the file is read, naming
the line and field, instead of blaming the input at quantize time.
"""
import io

import numpy as np
import pytest
from scipy import signal
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.neural_network import MLPClassifier

from emlearn_micropython import convert, iir, neighbors
from emlearn_micropython.export import trees
from emlearn_micropython.export.text import with_end_line


def model_files():
    X, y = load_iris(return_X_y=True)
    forest = convert(RandomForestClassifier(n_estimators=2, max_depth=2, random_state=0).fit(X, y))
    scaler = neighbors.Int16Scaler().fit(X)
    net = io.StringIO()
    convert(MLPClassifier((4,), max_iter=300, random_state=0).fit(X, y)).save(net)
    return {
        'trees': forest.save(name='iris'),
        'neighbors': neighbors.dumps(scaler.transform(X[:5]), y[:5], scaler),
        'iir': iir.dumps(signal.butter(2, 0.1, output='sos')),
        'net': net.getvalue(),
    }


def int16_forest(scale):
    """An int16 forest whose scaler's first scale is `scale` (float32 bits),
    sealed with a valid end line: only the scale is wrong."""
    X, y = load_iris(return_X_y=True)
    scaler = neighbors.Int16Scaler().fit(X)
    model = convert(RandomForestClassifier(n_estimators=2, max_depth=2, random_state=0)
                    .fit(scaler.transform(X), y), dtype='int16', scaler=scaler)
    text = model.save(name='iris')
    lines = text[:text.rindex('end,')].splitlines(keepends=True)
    i = next(i for i, line in enumerate(lines) if line.startswith('qs,'))
    lines[i] = 'qs,' + scale + lines[i][len('qs,0x00000000'):]
    body = ''.join(lines)
    return with_end_line(body, *(sum(line.startswith(t + ',') for line in lines) for t in 'rnl')), i + 1


DEVICE = '''
import array, io, emliir, emlneighbors, emlnet, emltest, emltrees
LOAD = {
    'trees': lambda f: emltrees.load(f).n_trees,
    'neighbors': lambda f: emlneighbors.load(f, 1).n_items,
    'iir': lambda f: emliir.load(f) is not None,
    'net': lambda f: emlnet.load(f).n_outputs,
}
for name, text in FILES.items():
    emltest.attempt(name, LOAD[name], io.StringIO(text))
    emltest.attempt(name + ' bom', LOAD[name], io.StringIO('\\ufeff' + text))
    emltest.attempt(name + ' bom bytes', LOAD[name], io.BytesIO(b'\\xef\\xbb\\xbf' + text.encode()))
    emltest.attempt(name + ' empty', LOAD[name], io.StringIO(''))
    emltest.attempt(name + ' bom only', LOAD[name], io.StringIO('\\ufeff'))
emltest.attempt('nan scale', emltrees.load, io.StringIO(NAN_SCALE))
emltest.attempt('inf scale', emltrees.load, io.StringIO(INF_SCALE))
zero = emltrees.load(io.StringIO(ZERO_SCALE))
out = array.array('h', [0] * 4)
emltest.attempt('x inf, scale 0', zero.quantize, array.array('f', [float('inf'), 1, 1, 1]), out)
emltest.attempt('x nan', zero.quantize, array.array('f', [1, float('nan'), 1, 1]), out)
'''


def test_bom_and_scaler_messages_on_device(device):
    files = model_files()
    nan_scale, line = int16_forest('0x7fc00000')
    script = (f'FILES = {files!r}\nNAN_SCALE = {nan_scale!r}\nINF_SCALE = {int16_forest("0x7f800000")[0]!r}\n'
              f'ZERO_SCALE = {int16_forest("0x00000000")[0]!r}\n' + DEVICE)
    res = device.run(script).by_name()
    for name in files:
        assert res[name][0] == 'ok', (name, res[name])
        assert res[name + ' bom'] == res[name + ' bom bytes'] == res[name], name
        assert res[name + ' empty'][0] == 'ValueError', (name, res[name + ' empty'])
        assert res[name + ' bom only'] == res[name + ' empty'], name
    not_finite = ['ValueError', f'line {line}: field 1 is not a finite float32 (nan or inf)']
    assert res['nan scale'] == res['inf scale'] == not_finite
    assert res['x inf, scale 0'] == ['ValueError', 'x[0] is inf: nan after scaling']
    assert res['x nan'] == ['ValueError', 'x[1] is nan']


@pytest.mark.parametrize('name', ['trees', 'neighbors', 'iir'])
def test_bom_on_host(name):
    text = model_files()[name]
    read = {'trees': trees.load_csv, 'neighbors': neighbors.loads, 'iir': iir.loads}[name]
    plain, bom = read(text), read('\ufeff' + text)
    X = load_iris(return_X_y=True)[0].astype(np.float32)
    if name == 'trees':
        np.testing.assert_array_equal(bom.predict_proba(X), plain.predict_proba(X))
    elif name == 'neighbors':
        for a, b in zip(bom[:2], plain[:2]):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(bom[2].transform(X), plain[2].transform(X))
    else:
        np.testing.assert_array_equal(bom, plain)
