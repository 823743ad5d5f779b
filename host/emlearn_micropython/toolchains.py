#!/usr/bin/env python3
"""Which architectures this machine can build native modules for, and why not.

`python toolchains.py ARCH` prints nothing when ARCH can be built, else one
line saying what is missing and where it comes from (used by `make dist`).
"""
import os
import shutil
import subprocess
import sys
import tempfile

ARM_HELP = ('install gcc-arm-none-eabi and libnewlib-arm-none-eabi (Debian/Ubuntu), '
            'or the Arm GNU Toolchain from developer.arm.com')

# arch: (compiler, flags that select the arch, where to get the compiler)
TOOLCHAINS = {
    'x64': ('gcc', [], 'install gcc'),
    'x86': ('gcc', ['-m32'], 'install gcc-multilib (32-bit C library headers for gcc -m32)'),
    'armv6m': ('arm-none-eabi-gcc', ['-mthumb', '-mcpu=cortex-m0'], ARM_HELP),
    'armv7m': ('arm-none-eabi-gcc', ['-mthumb', '-mcpu=cortex-m3'], ARM_HELP),
    'armv7emsp': ('arm-none-eabi-gcc', ['-mthumb', '-mcpu=cortex-m4', '-mfpu=fpv4-sp-d16',
                                        '-mfloat-abi=hard'], ARM_HELP),
    'armv7emdp': ('arm-none-eabi-gcc', ['-mthumb', '-mcpu=cortex-m7', '-mfpu=fpv5-d16',
                                        '-mfloat-abi=hard'], ARM_HELP),
    'xtensawin': ('xtensa-esp32-elf-gcc', [],
                  "it comes with Espressif's ESP-IDF toolchain (install ESP-IDF, "
                  'then `. $IDF_PATH/export.sh` to put it on PATH)'),
}


def missing(arch):
    """Why `arch` cannot be built here, or '' when it can."""
    if arch not in TOOLCHAINS:
        return f'unknown arch (known: {" ".join(TOOLCHAINS)})'
    cc, flags, where = TOOLCHAINS[arch]
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
