"""The ESP32 build (xtensawin, Debian's LLVM 22): what each .mpy asks of the
board is what an ESP32 firmware gives.

- the header is the one an ESP32 firmware accepts (arch code 10, .mpy 6.3,
  single-precision floats passed as the ESP32 port's float type);
- every relocation the loader applies lands inside the module and points at
  a destination the firmware fills (text, rodata, bss, its qstr table, an
  entry of mp_fun_table);
- the objects leave undefined only the symbols mpy_ld itself resolves and
  use only the relocation types its Xtensa linker applies;
- every instruction of the code is one the ESP32 (Xtensa LX6) executes.

`make test` builds xtensawin (EML_BUILT_ARCHS): a missing module fails.
"""
import os
import re
import shutil
import subprocess

import pytest
from elftools.elf.elffile import ELFFile

from emlearn_micropython.build import abi, inspect_mpy, natmod_link

ARCH = 'xtensawin'
MODULES = sorted(p.parent.name for p in (abi.TOP / 'src').glob('*/Makefile'))
REQUIRED = ARCH in os.environ.get('EML_BUILT_ARCHS', '').split()
OBJDUMP = 'llvm-objdump-22'
MPY_DIR = abi.mpy_dir()

# The ESP32's Xtensa LX6 options and their instructions (Xtensa ISA reference;
# the ESP32 has no MAC16 use here, no FLIX). llvm-objdump prints `or a, b, b`
# as `or` and `mov.n` for the density move.
ESP32_ISA = {
    'core': 'abs add addi addmi addx2 addx4 addx8 and ball bany bbc bbci bbs bbsi beq beqi '
            'beqz bge bgei bgeu bgeui bgez blt blti bltu bltui bltz bnall bne bnei bnez bnone '
            'call0 callx0 extui j jx l8ui l16si l16ui l32i l32r memw moveqz movgez movi movltz '
            'movnez neg nop or ret sll slli sra srai src srl srli ssa8l ssai ssl ssr sub subx2 '
            'subx4 subx8 xor',
    'density': 'add.n addi.n beqz.n bnez.n l32i.n mov.n movi.n nop.n ret.n retw.n s32i.n',
    'stores': 's8i s16i s32i',
    'windowed': 'entry retw call4 call8 call12 callx4 callx8 callx12 movsp',
    'loop': 'loop loopgtz loopnez',
    'mul16': 'mul16s mul16u',
    'mul32': 'mull',
    'mul32high': 'mulsh muluh',
    'div32': 'quos quou rems remu',
    'nsa': 'nsa nsau',
    'minmax': 'min max minu maxu',
    'sext': 'sext',
    'clamps': 'clamps',
    'boolean': 'all4 all8 andb andbc any4 any8 bf bt movf movt orb orbc xorb',
    'fp': 'abs.s add.s addexp.s addexpm.s ceil.s div0.s divn.s float.s floor.s lsi lsip lsx '
          'lsxp madd.s maddn.s mkdadj.s mksadj.s mov.s moveqz.s movf.s movgez.s movltz.s '
          'movnez.s movt.s msub.s mul.s neg.s nexp01.s oeq.s ole.s olt.s recip0.s rfr '
          'round.s rsqrt0.s sqrt0.s ssi ssip ssx ssxp sub.s trunc.s ueq.s ufloat.s ule.s '
          'ult.s un.s utrunc.s wfr',
}
ESP32_MNEMONICS = {m for names in ESP32_ISA.values() for m in names.split()}

# Relocation types the Xtensa part of mpy_ld 1.23 applies: R_XTENSA_32 (1)
# and R_XTENSA_SLOT0_OP (20, the l32r literal loads and local branches).
XTENSA_RELOCS = {1, 20}


def built(module):
    path = abi.dist_dir(ARCH) / f'{module}.mpy'
    if not path.exists():
        if REQUIRED:
            pytest.fail(f'{path} was not built (make ARCH={ARCH})')
        pytest.skip(f'{ARCH} not built')
    return path


def fun_table_entries():
    """How many entries mp_fun_table has (fields of mp_fun_table_t)."""
    header = (MPY_DIR / 'py' / 'nativeglue.h').read_text()
    body = header.split('typedef struct _mp_fun_table_t {')[1].split('} mp_fun_table_t;')[0]
    return body.count(';')


@pytest.mark.parametrize('module', MODULES)
def test_header_is_what_an_esp32_firmware_accepts(module):
    info = inspect_mpy.inspect_file(built(module))
    assert info['arch_code'] == 10 and info['arch'] == 'xtensawin'
    assert info['abi'] == '6.3'
    assert (info['float_abi'], info['float_bits']) == ('xtensa', 32)
    assert info['code'] == 'native (viper/natmod)'


@pytest.mark.parametrize('module', MODULES)
def test_every_relocation_is_one_the_loader_applies(module):
    info = inspect_mpy.inspect_file(built(module))
    words = {'text': info['text_bytes'] // 4, 'rodata': info['rodata_bytes'] // 4}
    entries = fun_table_entries()
    assert info['relocations'], 'a native module always points into mp_fun_table'
    for where, word, dest, count in info['relocations']:
        assert 0 <= word and word + count <= words[where], (where, word, count)
        if isinstance(dest, tuple):
            assert dest[0] == 'mp_fun_table' and 0 <= dest[1] < entries, dest
        else:
            assert dest in ('text', 'rodata', 'bss', 'qstr_table', 'mp_fun_table'), dest
            if dest == 'bss':
                assert info['bss_bytes'] > 0


def objects(module):
    built(module)
    folder = abi.TOP / 'build' / ARCH / module
    return sorted(p for p in folder.glob('*.o') if not p.name.startswith('natmod_'))


def defined_symbols(path):
    """Global symbols an object defines (natmod_runtime.o's memcpy/memset)."""
    with open(path, 'rb') as f:
        return {s.name for s in ELFFile(f).get_section_by_name('.symtab').iter_symbols()
                if s.name and s['st_shndx'] != 'SHN_UNDEF' and s['st_info']['bind'] == 'STB_GLOBAL'}


@pytest.mark.parametrize('module', MODULES)
def test_objects_need_only_what_mpy_ld_resolves(module):
    folder = objects(module)[0].parent
    runtime = natmod_link.MPY_LD_PROVIDES.union(*map(defined_symbols, folder.glob('*.o')))
    for path in objects(module):
        with open(path, 'rb') as f:
            elf = ELFFile(f)
            undefined = {s.name for s in elf.get_section_by_name('.symtab').iter_symbols()
                         if s.name and s['st_shndx'] == 'SHN_UNDEF'}
            assert undefined <= runtime, undefined - runtime
            for sec in elf.iter_sections():
                assert not (sec.name.startswith('.data') and not sec.name.startswith('.data.rel.ro')
                            and sec.data_size), f'writable data in {sec.name}'
                if sec['sh_type'] == 'SHT_RELA':
                    types = {r['r_info_type'] for r in sec.iter_relocations()}
                    assert types <= XTENSA_RELOCS, (sec.name, types)


def instructions(path):
    """[(address, mnemonic)] of the .text of an object, without the zero
    padding that aligns each function (objdump reads it as <unknown>)."""
    if not shutil.which(OBJDUMP):
        pytest.skip(f'{OBJDUMP} not installed (package llvm-22)')
    dump = subprocess.run([OBJDUMP, '-d', '-j', '.text', '--mcpu=esp32', str(path)],
                          capture_output=True, text=True, check=True).stdout
    labels = [int(a, 16) for a in re.findall(r'^([0-9a-f]+) <', dump, re.M)]
    out = []
    for addr, raw, mnemonic in re.findall(r'^ *([0-9a-f]+): ((?:[0-9a-f]{2} )+)\s*(\S+)', dump, re.M):
        addr = int(addr, 16)
        padding = raw.split()[0] == '00' and any(addr < a < addr + 3 for a in labels)
        if not (mnemonic == '<unknown>' and padding):
            out.append((addr, mnemonic))
    return out


@pytest.mark.parametrize('module', MODULES)
def test_every_instruction_is_an_esp32_instruction(module):
    for path in objects(module):
        code = instructions(path)
        assert len(code) > 100
        foreign = sorted({m for _, m in code} - ESP32_MNEMONICS)
        assert not foreign, f'{path.name}: not ESP32 instructions: {foreign}'


def test_checker_refuses_bytes_that_are_no_esp32_instruction(tmp_path):
    """Bytes inside a function that do not decode for the ESP32 are reported
    (only the zero padding before the next function is left out)."""
    asm = tmp_path / 't.s'
    asm.write_text('\t.text\nf:\n\tentry a1, 32\n\t.byte 0x0f, 0xff, 0xff\n\tretw.n\n')
    obj = tmp_path / 't.o'
    subprocess.run(['llvm-mc-22', '-triple=xtensa', '-mcpu=esp32', '-filetype=obj', str(asm),
                    '-o', str(obj)], check=True)
    found = [m for _, m in instructions(obj)]
    assert found == ['entry', '<unknown>', 'retw.n']
    assert set(found) - ESP32_MNEMONICS == {'<unknown>'}


def test_selects_between_float_constants_compile(tmp_path):
    """llc 22 aborts on `c ? 0.5f : -0.5f` for Xtensa; the front end's IR
    rewrite (tools/llvm-xtensa/fp_select.py) selects the bit patterns."""
    src = tmp_path / 't.c'
    src.write_text('float f(float v) { return v >= 0.0f ? v + 0.5f : v - 0.5f; }\n')
    obj = tmp_path / 't.o'
    subprocess.run([str(abi.TOP / 'tools/llvm-xtensa/esp32-gcc'), '-Os', '-c', str(src),
                    '-o', str(obj)], check=True)
    with open(obj, 'rb') as f:
        literals = ELFFile(f).get_section_by_name('.literal').data()
    assert (0x3f000000).to_bytes(4, 'little') in literals  # 0.5f
    assert (0xbf000000).to_bytes(4, 'little') in literals  # -0.5f


def test_toolchain_check_names_the_debian_packages(monkeypatch, tmp_path):
    from emlearn_micropython.build.toolchains import missing
    monkeypatch.setenv('PATH', str(tmp_path))   # no compiler at all
    why = missing('xtensawin')
    assert 'clang-22' in why and 'llvm-22' in why and 'not on PATH' in why


def test_esp8266_build_is_refused_naming_the_missing_helpers():
    from emlearn_micropython.build.toolchains import missing
    if not shutil.which('xtensa-lx106-elf-gcc'):
        pytest.skip('gcc-xtensa-lx106 not installed')
    why = missing('xtensa')
    assert '__addsf3' in why and 'ROM' in why


BOARD = abi.TOP / 'boards' / 'xtensa'


def run_on_core(tmp_path, program):
    """Builds boards/xtensa's `make <program>` and runs <program>.elf on
    QEMU's de233_fpu core: (the build folder, the finished process)."""
    for tool in ('qemu-system-xtensa', 'xtensa-lx106-elf-ld', 'llvm-mc-22'):
        if not shutil.which(tool):
            pytest.skip(f'{tool} not installed')
    build = tmp_path / 'board'
    subprocess.run(['make', '-s', '-C', str(BOARD), f'BUILD={build}', program], check=True,
                   capture_output=True)
    return build, subprocess.run(['qemu-system-xtensa', '-M', 'sim', '-cpu', 'de233_fpu',
                                  '-nographic', '-monitor', 'null', '-semihosting',
                                  '-kernel', str(build / f'{program}.elf')],
                                 capture_output=True, text=True, timeout=60)


def test_cores_compute_the_same_bits_on_an_emulated_xtensa(tmp_path):
    """lib/emlearn's FFT and IIR, deep calls and divisions by constants,
    compiled like the modules (LLVM 22, -mcpu=esp32) and run on QEMU's
    de233_fpu core (boards/xtensa: windowed calls spill through our window
    vectors, mulsh/muluh are emulated), print the same float32 bits as the
    host build of the same program."""
    build, emulated = run_on_core(tmp_path, 'coretest')
    code = {m for _, m in instructions(build / 'coretest.o')}
    assert {'mulsh', 'callx8', 'mul.s', 'entry'} <= code, code
    host = subprocess.run([str(build / 'coretest-host')], capture_output=True, text=True,
                          check=True).stdout
    assert emulated.returncode == 0, emulated.stdout[-500:] + emulated.stderr[-500:]
    lines = [ln for ln in emulated.stdout.splitlines() if not ln.startswith('cycles')]
    assert len(lines) > 1800 and lines[-1] == 'status 00000000'
    assert lines == host.splitlines()


def test_variadic_functions_read_their_arguments_on_an_emulated_xtensa(tmp_path):
    """llc 22 lowers va_start and va_arg wrongly for Xtensa (the first
    variadic argument skipped, a7 lost, stack arguments misplaced), which
    garbled everything the firmware formats with mp_printf. With
    tools/llvm-xtensa/va_fix.py, functions with 1 to 3 named arguments read
    0 to 10 int, pointer, long long and double arguments back, directly,
    through va_copy and through a va_list passed on."""
    _, emulated = run_on_core(tmp_path, 'varargs')
    assert (emulated.returncode, emulated.stdout) == (0, 'varargs: ok\n')


def test_firmware_runtime_matches_the_host_hardware(tmp_path):
    """The float division and conversions the emulated board's firmware
    gets from boards/xtensa/libc_xtensa.c round exactly as IEEE hardware."""
    exe = tmp_path / 'libc_check'
    subprocess.run(['gcc', '-O2', '-std=gnu99', '-o', str(exe), str(BOARD / 'libc_check.c'), '-lm'],
                   check=True)
    words = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split()
    counts = dict(zip(words[:-3:2], map(int, words[1:-3:2])))
    assert set(counts) >= {'div', 'trunc', 'extend', 'fmod', 'floor', 'nearbyint', 'udivdi3'}
    assert not any(counts.values()), counts
    assert words[-3:-1] == ['pow10', 'worst'] and float(words[-1]) < 2.5e-7
