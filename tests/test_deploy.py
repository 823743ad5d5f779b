"""deploy: which files each board gets (or why it gets none), and the whole
report -> choose -> copy -> import path against the unix port as a board."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from emlearn_micropython import deploy
from emlearn_micropython.build.abi import dist_dir
from emlearn_micropython.deploy import Board, Refusal, choose
from emlearn_micropython.build.inspect_mpy import ARCH_CODES, mpy_value

TOP = Path(__file__).resolve().parents[1]
ALL = ['emliir', 'emltrees']


def board(arch, version='1.24.1', platform='rp2', machine='', float_bits=32, abi=(6, 3)):
    code = ARCH_CODES[arch]
    return Board(mpy_value(abi[0], abi[1], code), version, platform, machine, float_bits)


def files(*archs, modules=ALL, abi='6.3'):
    return [{'module': m, 'arch': a, 'abi': abi, 'path': Path(f'dist/{a}_{abi}/{m}.mpy')}
            for a in archs for m in modules]


EVERY = files('x64', 'armv6m', 'armv7m', 'armv7emsp', 'armv7emdp')
PICO = board('armv6m', machine='Raspberry Pi Pico with RP2040')
PYBOARD = board('armv7emsp', platform='pyboard', machine='PYBv1.1 with STM32F405RG')
M3 = board('armv7em', platform='qemu', machine='mps2-an385')   # Thumb-2, no FPU
PICO2 = board('armv7emsp', machine='Raspberry Pi Pico2 with RP2350')

# (case, board, built files, kwargs, chosen arch or None, modules or refusal words)
TABLE = [
    ('pico gets armv6m', PICO, EVERY, {}, 'armv6m', ALL),
    ('pyboard gets armv7emsp', PYBOARD, EVERY, {}, 'armv7emsp', ALL),
    ('nrf52 gets armv7emsp', board('armv7emsp', platform='nrf52'), EVERY, {}, 'armv7emsp', ALL),
    ('M7 double FPU gets armv7emdp', board('armv7emdp', platform='mimxrt', float_bits=64),
     EVERY, {}, 'armv7emdp', ALL),
    ('unix port gets x64', board('x64', platform='linux', float_bits=64), EVERY, {}, 'x64', ALL),
    ('cortex-m3 firmware reports armv7em: soft-float armv7m', M3, EVERY, {}, 'armv7m', ALL),
    ('cortex-m3 falls back to armv6m', M3, files('armv6m'), {}, 'armv6m', ALL),
    ('armv7m board gets armv7m', board('armv7m'), EVERY, {}, 'armv7m', ALL),
    ('one module', PICO, EVERY, {'modules': ['emliir']}, 'armv6m', ['emliir']),
    ('newest supported firmware', board('armv6m', version='1.29.0'), EVERY, {}, 'armv6m', ALL),
    ('rp2350 with hard-float firmware, trusted', PICO2, EVERY, {'trust_float_abi': True},
     'armv7emsp', ALL),
    ('forced arch that suits', M3, EVERY, {'arch': 'armv6m'}, 'armv6m', ALL),
    # refusals
    ('FPU board, only soft-float files', PYBOARD, files('armv6m', 'armv7m'), {}, None,
     ['FPU', 'wrong floats', 'armv7emsp']),
    ('FPU board, soft-float forced', PYBOARD, EVERY, {'arch': 'armv7m'}, None,
     ['hardware FPU', 'wrong registers']),
    ('FPU board, x64 forced: not called soft-float', PYBOARD, EVERY, {'arch': 'x64'}, None,
     ['x64 files do not run on a armv7emsp board']),
    ('double FPU board, single FPU files', board('armv7emdp', float_bits=64),
     files('armv7emsp'), {}, None, ['armv7emdp']),
    ('soft-float board, hard-float files', PICO, files('armv7emsp'), {}, None, ['armv6m']),
    ('soft-float board, hard-float forced', M3, EVERY, {'arch': 'armv7emsp'}, None,
     ['do not run on a armv7em']),
    ('rp2350 softfp firmware, no probe run', PICO2, EVERY, {}, None,
     ['softfp', '--trust-float-abi']),
    ('rp2350 whose float ABI probe passed', Board(**{**PICO2.__dict__, 'float_abi_ok': True}),
     EVERY, {}, 'armv7emsp', ALL),
    ('FPU board whose float ABI probe failed', Board(**{**PYBOARD.__dict__, 'float_abi_ok': False}),
     EVERY, {'trust_float_abi': True}, None, ['probe module returned wrong floats', 'softfp']),
    ('MicroPython 1.22 (.mpy 6.2)', board('armv6m', version='1.22.2', abi=(6, 2)), EVERY, {},
     None, ['1.22.2', '6.2', '1.23 and newer']),
    ('future .mpy 7.0', board('armv6m', version='2.0.0', abi=(7, 0)), EVERY, {}, None,
     ['7.0', '1.23 and newer']),
    ('no _mpy at all', Board(None, '1.12.0', 'esp8266'), EVERY, {}, None, ['too old', '1.23']),
    ('no native emitter', board('none'), EVERY, {}, None, ['no native code emitter']),
    ('esp32 without xtensawin build', board('xtensawin', platform='esp32'), EVERY, {}, None,
     ['clang-22', 'make ARCH=xtensawin']),
    ('esp32 gets xtensawin', board('xtensawin', platform='esp32'), EVERY + files('xtensawin'),
     {}, 'xtensawin', ALL),
    ('esp8266 is refused, saying why', board('xtensa', platform='esp8266'),
     EVERY + files('xtensawin'), {}, None, ['ESP8266', 'soft-float']),
    ('double-precision rp2040 firmware', board('armv6m', float_bits=64), EVERY, {}, None,
     ['64-bit floats', 'MICROPY_FLOAT_IMPL=double']),
    ('firmware without floats', board('armv6m', float_bits=0), EVERY, {}, None,
     ['no floating point']),
    ('module not built', PICO, EVERY, {'modules': ['emlfft']}, None, ['not built', 'emlfft']),
    ('files built for another ABI', PICO, files('armv6m', abi='6.2'), {}, None,
     ['no armv6m files']),
]


@pytest.mark.parametrize('case, b, built, kwargs, arch, expected', TABLE,
                         ids=[row[0] for row in TABLE])
def test_decision_table(case, b, built, kwargs, arch, expected):
    if arch is None:
        with pytest.raises(Refusal) as e:
            choose(b, built, **kwargs)
        for words in expected:
            assert words in str(e.value), str(e.value)
        return
    plan = choose(b, built, **kwargs)
    assert plan.arch == arch
    assert [m for m, _ in plan.modules] == expected
    assert all(p.parent.name == f'{arch}_6.3' for _, p in plan.modules)


def test_report_parsing():
    out = "noise\n['emlearn-board', 6918, '1.23.0', 'pyboard', 'PYBv1.1', 32, '/flash/lib']\n"
    b = deploy.parse_report(out)
    assert (b.mpy, b.version, b.platform, b.float_bits) == (6918, '1.23.0', 'pyboard', 32)
    assert b.lib == '/flash/lib' and 'arch armv7em' in b.describe()
    out = "['emlearn-board', 2822, '1.29.0', 'linux', 'x86_64', 64, '/lib']\n"
    b = deploy.parse_report(out)
    assert 'arch x64' in b.describe()
    with pytest.raises(Refusal, match='did not answer'):
        deploy.parse_report('Traceback (most recent call last):\n')


def test_scan_uses_headers_not_folder_names(tmp_path):
    """A file in the wrong folder is filed under the arch its header says."""
    x64 = dist_dir('x64')
    src = sorted(x64.glob('*.mpy'))
    if not src:
        pytest.skip('x64 not built')
    (tmp_path / 'armv6m_6.3').mkdir()
    shutil.copy(src[0], tmp_path / 'armv6m_6.3' / src[0].name)
    (tmp_path / 'armv6m_6.3' / 'junk.mpy').write_bytes(b'not an mpy')
    found = deploy.scan(tmp_path)
    assert [(f['module'], f['arch']) for f in found] == [(src[0].stem, 'x64')]
    with pytest.raises(Refusal, match='no armv6m files'):
        choose(PICO, found)


def test_deploy_to_unix_port_folder(tmp_path):
    """The whole path with the unix port standing in for a board."""
    if not list(dist_dir('x64').glob('*.mpy')):
        pytest.skip('x64 not built')
    model = tmp_path / 'model.csv'
    model.write_text('1,2\n')
    lines = []
    plan = deploy.deploy(deploy.transport_for(f'unix:{tmp_path / "board"}'), TOP / 'dist',
                         models=[model], out=lines.append)
    assert plan.arch == 'x64'
    names = sorted(p.name for p in (tmp_path / 'board' / 'lib').iterdir())
    assert names == sorted(f'{m}.mpy' for m, _ in plan.modules)
    assert (tmp_path / 'board' / 'model.csv').read_text() == '1,2\n'
    copied = [line for line in lines if line.startswith('[')]
    assert len(copied) == len(plan.modules) + 1 and copied[-1].startswith(f'[{len(copied)}/')
    assert 'import on the board' in lines[-2]
    assert lines[-1].startswith('deploy: run main.py there with: cd ')


def test_deployed_unix_folder_runs_a_script(tmp_path):
    """What deploy prints for unix:DIR runs the user's main.py there with the
    deployed modules and model (plain `micropython main.py` does not find
    DIR/lib)."""
    if not (dist_dir('x64') / 'emliir.mpy').exists():
        pytest.skip('x64 not built')
    from scipy import signal
    from emlearn_micropython import iir
    model = iir.save(signal.butter(2, 0.1, output='sos'), tmp_path / 'lowpass.txt')
    proc = subprocess.run([sys.executable, '-m', 'emlearn_micropython.cli', 'deploy', '--port',
                           f'unix:{tmp_path / "board"}', '--model', str(model), 'emliir'],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    hint = 'deploy: run main.py there with: '
    command = [line for line in proc.stdout.splitlines() if line.startswith(hint)]
    assert len(command) == 1, proc.stdout
    (tmp_path / 'board' / 'main.py').write_text(
        'import array, emliir\n'
        'f = emliir.load(open("lowpass.txt"))\n'
        'x = array.array("f", [1.0, 0.0, 0.0])\n'
        'f.run(x)\n'
        'print(emliir.__file__, list(x))\n')
    env = {k: v for k, v in os.environ.items() if k != 'MICROPYPATH'}
    run = subprocess.run(command[0][len(hint):], shell=True, cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    sos = np.asarray(signal.butter(2, 0.1, output='sos'), np.float32).astype(np.float64)
    name, values = run.stdout.split(' ', 1)
    assert name == str((tmp_path / 'board' / 'lib' / 'emliir.mpy').resolve())
    np.testing.assert_allclose(eval(values), signal.sosfilt(sos, [1.0, 0, 0]), rtol=1e-6)


def test_deploy_reports_a_module_that_does_not_import(tmp_path):
    """Right arch and ABI, but a small-int width the firmware rejects: copied,
    then reported at import. (A truncated .mpy hangs the 1.29 unix port's
    loader instead, so it is not used here.)"""
    dist = tmp_path / 'dist' / 'x64_6.3'
    dist.mkdir(parents=True)
    good = sorted(dist_dir('x64').glob('*.mpy'))
    if not good:
        pytest.skip('x64 not built')
    data = bytearray(good[0].read_bytes())
    data[3] = 99
    (dist / 'broken.mpy').write_bytes(data)
    with pytest.raises(deploy.DeployError, match='broken'):
        deploy.deploy(deploy.transport_for(f'unix:{tmp_path / "board"}'), tmp_path / 'dist', out=lambda s: 0)


def test_cli_refusal_exit_status(tmp_path):
    proc = subprocess.run([sys.executable, '-m', 'emlearn_micropython.cli', 'deploy', '--port',
                           f'unix:{tmp_path}', '--arch', 'armv6m'],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert 'refused' in proc.stderr and 'armv6m' in proc.stderr


BOARD_FILES = sorted((TOP / 'boards').glob('*.json'))


@pytest.mark.parametrize('path', BOARD_FILES, ids=[p.stem for p in BOARD_FILES])
def test_board_descriptions_agree_with_deploy(path):
    """Each boards/*.json: the arch its firmware reports gets the arch it names."""
    import json
    desc = json.loads(path.read_text())
    for key in ('family', 'mcu', 'arch', 'reports', 'float', 'heap_kb', 'deploy', 'notes'):
        assert key in desc, key
    b = board(desc['reports'], platform=desc['sys_platform'], machine=desc['mcu'],
              float_bits=desc['float']['bits'])
    built = EVERY + files('xtensawin')
    plan = choose(b, built, trust_float_abi=True)
    assert plan.arch == desc['arch']
    assert desc['float']['fpu'] == (desc['arch'] in ('armv7emsp', 'armv7emdp', 'xtensawin', 'x64'))
    if 'RP2350' in desc['mcu']:
        with pytest.raises(Refusal, match='softfp'):
            choose(b, built)


class FakeBoard:
    """A transport that answers the probe script with canned output."""
    name = 'fake'

    def __init__(self, answer):
        self.answer, self.copied = answer, []

    def put(self, local, remote):
        self.copied.append(remote)

    def exec(self, code):
        return self.answer


@pytest.mark.parametrize('answer, verdict', [
    ("['emlearn-abi', [3.0, -0.75]]\n", True),
    ("['emlearn-abi', [2147483647, 2147483647]]\n", False),     # seen on softfp firmware
    ("['emlearn-abi', \"ValueError('incompatible .mpy arch')\"]\n", False),
    ('Traceback (most recent call last):\n', False),
])
def test_float_abi_probe_verdict(tmp_path, answer, verdict):
    probe = tmp_path / 'armv7emsp_6.3' / 'probe' / 'emlabiprobe.mpy'
    probe.parent.mkdir(parents=True)
    probe.write_bytes(b'M')
    board = FakeBoard(answer)
    b = Board(lib='/flash/lib')
    assert deploy.probe_float_abi(board, b, tmp_path, 'armv7emsp', out=lambda s: 0) is verdict
    assert board.copied == ['/flash/emlabiprobe.mpy']
    assert deploy.probe_float_abi(board, b, tmp_path, 'armv6m', out=lambda s: 0) is None


def test_release_package_json_and_zip(tmp_path):
    """package.json lists the modules for mip (relative URLs); the zip holds
    the folder; a file whose header disagrees with its folder is refused."""
    import json
    import zipfile
    from emlearn_micropython.build import release
    src = sorted(dist_dir('x64').glob('*.mpy'))
    if not src:
        pytest.skip('x64 not built')
    folder = tmp_path / 'x64_6.3'
    folder.mkdir()
    for p in src:
        shutil.copy(p, folder / p.name)
    archive, paths = release.package(tmp_path, 'x64', version='9.9.9')
    manifest = json.loads((folder / 'package.json').read_text())
    assert manifest == {'urls': [[p.name, p.name] for p in src], 'version': '9.9.9'}
    names = zipfile.ZipFile(archive).namelist()
    assert sorted(names) == sorted([f'x64_6.3/{p.name}' for p in src] + ['x64_6.3/package.json'])
    shutil.copytree(folder, tmp_path / 'armv6m_6.3')
    with pytest.raises(SystemExit, match='is x64'):
        release.package(tmp_path, 'armv6m')
