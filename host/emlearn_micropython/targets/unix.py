"""The MicroPython unix port as a target."""
import contextlib
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..build.abi import dist_dir
from .base import DEVICE_DIR, DeviceError, Output, Target, write_file


def find_micropython():
    """$MICROPYTHON, else micropython next to this Python (a venv), else on PATH."""
    return (os.environ.get('MICROPYTHON')
            or shutil.which('micropython', path=str(Path(sys.executable).parent))
            or shutil.which('micropython') or 'micropython')


class UnixTarget(Target):
    """The unix port (x64). Without root, each run gets a fresh folder with
    dist/x64_<abi>/ and the device helpers on its path; with root (spec
    'unix:DIR'), DIR is the file system, as a board's is: DIR/lib, then DIR."""
    arch = 'x64'
    float_bits = 64

    def __init__(self, micropython=None, heapsize='4m', root=None):
        self.micropython = micropython or find_micropython()
        self.heapsize = heapsize
        self.root = Path(root) if root else None
        self.name = f'unix:{root}' if root else 'unix'

    @contextlib.contextmanager
    def _folder(self):
        if self.root:
            self.root.mkdir(parents=True, exist_ok=True)
            yield self.root, [self.root / 'lib', self.root]
            return
        with tempfile.TemporaryDirectory(prefix='emlmp-') as work:
            yield Path(work), [work, dist_dir(self.arch), DEVICE_DIR, '.frozen']

    def _micropython(self, args, folder, path, timeout):
        env = dict(os.environ, MICROPYPATH=os.pathsep.join(map(str, path)))
        try:
            return subprocess.run([self.micropython, '-X', f'heapsize={self.heapsize}', *args],
                                  cwd=folder, env=env, capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            raise DeviceError(f'{self.name}: no answer within {timeout} s') from None

    def run_command(self):
        """With a root: the exact shell command that runs DIR/main.py with
        DIR/lib and DIR on the path, as deploy's own check does (the unix
        port does not search DIR/lib by itself)."""
        if self.root is None:
            return None
        root = self.root.resolve()
        path = shlex.quote(os.pathsep.join(map(str, [root / 'lib', root])))
        return (f'cd {shlex.quote(str(root))} && MICROPYPATH={path} '
                f'{shlex.quote(str(self.micropython))} -X heapsize={self.heapsize} main.py')

    def run(self, script, files=None, timeout=120):
        with self._folder() as (folder, path):
            for name, data in (files or {}).items():
                write_file(folder / name, data)
            (folder / 'main.py').write_text(script)
            proc = self._micropython(['main.py'], folder, path, timeout)
        if proc.returncode != 0:
            raise DeviceError(f'{self.name}: exit {proc.returncode}\n'
                              f'{proc.stdout[-2000:]}{proc.stderr[-2000:]}')
        return Output(proc.stdout)

    def exec(self, code, timeout=60):
        with self._folder() as (folder, path):
            proc = self._micropython(['-c', code], folder, path, timeout)
        return proc.stdout + proc.stderr

    def put(self, local, remote):
        if self.root is None:
            raise DeviceError('unix: put needs a folder (unix:DIR)')
        dest = Path(remote) if remote.startswith(str(self.root)) else self.root / remote.lstrip('/')
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(local, dest)
