"""Emulated Cortex-M boards: our MicroPython firmware (boards/qemu) in QEMU.

    qemu-m3    mps2-an385, Cortex-M3, soft float: armv6m modules (or armv7m)
    qemu-m4f   mps2-an386, Cortex-M4F, hard float: armv7emsp modules

A spec may carry options after colons, e.g. 'qemu-m3:heap=65536',
'qemu-m4f:icount' or 'qemu-m3:arch=armv7m'. With icount, QEMU runs with
`-icount shift=0`: virtual time counts instructions, so time.ticks_us()
on the board advances by one per 1000 instructions and benchmark timings
are exactly repeatable.

The target talks to the board with mpremote's raw REPL (its transport, in
this process, over QEMU's serial port on a loopback TCP port), exactly as
`mpremote` does with a real board, but keeps one connection for the whole
session (a soft reset before each script instead of a new process).
Files reach the board's RAM store through semihosting (the `semihost`
module of the firmware): the emulated UART moves about 14 KB/s, the tests
send megabytes. `mpremote cp` works too (see tests/test_board.py).
"""
import atexit
import contextlib
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from . import runner

MACHINES = {
    'qemu-m3': ('mps2-an385', 'armv6m'),
    'qemu-m4f': ('mps2-an386', 'armv7emsp'),
}
ARCHS = {'qemu-m3': ('armv6m', 'armv7m'), 'qemu-m4f': ('armv7emsp',)}
BOARD_DIR = runner.TOP / 'boards' / 'qemu'
BUILD_DIR = runner.TOP / 'build' / 'board'
QEMU = 'qemu-system-arm'
# Matches HEAP_DEFAULT in boards/qemu/main.c (an RP2040 has about 190 KB).
DEFAULT_HEAP = 256 * 1024


def firmware(machine, build=True):
    """The firmware ELF for a QEMU machine, built with make if missing."""
    path = BUILD_DIR / machine / 'firmware.elf'
    if build and not path.exists():
        subprocess.run(['make', '-s', '-C', str(BOARD_DIR), f'MACHINE={machine}', '-j4'],
                       check=True, stdout=subprocess.DEVNULL)
    return path


def parse_spec(spec):
    """('qemu-m3', {'heap': 65536, 'icount': True, 'arch': ...}) from a spec."""
    name, *opts = spec.split(':')
    if name not in MACHINES:
        raise ValueError(f'unknown emulated board {name!r}: use one of {", ".join(MACHINES)}')
    options = {}
    for opt in opts:
        key, _, value = opt.partition('=')
        if key == 'icount':
            options['icount'] = True
        elif key == 'heap':
            options['heap'] = int(value, 0)
        elif key == 'arch' and value in ARCHS[name]:
            options['arch'] = value
        else:
            raise ValueError(f'bad option {opt!r} in {spec!r}: use heap=N, icount or arch=' +
                             '|'.join(ARCHS[name]))
    return name, options


def start(spec, **options):
    """Boot an emulated board; keyword options override those in the spec."""
    name, parsed = parse_spec(spec)
    parsed.update(options)
    return QemuTarget(name, **parsed)


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


class QemuTarget(runner.BoardTarget):
    """A BoardTarget whose board is a QEMU process that it owns."""
    float_bits = 32

    def __init__(self, name, heap=None, icount=False, arch=None, modules=None):
        machine, default_arch = MACHINES[name]
        super().__init__(None, arch or default_arch, modules)
        self.name = name
        self.machine = machine
        self.heap = heap or DEFAULT_HEAP
        self.icount = icount
        self._work = tempfile.TemporaryDirectory(prefix='emlmp-qemu-')
        self._proc = None
        self._transport = None
        self._count = 0
        atexit.register(self.close)
        self._boot()

    # --- the QEMU process -------------------------------------------------
    def command(self, port):
        cmd = [QEMU, '-M', self.machine, '-nographic', '-monitor', 'null',
               '-serial', f'tcp:127.0.0.1:{port},server=on,wait=off,nodelay=on',
               '-semihosting', '-kernel', str(firmware(self.machine)),
               '-append', f'heap={self.heap}']
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
        raise runner.DeviceError(f'{self.name}: QEMU did not start\n{self._qemu_log()}')

    def _qemu_log(self):
        try:
            return self._log.read_text(errors='replace')[-2000:]
        except OSError:
            return ''

    def _stop(self):
        if self._transport is not None:
            try:
                self._transport.serial.close()
            except Exception:
                pass
            self._transport = None
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
                self._transport = SerialTransport(self.port, baudrate=115200)
                return
            except TransportError:
                if time.monotonic() > deadline or self._proc.poll() is not None:
                    raise
                time.sleep(0.05)

    @contextlib.contextmanager
    def released(self):
        """Free the serial port for another program, e.g. the mpremote
        command: `with board.released() as port: mpremote connect port ...`"""
        self._transport.serial.close()
        self._transport = None
        try:
            yield self.port
        finally:
            self._connect()

    # --- talking to the board ---------------------------------------------
    def _soft_reset(self):
        """A fresh VM in the raw REPL (files in the store stay)."""
        self._transport.enter_raw_repl(soft_reset=True)
        self._prompt_read = False

    def _exec(self, code, timeout):
        """Run code in the raw REPL (raw-paste mode): (stdout, stderr) as text."""
        from mpremote.transport import TransportError
        t = self._transport
        if not self._prompt_read and not t.read_until(1, b'>').endswith(b'>'):
            raise TransportError('no raw REPL prompt')
        self._prompt_read = False
        t.serial.write(b'\x05A\x01')
        if t.serial.read(2) != b'R\x01':
            raise TransportError('the board has no raw-paste mode')
        t.raw_paste_write(code.encode() if isinstance(code, str) else code)
        out, err = self._follow(timeout)
        return (out.decode(errors='replace').replace('\r\n', '\n'),
                err.decode(errors='replace').replace('\r\n', '\n'))

    def _follow(self, timeout):
        """The output and error output of the running code, each ending in
        Ctrl-D. Reads the socket in blocks: mpremote's follow() takes one
        byte per call, which costs seconds for a megabyte of results."""
        import select
        from mpremote.transport import TransportError
        sock = self._transport.serial._socket
        data = bytearray()
        while data.count(b'\x04') < 2:
            ready, _, _ = select.select([sock], [], [], timeout)
            if not ready:
                raise TransportError('timeout waiting for the end of the output')
            chunk = sock.recv(1 << 16)
            if not chunk:
                raise OSError(f'the board closed the connection after {bytes(data[-300:])!r}')
            data += chunk
        out, err, rest = bytes(data).split(b'\x04', 2)
        if rest.strip(b'>'):
            raise TransportError(f'unexpected output after the script: {rest[:100]!r}')
        # The raw REPL prompt '>' follows; the next _exec waits for it
        # unless it came in this block.
        self._prompt_read = rest == b'>'
        return out, err

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
            raise runner.DeviceError(f'{self.name}: {what} ({e})\n{log}') from None

    def install(self):
        paths = sorted(runner.dist_dir(self.arch).glob('*.mpy'))
        if self.modules is not None:
            paths = [p for p in paths if p.stem in self.modules]
        paths += sorted(runner.DEVICE_DIR.glob('*.py'))

        def step(timeout):
            self._soft_reset()
            out, err = self._exec(self._fetch_code((p.resolve(), p.name) for p in paths), timeout)
            if err:
                raise runner.DeviceError(f'{self.name}: install failed\n{err}')
        self._session(step, 60)
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
            runner.write_file(folder / name, data)
            pairs.append((folder / name, name))

        # The previous run's data files leave the store (it holds 3 MB).
        remove = [n for n in self._data_files if n not in (files or {})]
        self._data_files = list(files or {})

        def step(timeout):
            self._soft_reset()
            if pairs or remove:
                _, err = self._exec(self._fetch_code(pairs, remove), timeout)
                if err:
                    raise runner.DeviceError(f'{self.name}: copying files failed\n{err}')
            return self._exec(script, timeout)
        try:
            out, err = self._session(step, timeout)
        finally:
            for path, _ in pairs:
                path.unlink()
            folder.rmdir()
        if err:
            raise runner.DeviceError(f'{self.name}: script raised\n{out[-2000:]}{err[-2000:]}')
        return runner.Output(out)
