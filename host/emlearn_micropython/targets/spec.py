"""Target names, parsed in one place:

    unix                  the unix port (x64 modules from dist/)
    unix:DIR              the unix port with DIR as its file system (deploy)
    qemu-m3[:OPT...]      an emulated board from targets.qemu.MACHINES, with
                          options heap=N, icount, arch=ARCH
    board:PORT:ARCH       a board reached with mpremote at PORT (which may
                          hold colons itself), running ARCH modules
"""
from dataclasses import dataclass, field, replace

from .qemu import MACHINES

HELP = 'unix, ' + ', '.join(MACHINES) + ' (options :heap=N :icount :arch=ARCH) or board:PORT:ARCH'


@dataclass(frozen=True)
class TargetSpec:
    kind: str                 # 'unix', 'qemu' or 'board'
    name: str                 # 'unix', 'qemu-m3', 'board'
    port: str = None          # board: the mpremote device
    arch: str = None          # the .mpy arch to run (None: the target's default)
    root: str = None          # unix: the folder that is its file system
    heap: int = None          # qemu: heap bytes
    icount: bool = False      # qemu: count instructions
    text: str = field(default='', compare=False)

    @classmethod
    def parse(cls, text):
        if isinstance(text, cls):
            return text
        if text == 'unix' or text.startswith('unix:'):
            return cls('unix', 'unix', root=text[5:] or None, text=text)
        if text.startswith('board:'):
            port, _, arch = text[len('board:'):].rpartition(':')
            if not port or not arch:
                raise ValueError(f'board target {text!r}: use board:PORT:ARCH')
            return cls('board', 'board', port=port, arch=arch, text=text)
        name, *opts = text.split(':')
        if name not in MACHINES:
            raise ValueError(f'unknown target {text!r}: use {HELP}')
        return cls('qemu', name, text=text, **_qemu_options(name, opts, text))

    def with_options(self, **options):
        """This spec with qemu options set (heap=, icount=, arch=)."""
        spec = replace(self, **options)
        return replace(spec, text=str(spec))

    def __str__(self):
        if self.kind == 'board':
            return f'board:{self.port}:{self.arch}'
        if self.kind == 'unix':
            return f'unix:{self.root}' if self.root else 'unix'
        opts = [f'arch={self.arch}'] if self.arch else []
        opts += ['icount'] if self.icount else []
        opts += [f'heap={self.heap}'] if self.heap else []
        return ':'.join([self.name] + opts)

    @property
    def results_name(self):
        """A file name for results: qemu-m3 (options dropped), unix,
        board__dev_ttyACM0_armv6m."""
        if self.kind == 'qemu':
            return self.name
        return str(self).replace(':', '_').replace('/', '_')


def _qemu_options(name, opts, text):
    archs = MACHINES[name].archs
    options = {}
    for opt in opts:
        key, _, value = opt.partition('=')
        if key == 'icount' and not value:
            options['icount'] = True
        elif key == 'heap' and value:
            options['heap'] = int(value, 0)
        elif key == 'arch' and value in archs:
            options['arch'] = value
        else:
            raise ValueError(f'bad option {opt!r} in {text!r}: use heap=N, icount or arch=' +
                             '|'.join(archs))
    return options
