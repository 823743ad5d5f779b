"""What every target shares: the Target interface (put files, run a script
-> Output, exec code -> text, close / context manager), the Output of a run
and the parsing of its result lines.

A device script prints one result per line as a Python/JSON literal (a list,
number, string...). The bare-metal boards have no `json` module, so results
are parsed here from literals with `nan` and `inf` allowed. Other lines are
kept as text.
"""
import ast
import math
from pathlib import Path

# Device-side helpers (emltest.py) that every target puts on its path.
DEVICE_DIR = Path(__file__).resolve().parents[1] / 'device'

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
    """What a script printed: stdout, its lines, and the parsed results."""

    def __init__(self, stdout):
        self.stdout = stdout
        self.lines = stdout.splitlines()
        self.results = [v for v in map(parse_line, self.lines) if v is not None]

    def by_name(self):
        """{name: rest} of the results that are lists starting with a name
        (as emltest.emit(name, ...) and emltest.attempt print them); a name
        printed twice keeps its last values."""
        return {r[0]: r[1:] for r in self.results
                if isinstance(r, list) and r and isinstance(r[0], str)}


class Target:
    """A MicroPython that runs scripts. Implementations: UnixTarget,
    BoardTarget (mpremote), QemuTarget. name, arch and float_bits describe it.

    run(script, files) -> Output   the script as main.py next to the files
                                   ({name: text, bytes or Path}), modules on
                                   its path; raises DeviceError
    exec(code) -> str              run code, return what it printed
    put(local, remote)             copy one host file to a device path
    close()                        free the device (also `with target:`)
    run_command() -> str or None   the shell command that runs main.py on
                                   it, for targets a board does not boot
    """
    name = 'target'
    arch = None
    float_bits = 32
    spec = None   # the TargetSpec it was opened from (targets.open_target)

    def run(self, script, files=None, timeout=300):
        raise NotImplementedError

    def exec(self, code, timeout=300):
        raise NotImplementedError

    def put(self, local, remote):
        raise NotImplementedError

    def close(self):
        pass

    def run_command(self):
        return None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


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
