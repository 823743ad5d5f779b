"""Which architectures this machine can build native modules for, and why not.

`python -m emlearn_micropython.build.toolchains ARCH` prints nothing when
ARCH can be built, else one line saying what is missing and where it comes
from (used by `make dist` and src/natmod.mk).
"""
import os
import shutil
import subprocess
import sys
import tempfile

from .abi import ARCHS


def missing(arch):
    """Why `arch` cannot be built here, or '' when it can."""
    buildable = [a.name for a in ARCHS.values() if a.cc]
    if arch not in buildable:
        return f'unknown arch (known: {" ".join(buildable)})'
    cc, flags, where = ARCHS[arch].cc, ARCHS[arch].cflags, ARCHS[arch].where
    if not shutil.which(cc):
        return f'{cc} not on PATH: {where}'
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, 't.c')
        with open(src, 'w') as f:
            f.write('#include <stdint.h>\n#include <string.h>\nint32_t eml_probe;\n')
        proc = subprocess.run([cc, *flags, '-c', src, '-o', os.path.join(tmp, 't.o')],
                              capture_output=True, text=True)
    if proc.returncode != 0:
        return f'{cc} {" ".join(flags)} cannot compile <stdint.h>: {where}'
    return ''


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    for arch in argv:
        why = missing(arch)
        if why:
            print(why if len(argv) == 1 else f'{arch}: {why}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
