"""Copy the native modules built for a board (and model files), then import them.

1. ask the board (over mpremote) for sys.implementation._mpy (format
   version, sub-version, native arch), its MicroPython version, platform,
   machine and float precision;
2. pick the dist/ files whose .mpy headers match, or refuse with the reason
   (choose() below: a pure function, unit-tested with a table of boards);
3. copy the modules to the board's lib folder (the first sys.path entry
   ending in /lib: /lib on most ports, /flash/lib on a pyboard) and the
   models to the working folder, one line per file, and check that every
   module imports.
"""
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .inspect_mpy import MPY_ABI, SUPPORTED_VERSIONS, MpyError, decode_mpy_value, parse_header
from .runner import parse_line

TOP = Path(__file__).resolve().parents[2]

# Printed by the board as one literal line. No json module, and float
# literals would not compile on a firmware without floats.
REPORT_SCRIPT = """import sys
m = getattr(sys.implementation, '_machine', '')
if not m:
    try:
        import os
        m = os.uname().machine
    except Exception:
        pass
fb = 0
try:
    fb = 64 if float('1') + float('1e-10') != float('1') else 32
except Exception:
    pass
lib = [p for p in sys.path if p.endswith('/lib')]
print(repr(['emlearn-board', getattr(sys.implementation, '_mpy', None),
    '.'.join(str(v) for v in sys.implementation.version[:3]), sys.platform, m, fb,
    lib[0] if lib else '/lib']))
"""

MKDIR_SCRIPT = """import os
try:
    os.mkdir(%r)
except OSError:
    pass
"""

# Board arch -> the file archs that run correctly on it, best first. A
# Thumb-2 firmware without an FPU reports armv7em; soft-float files suit it.
# MicroPython's own check also accepts soft-float files on FPU boards, but
# they pass floats in the wrong registers there, so they are never offered.
CANDIDATES = {
    'x86': ['x86'], 'x64': ['x64'],
    'armv6m': ['armv6m'], 'armv7m': ['armv7m', 'armv6m'], 'armv7em': ['armv7m', 'armv6m'],
    'armv7emsp': ['armv7emsp'], 'armv7emdp': ['armv7emdp'],
    'xtensa': ['xtensa'], 'xtensawin': ['xtensawin'],
}
HARD_FLOAT = {'armv7emsp', 'armv7emdp'}
FLOAT_BITS = {'x86': 64, 'x64': 64, 'armv7emdp': 64}   # every other arch: 32

BUILD_HINT = {
    'xtensawin': 'needs clang-22 and llvm-22 (Debian/Ubuntu) or xtensa-esp32-elf-gcc '
                 '(ESP-IDF), then `make ARCH=xtensawin`',
    'xtensa': 'cannot be built here yet: the ESP8266 needs soft-float helpers that '
              'gcc-xtensa-lx106\'s libgcc lacks (see the README, section targets)',
}


class DeployError(Exception):
    """Deploying failed (connection, copy or import)."""


class Refusal(DeployError):
    """No files suit this board; the message says why and what to do."""


@dataclass
class Board:
    mpy: int = None          # sys.implementation._mpy, None when absent
    version: str = ''        # MicroPython version, e.g. '1.23.0'
    platform: str = ''       # sys.platform: rp2, esp32, pyboard, linux...
    machine: str = ''        # os.uname().machine
    float_bits: int = 32     # 0 when the firmware has no floats
    lib: str = '/lib'        # where modules go: first sys.path entry ending in /lib
    float_abi_ok: bool = None  # the float ABI probe's verdict (None: not run)

    def describe(self):
        what = f'MicroPython {self.version} on {self.platform}'
        if self.machine:
            what += f' ({self.machine})'
        if self.mpy is None:
            return what + ', no sys.implementation._mpy'
        v, sub, arch = decode_mpy_value(self.mpy)
        return f'{what}, .mpy {v}.{sub}, arch {arch}, {self.float_bits}-bit floats'


@dataclass
class Plan:
    arch: str
    modules: list = field(default_factory=list)   # [(module name, local Path)]
    note: str = ''


def parse_report(stdout):
    """The Board from the output of REPORT_SCRIPT."""
    for line in stdout.splitlines():
        value = parse_line(line)
        if isinstance(value, list) and value and value[0] == 'emlearn-board':
            return Board(*value[1:7])
    raise Refusal(f'the board did not answer the report script; it printed:\n{stdout[-500:]}')


def scan(dist):
    """Every built module under dist/, by its header: [{module, arch, abi, path}]."""
    files = []
    for path in sorted(Path(dist).glob('*/*.mpy')):
        try:
            with open(path, 'rb') as f:
                info = parse_header(f.read(4))
        except (OSError, MpyError):
            continue
        files.append({'module': path.stem, 'arch': info['arch'], 'abi': info['abi'],
                      'path': path})
    return files


def _check_board(board):
    """The board's native arch name, or a Refusal when it cannot load ours."""
    ours = '%d.%d' % MPY_ABI
    if board.mpy is None:
        raise Refusal(f'MicroPython {board.version} does not report sys.implementation._mpy, '
                      f'so it is too old for native modules built as .mpy {ours} '
                      f'({SUPPORTED_VERSIONS}): update the firmware')
    version, sub, arch = decode_mpy_value(board.mpy)
    if (version, sub) != MPY_ABI:
        raise Refusal(f'the board runs MicroPython {board.version}, which loads native .mpy '
                      f'{version}.{sub}; our files are .mpy {ours}, for {SUPPORTED_VERSIONS}. '
                      'Update the firmware, or rebuild against your MicroPython with '
                      'MPY_DIR=/path/to/its/source')
    if arch == 'none':
        raise Refusal(f'this {board.platform} firmware has no native code emitter '
                      '(sys.implementation._mpy reports no arch), so it cannot load native '
                      'modules: use a firmware built with MICROPY_EMIT_NATIVE')
    if arch not in CANDIDATES:
        raise Refusal(f'the board reports arch {arch}, which we do not build')
    if board.float_bits == 0:
        raise Refusal('this firmware has no floating point, which every module needs')
    return arch


def _check_forced(board_arch, arch):
    if arch in CANDIDATES[board_arch]:
        return
    if board_arch in HARD_FLOAT and arch not in HARD_FLOAT:
        raise Refusal(f'the board has a hardware FPU ({board_arch}): {arch} files are '
                      'soft-float; MicroPython would load them, but they pass floats in the '
                      f'wrong registers and return wrong results. Use {board_arch} files')
    raise Refusal(f'{arch} files do not run on a {board_arch} board '
                  f'(suitable: {", ".join(CANDIDATES[board_arch])})')


def _check_floats(board, board_arch, trust_float_abi):
    """Refuse when the firmware's float precision or calling convention differs."""
    if board.float_bits != FLOAT_BITS.get(board_arch, 32):
        raise Refusal(f'the board uses {board.float_bits}-bit floats but {board_arch} modules '
                      f'are built for {FLOAT_BITS.get(board_arch, 32)}-bit floats; rebuild with '
                      f'MICROPY_FLOAT_IMPL={"double" if board.float_bits == 64 else "float"}')
    if board_arch in HARD_FLOAT and board.float_abi_ok is False:
        raise Refusal(f'this firmware reports {board_arch} but does not pass floats the way '
                      f'{board_arch} modules do: a probe module returned wrong floats. It is '
                      'probably built with -mfloat-abi=softfp (RP2350 firmware before pico-sdk '
                      '2.3 is): every float result would be wrong. Use a hard-float firmware')
    if board_arch == 'armv7emsp' and 'RP2350' in board.machine and not (
            trust_float_abi or board.float_abi_ok):
        raise Refusal('RP2350 firmware built with pico-sdk before 2.3 uses -mfloat-abi=softfp: '
                      'it reports armv7emsp but passes floats in integer registers, so float '
                      'results would be wrong. If your firmware is built with '
                      'PICO_HARD_FLOAT_ABI (MicroPython PR #19661), pass --trust-float-abi')


def choose(board, files, modules=None, arch=None, trust_float_abi=False):
    """Which files to copy to this board: a Plan, or raise Refusal.

    board: Board; files: scan() output; modules: names wanted (None: all
    built for the chosen arch); arch: the user's --arch, if any.
    """
    board_arch = _check_board(board)
    if arch:
        _check_forced(board_arch, arch)
    candidates = [arch] if arch else CANDIDATES[board_arch]
    ours = '%d.%d' % MPY_ABI
    built = {}
    for f in files:
        if f['abi'] == ours:
            built.setdefault(f['arch'], {})[f['module']] = f['path']
    usable = [a for a in candidates if built.get(a)]
    if not usable:
        hint = BUILD_HINT.get(candidates[0], f'run `make ARCH={candidates[0]}`')
        extra = ''
        if board_arch in HARD_FLOAT and any(a in built for a in ('armv6m', 'armv7m')):
            extra = (f' (soft-float armv6m/armv7m files exist, but they return wrong floats '
                     f'on this FPU board)')
        raise Refusal(f'no {" or ".join(candidates)} files in dist/ for this {board_arch} '
                      f'board{extra}: {hint}')
    _check_floats(board, board_arch, trust_float_abi)
    # Prefer the first candidate that has every wanted module.
    wanted = list(modules) if modules else None
    for a in usable:
        if wanted is None or all(m in built[a] for m in wanted):
            names = wanted or sorted(built[a])
            note = '' if a == candidates[0] else f'using {a} files ({candidates[0]} not built)'
            return Plan(a, [(m, built[a][m]) for m in names], note)
    missing = [m for m in wanted if m not in built[usable[0]]]
    raise Refusal(f'not built for {usable[0]}: {", ".join(missing)} '
                  f'(built: {", ".join(sorted(built[usable[0]]))})')


def verify_script(modules):
    names = ', '.join(repr(m) for m in modules)
    return (f'for m in [{names}]:\n'
            '    try:\n'
            '        __import__(m)\n'
            "        print(repr(['imported', m, '']))\n"
            '    except Exception as e:\n'
            "        print(repr(['failed', m, repr(e)]))\n")


class Mpremote:
    """A board reached with `mpremote connect PORT`."""

    def __init__(self, port):
        self.port = port
        self.name = port

    def _run(self, *args):
        cmd = [sys.executable, '-m', 'mpremote', 'connect', self.port, *args]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            raise DeployError(f'mpremote {" ".join(args[:1])}: no answer within 300 s')
        if proc.returncode != 0:
            raise DeployError(f'mpremote {" ".join(args[:1])} failed (exit {proc.returncode}):\n'
                          f'{proc.stdout[-1000:]}{proc.stderr[-1000:]}')
        return proc.stdout

    def exec(self, code):
        return self._run('exec', code)

    def put(self, local, remote):
        self._run('cp', str(local), ':' + remote)


class LocalFolder:
    """The unix port with a folder as its file system ('unix:DIR'), for tests."""

    def __init__(self, folder, micropython=None):
        self.root = Path(folder)
        self.name = f'unix:{folder}'
        self.micropython = micropython or os.environ.get('MICROPYTHON') or \
            shutil.which('micropython', path=str(TOP / '.venv' / 'bin')) or 'micropython'

    def exec(self, code):
        self.root.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, MICROPYPATH=f'{self.root / "lib"}{os.pathsep}{self.root}')
        try:
            proc = subprocess.run([self.micropython, '-c', code], cwd=self.root, env=env,
                                  capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            raise DeployError(f'{self.name}: no answer within 60 s')
        return proc.stdout + proc.stderr

    def put(self, local, remote):
        dest = Path(remote) if remote.startswith(str(self.root)) else self.root / remote
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(local, dest)


def transport_for(port):
    return LocalFolder(port[5:]) if port.startswith('unix:') else Mpremote(port)


PROBE_SCRIPT = """import os, sys
sys.path.insert(0, %r)
try:
    import emlabiprobe
    r = [emlabiprobe.twice(1.5), emlabiprobe.twice(-0.375)]
except Exception as e:
    r = repr(e)
print(repr(['emlearn-abi', r]))
os.remove(%r)
"""


def probe_float_abi(transport, board, dist, arch, out=print):
    """Run the float ABI probe on an FPU board: True, False, or None (no probe)."""
    probe = Path(dist) / f'{arch}_{"%d.%d" % MPY_ABI}' / 'probe' / 'emlabiprobe.mpy'
    if arch not in HARD_FLOAT or not probe.exists():
        return None
    folder = board.lib.rsplit('/', 1)[0] or '/'
    remote = f'{folder.rstrip("/")}/emlabiprobe.mpy'
    out(f'deploy: checking the float ABI with {probe.name}')
    transport.put(probe, remote)
    results = [parse_line(line) for line in
               transport.exec(PROBE_SCRIPT % (folder, remote)).splitlines()]
    answer = [r[1] for r in results if isinstance(r, list) and r[:1] == ['emlearn-abi']]
    return bool(answer) and answer[0] == [3.0, -0.75]


def deploy(transport, dist, modules=None, models=(), arch=None, trust_float_abi=False,
           out=print):
    """Report, choose, copy, verify. Returns the Plan; raises Refusal."""
    out(f'deploy: asking {transport.name} what it runs')
    board = parse_report(transport.exec(REPORT_SCRIPT))
    out(f'deploy: board: {board.describe()}')
    files = scan(dist)
    plan = choose(board, files, modules, arch, trust_float_abi=True)
    board.float_abi_ok = probe_float_abi(transport, board, dist, plan.arch, out)
    plan = choose(board, files, modules, arch, trust_float_abi)
    out(f'deploy: using {plan.arch} files' + (f' ({plan.note})' if plan.note else ''))
    transport.exec(MKDIR_SCRIPT % board.lib)
    copies = [(path, f'{board.lib}/{m}.mpy') for m, path in plan.modules]
    copies += [(Path(p), Path(p).name) for p in models]
    for i, (local, remote) in enumerate(copies, 1):
        out(f'[{i}/{len(copies)}] {local} -> :{remote} ({Path(local).stat().st_size} bytes)')
        transport.put(local, remote)
    names = [m for m, _ in plan.modules]
    failed = []
    results = [parse_line(line) for line in transport.exec(verify_script(names)).splitlines()]
    imported = {r[1] for r in results if isinstance(r, list) and r[:1] == ['imported']}
    for r in results:
        if isinstance(r, list) and r[:1] == ['failed']:
            failed.append(f'{r[1]}: {r[2]}')
    failed += [f'{m}: no answer' for m in names if m not in imported and
               not any(f.startswith(m + ':') for f in failed)]
    if failed:
        raise DeployError('copied, but these modules do not import:\n  ' + '\n  '.join(failed))
    out(f'deploy: ok: {" ".join(names)} import on the board')
    return plan


def add_arguments(parser):
    parser.add_argument('modules', nargs='*', help='modules to copy (default: all built)')
    parser.add_argument('--port', default='auto',
                        help='mpremote device (e.g. /dev/ttyACM0, socket://host:port), or '
                             'unix:DIR to deploy into a folder for the unix port')
    parser.add_argument('--model', action='append', default=[], help='model file to copy')
    parser.add_argument('--arch', help='force an arch (refused when it does not suit the board)')
    parser.add_argument('--dist', default=str(TOP / 'dist'), help='folder with <arch>_<abi>/')
    parser.add_argument('--trust-float-abi', action='store_true',
                        help='RP2350: the firmware is built with the hard float ABI')


def main(args):
    try:
        deploy(transport_for(args.port), args.dist, args.modules or None, args.model,
               args.arch, args.trust_float_abi)
    except Refusal as e:
        print(f'deploy: refused: {e}', file=sys.stderr)
        return 2
    except DeployError as e:
        print(f'deploy: failed: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    import argparse
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(p)
    sys.exit(main(p.parse_args()))
