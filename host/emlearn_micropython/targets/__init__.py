"""Targets: a MicroPython that runs device scripts. One interface
(base.Target: run a script with files -> Output, exec code, put a file,
close or use as a context manager) with three implementations: the unix port
(unix.UnixTarget), a board over mpremote (board.BoardTarget) and an emulated
board in QEMU (qemu.QemuTarget, one per entry of qemu.MACHINES). Names such as
'qemu-m3:arch=armv7m' are parsed by spec.TargetSpec; open_target() makes the
target. Nothing here knows the tests, the benchmarks or any module by name.
"""
from .base import DeviceError, Output, Target, parse_line
from .spec import TargetSpec

__all__ = ['DeviceError', 'Output', 'Target', 'TargetSpec', 'open_target', 'parse_line']


def open_target(spec, **options):
    """The target a name (or TargetSpec) describes; keyword options override
    the spec's (heap=, icount=, arch=, modules=)."""
    spec = TargetSpec.parse(spec)
    modules = options.pop('modules', None)
    if options:
        spec = spec.with_options(**options)
    if spec.kind == 'unix':
        from .unix import UnixTarget
        target = UnixTarget(root=spec.root)
    elif spec.kind == 'board':
        from .board import BoardTarget
        target = BoardTarget(spec.port, spec.arch, modules)
    else:
        from .qemu import QemuTarget
        target = QemuTarget(spec.name, heap=spec.heap, icount=spec.icount, arch=spec.arch,
                            modules=modules)
    target.spec = spec
    return target
