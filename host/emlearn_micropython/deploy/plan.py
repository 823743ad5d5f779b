"""Which built files suit a board, decided from what the board reports: a
pure function (choose) over the arch table in build/abi.py, unit-tested with
a table of boards."""
from dataclasses import dataclass, field
from pathlib import Path

from ..build.abi import ABI, ARCHS, MPY_ABI, SUPPORTED_VERSIONS
from ..build.inspect_mpy import MpyError, decode_mpy_value, parse_header
from ..targets.base import parse_line

HARD_FLOAT = {a.name for a in ARCHS.values() if a.fpu}


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
    ours = ABI
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
    if arch not in ARCHS or not ARCHS[arch].runs:
        raise Refusal(f'the board reports arch {arch}, which we do not build')
    if board.float_bits == 0:
        raise Refusal('this firmware has no floating point, which every module needs')
    return arch


def _check_forced(board_arch, arch):
    if arch in ARCHS[board_arch].runs:
        return
    if board_arch in HARD_FLOAT and arch in ARCHS and ARCHS[arch].float_abi == 'soft':
        raise Refusal(f'the board has a hardware FPU ({board_arch}): {arch} files are '
                      'soft-float; MicroPython would load them, but they pass floats in the '
                      f'wrong registers and return wrong results. Use {board_arch} files')
    raise Refusal(f'{arch} files do not run on a {board_arch} board '
                  f'(suitable: {", ".join(ARCHS[board_arch].runs)})')


def _check_floats(board, board_arch, trust_float_abi):
    """Refuse when the firmware's float precision or calling convention differs."""
    if board.float_bits != ARCHS[board_arch].float_bits:
        raise Refusal(f'the board uses {board.float_bits}-bit floats but {board_arch} modules '
                      f'are built for {ARCHS[board_arch].float_bits}-bit floats; rebuild with '
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
    candidates = [arch] if arch else ARCHS[board_arch].runs
    ours = ABI
    built = {}
    for f in files:
        if f['abi'] == ours:
            built.setdefault(f['arch'], {})[f['module']] = f['path']
    usable = [a for a in candidates if built.get(a)]
    if not usable:
        hint = (ARCHS[candidates[0]].build_hint if candidates[0] in ARCHS else '') or \
            f'run `make ARCH={candidates[0]}`'
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


