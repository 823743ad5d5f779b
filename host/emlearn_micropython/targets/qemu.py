"""Emulated boards: our MicroPython firmware (boards/qemu) in QEMU.

    qemu-m3    mps2-an385, Cortex-M3, soft float: armv6m modules (or armv7m)
    qemu-m4f   mps2-an386, Cortex-M4F, hard float: armv7emsp modules
    qemu-xtensa  sim with the de233_fpu core: xtensawin (ESP32) modules

The boards are the MACHINES table: a new emulated board (another QEMU
binary or machine) is one more Machine there.

A spec may carry options after colons, e.g. 'qemu-m3:heap=65536',
'qemu-m4f:icount' or 'qemu-m3:arch=armv7m'. With icount, QEMU runs with
`-icount shift=0`: virtual time counts instructions, so time.ticks_us()
on the board advances by one per 1000 instructions and benchmark timings
are exactly repeatable.

The target talks to the board with mpremote's raw REPL (its transport, in
this process, over QEMU's serial port on a loopback TCP port), exactly as
`mpremote` does with a real board, but keeps one connection for the whole
session (a soft reset before each script instead of a new process).
Files reach the board's RAM store, and what a script prints reaches the
host, through semihosting (the `semihost` module of the firmware): the
emulated UART moves about 14 KB/s in and 300 KB/s out, the tests send and
get back megabytes. `mpremote cp` works too (see tests/test_board.py).
"""
import atexit
import contextlib
import re
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..build.abi import TOP
from .base import DeviceError, Output, write_file
from .board import BoardTarget, install_files
from .rawrepl import RawRepl

BUILD_DIR = TOP / 'build' / 'board'
# Matches HEAP_DEFAULT in boards/qemu/main.c (an RP2040 has about 190 KB).
DEFAULT_HEAP = 256 * 1024


@dataclass(frozen=True)
class Machine:
    machine: str            # QEMU's -M name; also the firmware's build folder
    archs: tuple            # .mpy archs that run on it, default first
    reports: str            # the arch its firmware reports (sys.implementation._mpy)
    qemu: str = 'qemu-system-arm'
    board_dir: str = 'boards/qemu'   # the firmware's source, built with make MACHINE=...
    float_bits: int = 32
    cpu: str = None         # QEMU's -cpu, if not the machine's default
    folder: str = None      # the firmware's build folder, if not `machine`


MACHINES = {
    'qemu-m3': Machine('mps2-an385', ('armv6m', 'armv7m'), 'armv7m'),
    'qemu-m4f': Machine('mps2-an386', ('armv7emsp',), 'armv7emsp'),
    # ESP32 code (xtensawin) on QEMU's de233_fpu core (boards/xtensa)
    'qemu-xtensa': Machine('sim', ('xtensawin',), 'xtensawin', qemu='qemu-system-xtensa',
                           board_dir='boards/xtensa', cpu='de233_fpu', folder='xtensa'),
}


def firmware(board, build=True):
    """The firmware ELF for a Machine, built with make if missing."""
    path = BUILD_DIR / (board.folder or board.machine) / 'firmware.elf'
    if build and not path.exists():
        subprocess.run(['make', '-s', '-C', str(TOP / board.board_dir),
                        f'MACHINE={board.machine}', '-j2'],
                       check=True, stdout=subprocess.DEVNULL)
    return path


def _die_with_parent():
    """In the QEMU child: get SIGTERM when the test process dies, even by
    SIGKILL, so that no emulator is left behind (Linux only)."""
    try:
        import ctypes
        import signal
        ctypes.CDLL('libc.so.6', use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class QemuTarget(BoardTarget):
    """A BoardTarget whose board is a QEMU process that it owns."""

    def __init__(self, name, heap=None, icount=False, arch=None, modules=None):
        self.board = MACHINES[name]
        super().__init__(None, arch or self.board.archs[0], modules)
        if self.arch not in self.board.archs:
            raise ValueError(f'{name} runs {"|".join(self.board.archs)} modules, not {self.arch}')
        self.name = name
        self.machine = self.board.machine
        self.float_bits = self.board.float_bits
        self.heap = heap or DEFAULT_HEAP
        self.icount = icount
        self._work = tempfile.TemporaryDirectory(prefix='emlmp-qemu-')
        self._proc = None
        self._repl = None
        self._count = 0
        atexit.register(self.close)
        self._boot()

    # --- the QEMU process -------------------------------------------------
    def command(self, port):
        cmd = [self.board.qemu, '-M', self.machine, '-nographic', '-monitor', 'null',
               '-serial', f'tcp:127.0.0.1:{port},server=on,wait=off,nodelay=on',
               '-semihosting', '-kernel', str(firmware(self.board)),
               '-append', f'heap={self.heap}']
        if self.board.cpu:
            cmd += ['-cpu', self.board.cpu]
        if self.icount:
            cmd += ['-icount', 'shift=0']
        return cmd

    def _boot(self):
        from mpremote.transport import TransportError
        self._log = Path(self._work.name, 'qemu.log')
        for _ in range(5):  # another process may take the port first
            port = _free_port()
            with open(self._log, 'wb') as log:
                self._proc = subprocess.Popen(self.command(port), stdin=subprocess.DEVNULL,
                                              stdout=log, stderr=subprocess.STDOUT,
                                              preexec_fn=_die_with_parent)
            self.port = f'socket://127.0.0.1:{port}'
            try:
                self._connect()
            except TransportError:
                self._stop()
                continue
            self._copied = False
            self._data_files = []
            return
        raise DeviceError(f'{self.name}: QEMU did not start\n{self._qemu_log()}')

    def _qemu_log(self):
        try:
            return self._log.read_text(errors='replace')[-2000:]
        except OSError:
            return ''

    def _stop(self):
        if self._repl is not None:
            self._repl.close()
            self._repl = None
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.terminate()
                try:
                    self._proc.wait(5)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait()
            self._proc = None

    def close(self):
        self._stop()
        if self._work is not None:
            self._work.cleanup()
            self._work = None

    def reboot(self):
        """Start a fresh QEMU (an empty file store)."""
        self._stop()
        self._boot()

    def _connect(self):
        from mpremote.transport_serial import SerialTransport
        from mpremote.transport import TransportError
        deadline = time.monotonic() + 10
        while True:
            try:
                self._repl = RawRepl(SerialTransport(self.port, baudrate=115200))
                return
            except TransportError:
                if time.monotonic() > deadline or self._proc.poll() is not None:
                    raise
                time.sleep(0.05)

    @contextlib.contextmanager
    def released(self):
        """Free the serial port for another program, e.g. the mpremote
        command: `with board.released() as port: mpremote connect port ...`"""
        self._repl.close()
        self._repl = None
        try:
            yield self.port
        finally:
            self._connect()

    # --- talking to the board ---------------------------------------------
    def _fetch_code(self, pairs, remove=()):
        """Code that removes the files `remove` then copies each host file
        src to dest in the board's store."""
        lines = ['import os, semihost']
        if remove:
            lines += [f'for n in {list(remove)!r}:', ' try: os.remove(n)', ' except OSError: pass']
        lines += [f'semihost.fetch({str(src)!r}, {dest!r})' for src, dest in pairs]
        return '\n'.join(lines)

    def _session(self, step, timeout):
        """Run step() on the board; a dead or stuck board raises DeviceError
        and is rebooted for the next run."""
        from mpremote.transport import TransportError
        from serial import SerialException
        if self._proc is None or self._proc.poll() is not None:
            self.reboot()
        try:
            return step(timeout)
        except (TransportError, SerialException, OSError) as e:
            try:  # a firmware fault ends QEMU with status 3 (boards/qemu/hal.c)
                status = self._proc.wait(1)
                what = f'QEMU exited with status {status}'
            except subprocess.TimeoutExpired:
                what = 'no answer'
            log = self._qemu_log()
            self.reboot()
            raise DeviceError(f'{self.name}: {what} ({e})\n{log}') from None

    def _fresh(self, code, timeout, what):
        """Soft reset, run code; its error output raises DeviceError."""
        self._repl.soft_reset()
        out, err = self._repl.exec(code, timeout)
        if err:
            raise DeviceError(f'{self.name}: {what}\n{out[-2000:]}{err[-2000:]}')
        return out

    def exec(self, code, timeout=300):
        def step(timeout):
            self._repl.soft_reset()
            return ''.join(self._repl.exec(code, timeout))
        return self._session(step, timeout)

    def put(self, local, remote):
        code = self._fetch_code([(Path(local).resolve(), remote)])
        self._session(lambda t: self._fresh(code, t, f'copying {local} failed'), 60)

    def install(self):
        paths = install_files(self.arch, self.modules)
        code = self._fetch_code((p.resolve(), p.name) for p in paths)
        self._session(lambda t: self._fresh(code, t, 'install failed'), 60)
        self._copied = True

    def run(self, script, files=None, timeout=300):
        if not self._copied or self._proc is None or self._proc.poll() is not None:
            self._session(lambda t: None, 10)  # reboots a dead board
            self.install()
        self._count += 1
        folder = Path(self._work.name, f'run{self._count}')
        folder.mkdir()
        pairs = []
        for name, data in (files or {}).items():
            write_file(folder / name, data)
            pairs.append((folder / name, name))
        printed = folder / 'printed.txt'

        # The previous run's data files leave the store (it holds 3 MB).
        remove = [n for n in self._data_files if n not in (files or {})]
        self._data_files = list(files or {})

        def step(timeout):
            if pairs or remove:
                self._fresh(self._fetch_code(pairs, remove), timeout, 'copying files failed')
            else:
                self._repl.soft_reset()
            # What the script prints goes to a host file (see _capture_line).
            return self._repl.exec(_capture_line(printed) + script, timeout)
        try:
            out, err = self._session(step, timeout)
        except DeviceError as e:
            text = _read_text(printed)
            raise DeviceError(f'{e}\nthe script printed:\n{text[-2000:]}' if text else str(e)) from None
        else:
            out = _read_text(printed) + out
        finally:
            for path in [p for p, _ in pairs] + [printed]:
                path.unlink(missing_ok=True)
            folder.rmdir()
        if err:
            raise DeviceError(f'{self.name}: script raised\n{out[-2000:]}{_unshift(err)[-2000:]}')
        return Output(out)


def _capture_line(path):
    """The line put before a script: its output goes to the host file path
    through semihosting (the emulated UART moves ~300 KB/s, one emulator call
    per byte; results reach megabytes). Errors still come over the UART."""
    return f"__import__('semihost').capture({str(path)!r})\n"


def _unshift(err):
    """A traceback's line numbers in the script as given, without the
    capture line."""
    return re.sub(r'(File "<stdin>", line )(\d+)', lambda m: m[1] + str(int(m[2]) - 1), err)


def _read_text(path):
    try:
        return path.read_bytes().decode(errors='replace').replace('\r\n', '\n')
    except OSError:
        return ''
