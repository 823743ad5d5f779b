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
