"""Run a device script on a target and collect what it prints.

A device script prints one result per line as a Python/JSON literal (a list,
number, string...). The bare-metal boards have no `json` module, so results
are parsed here from literals with `nan` and `inf` allowed. Other lines are
kept as text.
"""
import ast
import hashlib
import math
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]
DEVICE_DIR = Path(__file__).resolve().parent / 'device'
MPY_ABI = '6.3'

_NAMES = {'nan': math.nan, 'inf': math.inf, 'true': True, 'false': False,
          'null': None, 'True': True, 'False': False, 'None': None}


class DeviceError(RuntimeError):
    """The script did not finish normally on the target."""


def _literal(node):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in _NAMES:
        return _NAMES[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _literal(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(e) for e in node.elts]
    if isinstance(node, ast.Dict):
        return {_literal(k): _literal(v) for k, v in zip(node.keys, node.values)}
    raise ValueError('not a literal')


def parse_line(line):
    """The value of one result line, or None when it is plain text."""
    line = line.strip()
    if not line or line[0] not in '[{(-0123456789\'"':
        return None
    try:
        return _literal(ast.parse(line, mode='eval').body)
    except (SyntaxError, ValueError):
        return None


class Output:
    def __init__(self, stdout):
        self.stdout = stdout
        self.lines = stdout.splitlines()
        self.results = [v for v in map(parse_line, self.lines) if v is not None]


def dist_dir(arch):
    return TOP / 'dist' / f'{arch}_{MPY_ABI}'


class UnixTarget:
    """The MicroPython unix port (x64), with the dist folder on its path."""
    name = 'unix'
    arch = 'x64'
    float_bits = 64

    def __init__(self, micropython=None, heapsize='4m'):
        self.micropython = micropython or os.environ.get('MICROPYTHON') or \
            shutil.which('micropython', path=str(TOP / '.venv' / 'bin')) or 'micropython'
        self.heapsize = heapsize

    def run(self, script, files=None, timeout=120):
        with tempfile.TemporaryDirectory(prefix='emlmp-') as work:
            for name, data in (files or {}).items():
                write_file(Path(work) / name, data)
            Path(work, 'main.py').write_text(script)
            env = dict(os.environ)
            env['MICROPYPATH'] = os.pathsep.join(
                [work, str(dist_dir(self.arch)), str(DEVICE_DIR), '.frozen'])
            proc = subprocess.run([self.micropython, '-X', f'heapsize={self.heapsize}', 'main.py'],
                                  cwd=work, env=env, capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            raise DeviceError(f'{self.name}: exit {proc.returncode}\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}')
        return Output(proc.stdout)


class BoardTarget:
    """A board reached with mpremote: copies modules and files, then runs."""
    name = 'board'
    float_bits = 32

    def __init__(self, port, arch, modules=None):
        self.port = port
        self.arch = arch
        self.modules = modules
        self._copied = False
        self._pushed = {}  # name -> sha1 of what the board holds

    def _mpremote(self, *args, timeout=300):
        # This Python's mpremote: works without an activated venv.
        cmd = [sys.executable, '-m', 'mpremote', 'connect', self.port, *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            raise DeviceError(f'{self.name}: {" ".join(args[:2])}: exit {proc.returncode}\n'
                              f'{proc.stdout[-2000:]}{proc.stderr[-2000:]}')
        return proc.stdout

    def install(self):
        paths = sorted(dist_dir(self.arch).glob('*.mpy'))
        if self.modules is not None:
            paths = [p for p in paths if p.stem in self.modules]
        paths += sorted(DEVICE_DIR.glob('*.py'))
        self._mpremote('cp', *map(str, paths), ':')
        self._copied = True

    def run(self, script, files=None, timeout=300):
        if not self._copied:
            self.install()
        self.push(files or {})
        with tempfile.TemporaryDirectory(prefix='emlmp-') as work:
            Path(work, 'main.py').write_text(script)
            out = self._mpremote('run', str(Path(work, 'main.py')), timeout=timeout)
        if 'Traceback (most recent call last)' in out:
            raise DeviceError(f'{self.name}: script raised\n{out[-2000:]}')
        return Output(out)

    def push(self, files):
        """Write files to the board's working folder through the raw REPL,
        in 4 kB chunks as hex or text, whichever is shorter: much faster
        than `mpremote cp` over a slow serial link. A file already pushed
        with the same content is not sent again."""
        todo = {}
        for name, data in files.items():
            blob = file_bytes(data)
            digest = hashlib.sha1(blob).hexdigest()
            if self._pushed.get(name) != digest:
                todo[name] = (blob, digest)
        if not todo:
            return
        from mpremote.transport_serial import SerialTransport
        link = SerialTransport(self.port, baudrate=115200)
        try:
            link.enter_raw_repl(soft_reset=False)
            for name, (blob, digest) in todo.items():
                link.exec(f'f=open({name!r},"wb")')
                for i in range(0, len(blob), 4096):
                    chunk = blob[i:i + 4096]
                    text, hexed = repr(chunk), chunk.hex()
                    link.exec(f'f.write(bytes.fromhex("{hexed}"))' if len(hexed) + 16 < len(text)
                              else f'f.write({text})')
                link.exec('f.close()')
                self._pushed[name] = digest
            link.exit_raw_repl()
        finally:
            link.close()


def file_bytes(data):
    """The content of a file given as text, bytes or a path."""
    if isinstance(data, str):
        return data.encode()
    if isinstance(data, (bytes, bytearray)):
        return bytes(data)
    return Path(data).read_bytes()


def write_file(path, data):
    """Write a file given as text, bytes or a path to copy."""
    path.write_bytes(file_bytes(data))


def make_target(spec):
    """A target from its name: 'unix', 'board:PORT:ARCH', or an emulated
    board name known to emlearn_micropython.qemu (e.g. 'qemu-m3')."""
    if spec == 'unix':
        return UnixTarget()
    if spec.startswith('board:'):
        # The port may hold colons itself (socket://host:port): arch is last.
        port, _, arch = spec[len('board:'):].rpartition(':')
        if not port or not arch:
            raise ValueError(f'board target {spec!r}: use board:PORT:ARCH')
        return BoardTarget(port, arch)
    if spec.startswith('qemu-'):
        from . import qemu
        return qemu.start(spec)
    raise ValueError(f'unknown target {spec!r}: use unix, board:PORT:ARCH or qemu-m3/qemu-m4f')
