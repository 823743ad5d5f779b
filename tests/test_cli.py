"""emlearn-mp run: a device script and its files on a target, result lines as JSON."""
import json
import subprocess
import sys

import numpy as np
import pytest

from emlearn_micropython.targets.board import BoardTarget
from emlearn_micropython.targets.qemu import QemuTarget

SCRIPT = '''
import emltest
x = emltest.read_array('x.bin', 'f')
emltest.emit('sum', sum(x), len(x))
print('plain text is not a result')
emltest.emit('nan', float('nan'))
'''


def test_run_prints_results_as_json(device, tmp_path):
    if isinstance(device, BoardTarget) and not isinstance(device, QemuTarget):
        pytest.skip('the session holds the real board\'s port')
    (tmp_path / 'main.py').write_text(SCRIPT)
    np.array([1.5, 2.25, -4.0], np.float32).tofile(tmp_path / 'x.bin')
    proc = subprocess.run([sys.executable, '-m', 'emlearn_micropython.cli', 'run', '--results',
                           '--target', str(device.spec), '--file', str(tmp_path / 'x.bin'),
                           str(tmp_path / 'main.py')],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert [json.loads(line) for line in lines[:1]] == [['sum', -0.25, 3]]
    assert lines[1] == '["nan", NaN]'
    assert len(lines) == 2


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, '-m', 'emlearn_micropython.cli', *map(str, args)],
                          capture_output=True, text=True, timeout=120, cwd=cwd)


@pytest.mark.parametrize('args, message', [
    (['iir', 'f.txt', '--order', '2', '--cutoff', '60', '--fs', '100'],
     'emlearn-mp iir: error: Digital filter critical frequencies must be 0 < Wn < fs/2'),
    (['iir', 'f.txt', '--order', '2', '--cutoff', '0.1', '--ftype', 'foo'],
     "emlearn-mp iir: error: argument --ftype: invalid choice: 'foo'"),
    (['run', 'main.py', '--target', 'foo'], "emlearn-mp run: error: unknown target 'foo'"),
    (['run', 'missing.py'], 'emlearn-mp run: error: No such file or directory: missing.py'),
    (['deploy', '--port', 'unix:board', '--model', 'missing.csv'],
     'deploy: failed: model file not found: missing.csv (nothing copied)'),
])
def test_cli_errors_are_one_line(tmp_path, args, message):
    (tmp_path / 'main.py').write_text('print(1)\n')
    proc = cli(*args, cwd=tmp_path)
    assert proc.returncode != 0
    assert 'Traceback' not in proc.stderr, proc.stderr
    assert proc.stderr.splitlines()[-1].startswith(message), proc.stderr
    assert not (tmp_path / 'f.txt').exists() and not (tmp_path / 'board').exists()


def test_cli_run_shows_the_device_traceback_with_the_users_file(tmp_path):
    script = tmp_path / 'my_script.py'
    script.write_text('def f():\n    raise ValueError("boom")\nf()\n')
    proc = cli('run', script)
    assert proc.returncode == 2
    assert proc.stderr.startswith('emlearn-mp run: error: ')
    assert f'File "{script}", line 2' in proc.stderr and 'ValueError: boom' in proc.stderr
    assert 'main.py' not in proc.stderr and 'cli.py' not in proc.stderr



@pytest.fixture(scope='module')
def saved(tmp_path_factory):
    """Files `emlearn-mp convert` reads: fitted estimators (pickle, joblib)
    and misfits; (folder, forest, mlp, calibration rows)."""
    import pickle

    import joblib
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.neighbors import KNeighborsRegressor
    from sklearn.neural_network import MLPClassifier
    folder = tmp_path_factory.mktemp('convert')
    X, y = load_iris(return_X_y=True)
    forest = RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0).fit(X, y)
    mlp = MLPClassifier((5,), max_iter=300, random_state=0).fit(X, y)
    joblib.dump(forest, folder / 'forest.joblib')
    for name, obj in [('mlp.pkl', mlp), ('dict.pkl', {'a': 1}), ('knr.pkl', KNeighborsRegressor().fit(X, y))]:
        (folder / name).write_bytes(pickle.dumps(obj))
    (folder / 'text.pkl').write_text('not a pickle\n')
    np.save(folder / 'X.npy', X[:40].astype(np.float32))
    return folder, forest, mlp, X[:40].astype(np.float32)


def test_convert_writes_what_convert_writes(saved, monkeypatch):
    from emlearn_micropython import convert
    from emlearn_micropython.cli import main
    folder, forest, mlp, calibration = saved
    assert cli('convert', 'forest.joblib', 'forest.csv', '--name', 'iris', cwd=folder).returncode == 0
    assert (folder / 'forest.csv').read_text() == convert(forest).save(name='iris')
    monkeypatch.chdir(folder)
    assert main(['convert', 'mlp.pkl', 'mlp.net', '--dtype', 'int8', '--calibration', 'X.npy']) == 0
    convert(mlp, dtype='int8', calibration=calibration).save(str(folder / 'expected.net'))
    assert (folder / 'mlp.net').read_text() == (folder / 'expected.net').read_text()


@pytest.mark.parametrize('args, message', [
    (['missing.pkl', 'x.csv'], 'No such file or directory: missing.pkl'),
    (['text.pkl', 'x.csv'], 'text.pkl is not a pickle or joblib file'),
    (['dict.pkl', 'x.csv'], 'dict.pkl holds a dict, not a fitted estimator'),
    (['knr.pkl', 'x.csv'], 'unsupported estimator KNeighborsRegressor: emlneighbors classifies; use KNeighborsClassifier'),
    (['forest.joblib', 'x.csv', '--calibration', 'X.npy'], 'RandomForestClassifier does not take --calibration'),
    (['mlp.pkl', 'x.net', '--name', 'a'], 'MLPClassifier files have no name: drop --name'),
])
def test_convert_errors_are_one_line(saved, monkeypatch, capsys, args, message):
    from emlearn_micropython.cli import main
    monkeypatch.chdir(saved[0])
    assert main(['convert', *args]) == 2      # an exception here would be a host traceback
    err = capsys.readouterr().err
    assert err.startswith(f'emlearn-mp convert: error: {message}') and len(err.splitlines()) == 1, err
    assert not (saved[0] / 'x.csv').exists() and not (saved[0] / 'x.net').exists()
