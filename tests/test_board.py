"""Board-level behaviour that the module tests rely on: native .mpy checks,
MemoryError on a small heap, the file store, the clock. Runs on the
emulated boards (qemu-m3, qemu-m4f) and on real boards (board:PORT:ARCH);
the tests that need to restart a board with other settings run on QEMU only.
"""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from emlearn_micropython.build.abi import ARCHS, MPY_ABI, built_modules
from emlearn_micropython.build.inspect_mpy import decode_mpy_value
from emlearn_micropython.targets import DeviceError, open_target
from emlearn_micropython.targets.qemu import QemuTarget

MPREMOTE = str(Path(sys.executable).with_name('mpremote'))


def board_only(device):
    if device.name == 'unix':
        pytest.skip('board behaviour: run with --targets qemu-m3,qemu-m4f or board:PORT:ARCH')


def qemu_only(device):
    board_only(device)
    if not isinstance(device, QemuTarget):
        pytest.skip('needs to boot an emulated board with other settings')
    return device


def some_module(arch):
    paths = built_modules(arch)
    if not paths:
        pytest.skip(f'no modules built for {arch}: make ARCH={arch}')
    return paths[0]


CHECK_MPY = '''
import sys, emltest
emltest.emit('mpy', sys.implementation._mpy)
for name in ('good', 'foreign', 'badver'):
    try:
        __import__(name)
        emltest.emit(name, 'ok')
    except Exception as e:
        emltest.emit(name, emltest.error(e))
'''


def test_wrong_arch_or_abi_mpy_gives_micropython_error(device):
    board_only(device)
    good = some_module(device.arch).read_bytes()
    foreign = some_module('x64' if device.arch != 'x64' else 'armv6m').read_bytes()
    badver = bytearray(good)
    badver[1] = 5  # .mpy version 5: an older MicroPython
    out = device.run(CHECK_MPY, files={'good.mpy': good, 'foreign.mpy': foreign,
                                       'badver.mpy': bytes(badver)})
    res = {r[0]: r[1] for r in out.results}
    mpy = res['mpy']
    version, sub, arch = decode_mpy_value(mpy)
    assert (version, sub) == MPY_ABI
    assert ARCHS[device.arch].code <= ARCHS[arch].code     # the board takes our arch
    assert res['good'] == 'ok'
    assert res['foreign'] == ['ValueError', 'incompatible .mpy arch']
    assert res['badver'] == ['ValueError', 'incompatible .mpy file']


def test_truncated_mpy_is_an_error_not_a_hang(device):
    qemu_only(device)  # MicroPython 1.23's own file readers loop forever here
    good = some_module(device.arch).read_bytes()
    files = {f'cut{i}.mpy': good[:len(good) * i // 4] for i in (1, 2, 3)}
    script = CHECK_MPY.replace("('good', 'foreign', 'badver')", "('cut1', 'cut2', 'cut3')")
    res = {r[0]: r[1] for r in device.run(script, files=files, timeout=30).results}
    for name in files:
        assert res[name[:-4]] == ['ValueError', 'truncated file']


SMALL_HEAP = '''
import gc, emltest, emlneighbors
gc.collect()
emltest.emit('free', gc.mem_free())
for n in (50000, 200):
    try:
        m = emlneighbors.new(n, 64, 3)
        emltest.emit('model', n, 'ok')
    except MemoryError as e:
        emltest.emit('model', n, emltest.error(e))
    m = None
    gc.collect()
try:
    b = bytearray(1 << 20)
except MemoryError as e:
    emltest.emit('bytearray', emltest.error(e))
'''


def test_memory_error_on_small_heap_is_an_exception(device):
    qemu_only(device)
    if 'emlneighbors' not in [p.stem for p in built_modules(device.arch)]:
        pytest.skip('emlneighbors not built')
    small = open_target(device.name, heap=64 * 1024, arch=device.arch, modules=['emlneighbors'])
    try:
        out = small.run(SMALL_HEAP)
        res = {tuple(r[:2]) if r[0] == 'model' else r[0]: r[-1] for r in out.results}
        # the rest: the VM, emltest's helpers and emlneighbors' code (13 KB on armv6m since
        # classes, load_model and distance weights; measured 47,696 bytes free on qemu-m3)
        assert 40 * 1024 < res['free'] < 64 * 1024
        assert res[('model', 50000)][0] == 'MemoryError'   # 6.6 MB model
        assert res[('model', 200)] == 'ok'                  # 26 KB
        assert res['bytearray'][0] == 'MemoryError'
        # The board is still alive: the same VM answers the next script.
        assert small.run('print([7 * 6])').results == [[42]]
    finally:
        small.close()


STORE = '''
import os, emltest
data = open('blob.bin', 'rb').read()
emltest.emit('size', len(data), os.stat('blob.bin')[6])
emltest.emit('sum', sum(data))
with open('copy.bin', 'wb') as f:
    f.write(data[:1000])
    f.write(data[1000:])
buf = bytearray(300)
with open('copy.bin', 'rb') as f:
    n = f.readinto(buf)
    f.seek(len(data) - 10)
    tail = f.read()
emltest.emit('readinto', n, list(buf[:5]), list(tail))
with open('lines.txt') as f:
    first = f.readline()
    rest = [line for line in f]
emltest.emit('lines', first, rest)
os.mkdir('sub')
with open('sub/t.txt', 'w') as f:
    f.write('hello')
emltest.emit('ls', sorted(os.listdir('sub')), os.stat('sub')[0] & 0x4000)
os.remove('sub/t.txt')
os.rmdir('sub')
os.remove('copy.bin')
emltest.emit('gone', 'sub' in os.listdir(), 'copy.bin' in os.listdir())
try:
    open('missing.bin')
except OSError as e:
    emltest.emit('missing', e.errno)
with open('lib/probe_helper.py', 'w') as f:
    f.write('X = 6 * 7\\n')
import probe_helper
os.remove('lib/probe_helper.py')
emltest.emit('lib import', probe_helper.X)
'''


def test_file_store_round_trips_binary_and_text(device):
    board_only(device)
    rng = np.random.default_rng(6)
    blob = rng.integers(0, 256, 70000, dtype=np.uint8).tobytes() + bytes(range(256))
    text = 'first line\nsecond\n\nlast without newline'
    out = device.run(STORE, files={'blob.bin': blob, 'lines.txt': text})
    res = out.by_name()
    assert res['size'] == [len(blob), len(blob)]
    assert res['sum'] == [sum(blob)]
    assert res['readinto'] == [300, list(blob[:5]), list(blob[-10:])]
    assert res['lines'] == ['first line\n', ['second\n', '\n', 'last without newline']]
    assert res['ls'] == [['t.txt'], 0x4000]
    assert res['gone'] == [False, False]
    assert res['missing'] == [2]
    assert res['lib import'] == [42]


def test_mpremote_cp_round_trips_through_the_store(device, tmp_path):
    qemu_only(device)
    data = bytes(range(256)) * 6 + b'\x03\x04\r\n\x00'  # Ctrl-C/D, CR LF in the data
    src = tmp_path / 'up.bin'
    src.write_bytes(data)
    back = tmp_path / 'back.bin'
    with device.released() as port:
        def mpremote(*args):
            return subprocess.run([MPREMOTE, 'connect', port, *args], check=True,
                                  capture_output=True, text=True, timeout=120).stdout
        mpremote('cp', str(src), ':up.bin', '+', 'mkdir', ':d', '+', 'cp', str(src), ':d/up2.bin')
        listing = mpremote('ls', ':d')
        mpremote('cp', ':d/up2.bin', str(back), '+', 'rm', ':d/up2.bin', '+', 'rmdir', ':d')
    assert back.read_bytes() == data
    assert f'{len(data)} up2.bin' in ' '.join(listing.split())
    out = device.run("import os\nprint([os.stat('up.bin')[6], 'd' in os.listdir()])")
    assert out.results == [[len(data), False]]


CLOCK = '''
import time, emltest
t0 = time.ticks_us()
m0 = time.ticks_ms()
time.sleep_ms(20)
t1 = time.ticks_us()
m1 = time.ticks_ms()
x = 0
for i in range(2000):
    x += i
t2 = time.ticks_us()
emltest.emit(time.ticks_diff(t1, t0), time.ticks_diff(m1, m0), time.ticks_diff(t2, t1),
             time.ticks_diff(time.ticks_add(t0, 5), t0))
'''


def test_ticks_advance(device):
    board_only(device)
    slept_us, slept_ms, loop_us, added = device.run(CLOCK).results[0]
    assert slept_us >= 20000 and slept_ms >= 20
    assert slept_us < 5000000  # a 20 ms wait, even on a busy host
    assert loop_us > 0
    assert added == 5


def test_icount_makes_timings_repeatable(device):
    qemu_only(device)
    board = open_target(device.name, icount=True, arch=device.arch, modules=[])
    try:
        loops = [board.run(CLOCK).results[0][2] for _ in range(2)]
    finally:
        board.close()
    # 2000 interpreted loop iterations: the same instruction count each time,
    # read through two timestamps truncated to whole microseconds (1000
    # instructions each), so the difference may move by one.
    assert loops[0] > 0 and abs(loops[0] - loops[1]) <= 1


FAULT = '''
import micropython
@micropython.viper
def poke():
    p = ptr32(0xA0000000)  # nothing is mapped there
    p[0] = 1
print('before')
poke()
'''


def test_a_firmware_fault_is_reported_and_the_board_restarts(device):
    qemu_only(device)
    with pytest.raises(DeviceError, match=r'(?s)exited with status 3.*FATAL: bus fault.*printed:.*before'):
        device.run(FAULT, timeout=30)
    assert device.run('print([6 * 7])').results == [[42]]


def test_deploy_end_to_end(device, tmp_path):
    """`emlearn-mp deploy` against the emulated board: it picks the files
    for the board's arch, copies a module to /lib and a model next to the
    scripts, and the module then works from /lib."""
    qemu_only(device)
    from scipy import signal
    from emlearn_micropython import iir
    model = tmp_path / 'lowpass.txt'
    iir.save(signal.butter(2, 0.1, output='sos'), model)
    with device.released() as port:
        proc = subprocess.run([sys.executable, '-m', 'emlearn_micropython.cli', 'deploy',
                               '--port', port, '--model', str(model), 'emliir'],
                              capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    arch = ARCHS[device.board.reports].runs[0]   # what deploy picks for this board
    assert f'using {arch} files' in proc.stdout, proc.stdout
    out = device.run('''
import os, sys, emltest
sys.path[:] = ['/lib']
import emliir
with open('lowpass.txt') as f:
    flt = emliir.load(f)
emltest.emit(emliir.__file__, 'lowpass.txt' in os.listdir('/'))
os.remove('/lib/emliir.mpy')  # later tests use the runner's copy of the module
''')
    assert out.results == [['/lib/emliir.mpy', True]]
