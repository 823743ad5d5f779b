"""Copy the native modules built for a board (and model files), then import them.

1. ask the board (over mpremote) for sys.implementation._mpy (format
   version, sub-version, native arch), its MicroPython version, platform,
   machine and float precision;
2. pick the dist/ files whose .mpy headers match, or refuse with the reason
   (choose() below: a pure function, unit-tested with a table of boards);
3. copy the modules to the board's lib folder (the first sys.path entry
   ending in /lib: /lib on most ports, /flash/lib on a pyboard) and the
   models to the working folder, one line per file, and check that every
   module imports. For unix:DIR the modules go to DIR/lib, which the unix
   port does not search by itself: deploy prints the exact command that
   runs DIR/main.py (MICROPYPATH=DIR/lib:DIR ...).
"""
import sys
from pathlib import Path

from ..build.abi import TOP, dist_dir
from ..targets import DeviceError, open_target, parse_line
from ..targets.board import BoardTarget
from .plan import HARD_FLOAT, Board, DeployError, Plan, Refusal, choose, parse_report, scan

__all__ = ['Board', 'DeployError', 'Plan', 'Refusal', 'choose', 'deploy', 'parse_report', 'scan',
           'transport_for']

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

def verify_script(modules):
    names = ', '.join(repr(m) for m in modules)
    return (f'for m in [{names}]:\n'
            '    try:\n'
            '        __import__(m)\n'
            "        print(repr(['imported', m, '']))\n"
            '    except Exception as e:\n'
            "        print(repr(['failed', m, repr(e)]))\n")


def transport_for(port):
    """The target deploy talks to: unix:DIR (a folder as the unix port's file
    system), else an mpremote device."""
    return open_target(port) if port.startswith('unix:') else BoardTarget(port)


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
    probe = dist_dir(arch, dist) / 'probe' / 'emlabiprobe.mpy'
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
    missing = [str(p) for p in models if not Path(p).is_file()]
    if missing:
        raise DeployError(f'model file not found: {", ".join(missing)} (nothing copied)')
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
    command = transport.run_command()
    if command:
        out(f'deploy: run main.py there with: {command}')
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
    except (DeployError, DeviceError) as e:
        print(f'deploy: failed: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    import argparse
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(p)
    sys.exit(main(p.parse_args()))
