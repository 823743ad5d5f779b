"""The one table of ABI and architecture facts: the .mpy format we build,
where things live, and per native arch its MicroPython code, float ABI,
compiler, and which file archs run on a board reporting it."""
from dataclasses import dataclass
from pathlib import Path

TOP = Path(__file__).resolve().parents[3]
MPY_ABI = (6, 3)
ABI = '%d.%d' % MPY_ABI
SUPPORTED_VERSIONS = 'MicroPython 1.23 and newer, checked up to 1.29'
# The pinned sdist that gives MicroPython's py/ and tools/ (see Makefile).
MPY_SDIST = 'mpy_cross_v6_3-1.1.1'
ARM_HELP = ('install gcc-arm-none-eabi and libnewlib-arm-none-eabi (Debian/Ubuntu), '
            'or the Arm GNU Toolchain from developer.arm.com')


@dataclass(frozen=True)
class Arch:
    name: str
    code: int              # MicroPython's MP_NATIVE_ARCH_* number
    float_abi: str = None  # 'hard', 'soft', 'xtensa'; None: no native code
    float_bits: int = None
    cores: str = ''
    cc: str = None         # the compiler that builds it (None: not built here)
    cflags: tuple = ()     # flags that select the arch
    where: str = ''        # where to get the compiler
    runs: tuple = ()       # file archs that run correctly on such a board, best first
    fpu: bool = False      # a hardware FPU: floats passed in FPU registers
    build_hint: str = ''   # what deploy says when no files are built for it


# A Thumb-2 firmware without an FPU reports armv7em; soft-float files suit it.
# MicroPython's own check also accepts soft-float files on FPU boards, but
# they pass floats in the wrong registers there, so they are never offered.
_ARCHS = [
    Arch('none', 0, cores='bytecode only (no native code emitter)'),
    Arch('x86', 1, 'hard', 64, '32-bit PC (unix port)', 'gcc', ('-m32',),
         'install gcc-multilib (32-bit C library headers for gcc -m32)', ('x86',)),
    Arch('x64', 2, 'hard', 64, '64-bit PC (unix port)', 'gcc', (), 'install gcc', ('x64',)),
    Arch('armv6', 3, 'soft', 32, 'ARM mode (not built here)'),
    Arch('armv6m', 4, 'soft', 32, 'Cortex-M0/M0+ (RP2040), soft float', 'arm-none-eabi-gcc',
         ('-mthumb', '-mcpu=cortex-m0'), ARM_HELP, ('armv6m',)),
    Arch('armv7m', 5, 'soft', 32, 'Cortex-M3, soft float', 'arm-none-eabi-gcc',
         ('-mthumb', '-mcpu=cortex-m3'), ARM_HELP, ('armv7m', 'armv6m')),
    Arch('armv7em', 6, 'soft', 32, 'Thumb-2 firmware built without an FPU (e.g. Cortex-M3)',
         runs=('armv7m', 'armv6m')),
    Arch('armv7emsp', 7, 'hard', 32, 'Cortex-M4F/M7/M33 with single-precision FPU',
         'arm-none-eabi-gcc', ('-mthumb', '-mcpu=cortex-m4', '-mfpu=fpv4-sp-d16',
                               '-mfloat-abi=hard'), ARM_HELP, ('armv7emsp',), fpu=True),
    Arch('armv7emdp', 8, 'hard', 64, 'Cortex-M7 with double-precision FPU',
         'arm-none-eabi-gcc', ('-mthumb', '-mcpu=cortex-m7', '-mfpu=fpv5-d16',
                               '-mfloat-abi=hard'), ARM_HELP, ('armv7emdp',), fpu=True),
    Arch('xtensa', 9, 'xtensa', 32, 'ESP8266', runs=('xtensa',),
         build_hint='needs the ESP8266 xtensa-lx106-elf toolchain, then `make ARCH=xtensa`'),
    Arch('xtensawin', 10, 'xtensa', 32, 'ESP32, ESP32-S3', 'xtensa-esp32-elf-gcc', (),
         "it comes with Espressif's ESP-IDF toolchain (install ESP-IDF, "
         'then `. $IDF_PATH/export.sh` to put it on PATH)', ('xtensawin',),
         build_hint="needs xtensa-esp32-elf-gcc from Espressif's ESP-IDF on PATH, then "
                    '`make ARCH=xtensawin`'),
    Arch('rv32imc', 11, 'soft', 32, 'RISC-V RV32IMC'),
]
ARCHS = {a.name: a for a in _ARCHS}
BY_CODE = {a.code: a for a in _ARCHS}


def dist_dir(arch, dist=None):
    """dist/<arch>_<abi>: the built modules of one arch."""
    return Path(dist or TOP / 'dist') / f'{arch}_{ABI}'


def built_modules(arch, dist=None):
    """The .mpy files built for an arch, by name order."""
    return sorted(dist_dir(arch, dist).glob('*.mpy'))


def mpy_dir():
    """MicroPython's source tree the modules are built against."""
    import os
    return Path(os.environ.get('MPY_DIR') or TOP / 'build' / 'cache' / MPY_SDIST / 'micropython')
