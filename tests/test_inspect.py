"""Every built .mpy has the header of its folder's arch and ABI, and names
what the module defines; the inspector reads headers like the firmware does.

`make test` builds TEST_ARCHS and passes them as EML_BUILT_ARCHS: a module
missing for one of those archs fails here. Run alone, unbuilt archs skip.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from emlearn_micropython.build import inspect_mpy
from emlearn_micropython.build.abi import dist_dir
from emlearn_micropython.targets.unix import UnixTarget
from emlearn_micropython.build.inspect_mpy import MpyError, decode_mpy_value, mpy_value, parse, parse_header

TOP = Path(__file__).resolve().parents[1]
MODULES = sorted(p.parent.name for p in (TOP / 'src').glob('*/Makefile'))
ARCHS = ['x64', 'armv6m', 'armv7m', 'armv7emsp', 'armv7emdp', 'x86', 'xtensawin']
REQUIRED = os.environ.get('EML_BUILT_ARCHS', '').split()
STATIC = inspect_mpy._static_qstrs()


def built(module, arch):
    path = dist_dir(arch) / f'{module}.mpy'
    if not path.exists():
        if arch in REQUIRED:
            pytest.fail(f'{path} was not built (make ARCH={arch})')
        pytest.skip(f'{arch} not built')
    return path


@pytest.fixture(scope='module')
def public_names():
    """dir() of each module, imported from the x64 build in the unix port."""
    script = ''.join(f'import {m}\nprint(repr([{m!r}, [n for n in dir({m}) '
                     f'if not n.startswith("_")]]))\n' for m in MODULES)
    out = UnixTarget().run(script)
    return {name: names for name, names in out.results}


@pytest.mark.parametrize('arch', ARCHS)
@pytest.mark.parametrize('module', MODULES)
def test_header_matches_folder(module, arch, public_names):
    info = inspect_mpy.inspect_file(built(module, arch), STATIC)
    assert (info['arch'], info['abi']) == (arch, '6.3')
    assert info['code'] == 'native (viper/natmod)'
    assert info['text_bytes'] > 0
    assert info['source'] == f'{module}.mpy'
    missing = set(public_names[module]) - set(info['names'])
    assert not missing, f'{arch} {module}.mpy does not name {missing}'


def test_unix_port_reports_the_x64_header():
    """sys.implementation._mpy of the unix port equals our x64 files' header."""
    out = UnixTarget().run('import sys\nprint(sys.implementation._mpy)')
    value = out.results[0]
    assert decode_mpy_value(value) == (6, 3, 'x64')
    assert value == mpy_value(6, 3, inspect_mpy.ARCH_CODES['x64'])
    info = parse_header(bytes([ord('M'), 6, (value >> 8) & 0xFF, 31]))
    assert info['arch'] == 'x64' and info['abi'] == '6.3'


@pytest.mark.parametrize('data, message', [
    (b'', 'magic'), (b'C\x06\x0b\x1f', 'magic'), (b'M\x06\x13\x1f\x05', 'truncated'),
    (b'M\x06\x13\x1f\x02\x00\x0aab', 'truncated'),
])
def test_bad_files_are_refused(data, message):
    with pytest.raises(MpyError, match=message):
        parse(data)


def test_qstr_table_and_sizes():
    """A hand-made native .mpy: qstrs (one static), text, rodata and bss sizes."""
    body = bytes([3, 0]) + bytes([5 << 1]) + b'm.mpy\x00' + bytes([3 << 1]) + b'foo\x00'
    body += bytes([(1 + 1) << 1 | 1])                    # static qstr #1
    body += bytes([(4 << 3) | 2]) + b'\x00' * 4          # 4 bytes of native code
    body += bytes([0x10 | 0x20 | 0x40, 12, 8]) + b'\x00' * 12 + b'\xff'
    info = parse(b'M\x06' + bytes([7 << 2 | 3, 31]) + body, STATIC)
    assert info['arch'] == 'armv7emsp' and info['float_abi'] == 'hard'
    assert info['source'] == 'm.mpy' and info['names'][0] == 'foo'
    assert info['names'][1] == (STATIC[1] if STATIC else '<static qstr 1>')
    assert (info['text_bytes'], info['rodata_bytes'], info['bss_bytes']) == (4, 12, 8)


def test_cli_prints_arch_and_names(tmp_path):
    path = built(MODULES[0], 'x64') if MODULES else pytest.skip('no modules')
    proc = subprocess.run([sys.executable, '-m', 'emlearn_micropython.cli', 'inspect', str(path)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert 'arch     x64' in proc.stdout and '.mpy 6.3' in proc.stdout
    bad = tmp_path / 'bad.mpy'
    bad.write_bytes(b'nope')
    proc = subprocess.run([sys.executable, '-m', 'emlearn_micropython.cli', 'inspect', str(bad)],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and 'not a .mpy' in proc.stdout
