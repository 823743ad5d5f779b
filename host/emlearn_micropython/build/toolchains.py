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

from .abi import ARCHS, ESP32_LLVM

# The tools the LLVM front end runs.
ESP32_LLVM_TOOLS = ['clang-22', 'llc-22', 'llvm-mc-22']
# Compilers that serve an arch as well as its first one (src/natmod.mk picks).
ALTERNATIVES = {'xtensawin': [('xtensa-esp32-elf-gcc', ())]}
# Compiler helpers our modules call that must be in the arch's libgcc.a.
# The ESP8266 has its soft-float and division helpers in ROM, so Debian's
# lx106 libgcc.a leaves them out and mpy_ld 1.23 cannot link a module.
HELPERS = {'xtensa': ['__addsf3', '__mulsf3', '__floatsisf', '__udivsi3']}


def missing(arch):
    """Why `arch` cannot be built here, or '' when it can."""
    buildable = [a.name for a in ARCHS.values() if a.cc]
    if arch not in buildable:
        return f'unknown arch (known: {" ".join(buildable)})'
    cc, flags, where = ARCHS[arch].cc, ARCHS[arch].cflags, ARCHS[arch].where
    if any(not compile_error(alt, alt_flags) for alt, alt_flags in ALTERNATIVES.get(arch, [])):
        return ''
    if cc == ESP32_LLVM:
        absent = [tool for tool in ESP32_LLVM_TOOLS if not shutil.which(tool)]
        if absent:
            return f'{" ".join(absent)} not on PATH: {where}'
    elif not shutil.which(cc):
        return f'{cc} not on PATH: {where}'
    if compile_error(cc, flags):
        name = os.path.basename(cc)
        return f'{name} {" ".join(flags)} cannot compile <stdint.h> and <string.h>: {where}'
    absent = absent_helpers(cc, HELPERS.get(arch, []))
    if absent:
        return (f'the libgcc.a of {cc} has no {" ".join(absent)} (soft-float and integer '
                'division helpers, which our modules need and a native module cannot take '
                "from the chip's ROM)")
    return ''


def compile_error(cc, flags):
    """True when cc (with flags) cannot compile a file using <stdint.h> and <string.h>."""
    if not shutil.which(cc):
        return True
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, 't.c')
        with open(src, 'w') as f:
            f.write('#include <stdint.h>\n#include <string.h>\nint32_t eml_probe;\n')
        proc = subprocess.run([cc, *flags, '-c', src, '-o', os.path.join(tmp, 't.o')],
                              capture_output=True, text=True)
    return proc.returncode != 0


def absent_helpers(cc, names):
    """The names that cc's libgcc.a does not define."""
    if not names:
        return []
    lib = subprocess.run([cc, '-print-libgcc-file-name'], capture_output=True, text=True).stdout
    nm = cc[:-len('gcc')] + 'nm' if cc.endswith('gcc') else 'nm'
    proc = subprocess.run([nm, '--defined-only', lib.strip()], capture_output=True, text=True)
    defined = {line.split()[-1] for line in proc.stdout.splitlines() if line.count(' ') >= 2}
    return [n for n in names if n not in defined]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    for arch in argv:
        why = missing(arch)
        if why:
            print(why if len(argv) == 1 else f'{arch}: {why}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
