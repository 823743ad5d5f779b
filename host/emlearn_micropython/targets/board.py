"""A real board reached with mpremote, as a target."""
import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

from ..build.abi import built_modules
from .base import DEVICE_DIR, DeviceError, Output, Target, file_bytes


def install_files(arch, modules=None):
    """What a board needs before running device scripts: the modules built
    for its arch (all, or those named) and the device helpers."""
    paths = built_modules(arch)
    if modules is not None:
        paths = [p for p in paths if p.stem in modules]
    return paths + sorted(DEVICE_DIR.glob('*.py'))


class BoardTarget(Target):
    """A board reached with mpremote: copies modules and files, then runs."""
    name = 'board'

    def __init__(self, port, arch=None, modules=None):
        self.port = port
        self.arch = arch
        self.modules = modules
        self._copied = False
        self._pushed = {}  # name -> sha1 of what the board holds

    def _mpremote(self, *args, timeout=300):
        # This Python's mpremote: works without an activated venv.
        cmd = [sys.executable, '-m', 'mpremote', 'connect', self.port, *args]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise DeviceError(f'mpremote {args[0]}: no answer within {timeout} s') from None
        if proc.returncode != 0:
            raise DeviceError(f'{self.name}: mpremote {" ".join(args[:2])}: exit {proc.returncode}\n'
                              f'{proc.stdout[-2000:]}{proc.stderr[-2000:]}')
        return proc.stdout

    def exec(self, code, timeout=300):
        return self._mpremote('exec', code, timeout=timeout)

    def put(self, local, remote):
        self._mpremote('cp', str(local), ':' + remote)

    def install(self):
        self._mpremote('cp', *map(str, install_files(self.arch, self.modules)), ':')
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
