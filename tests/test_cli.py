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
