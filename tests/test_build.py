"""The build links what soft-float ARM code needs, and fails naming the
symbol (and what to change in the C) when it cannot."""
import subprocess
from pathlib import Path

import pytest

from emlearn_micropython.build import inspect_mpy
from emlearn_micropython.build.toolchains import missing
from emlearn_micropython.targets.unix import UnixTarget

TOP = Path(__file__).resolve().parents[1]

HEAD = '''#include "py/dynruntime.h"
static const mp_obj_fun_builtin_fixed_t run_obj;
mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {
    MP_DYNRUNTIME_INIT_ENTRY
    mp_store_global(MP_QSTR_run, MP_OBJ_FROM_PTR(&run_obj));
    MP_DYNRUNTIME_INIT_EXIT
}
'''
RUN = '''static mp_obj_t run(mp_obj_t a_in, mp_obj_t b_in) {
    float a = (float)mp_obj_get_float(a_in);
    mp_int_t b = mp_obj_get_int(b_in);
    %s
}
static MP_DEFINE_CONST_FUN_OBJ_2(run_obj, run);
'''
# Float multiply/add/compare, int<->float, integer division and modulo.
ALLOWED = ('float acc = 0.5f;\n'
           '    for (mp_int_t k = 0; k < b; k++) {\n'
           '        acc = acc * a + (float)(k % 7) - (float)(k / 3);\n'
           '        if (acc > 100.0f || acc <= -100.0f) { acc = acc * 0.25f; }\n'
           '    }\n'
           '    mp_obj_t out[2] = {mp_obj_new_float(acc), mp_obj_new_int((mp_int_t)acc / b)};\n'
           '    return mp_obj_new_list(2, out);')


def build(tmp_path, arch, source, name='probe'):
    if missing(arch):
        pytest.skip(f'{arch}: {missing(arch)}')
    src = tmp_path / name
    src.mkdir(exist_ok=True)
    (src / f'{name}.c').write_text(source)
    (src / 'Makefile').write_text(f'MOD = {name}\nSRC = {name}.c\nTOP = {TOP}\n'
                                  f'include {TOP}/src/natmod.mk\n')
    proc = subprocess.run(['make', '-s', f'ARCH={arch}', f'BUILD_ROOT={tmp_path}/build',
                           f'DIST_ROOT={tmp_path}/dist'], cwd=src, capture_output=True, text=True)
    out = tmp_path / 'dist' / f'{arch}_6.3' / f'{name}.mpy'
    return proc, out


@pytest.mark.parametrize('arch', ['armv6m', 'armv7m', 'armv7emsp', 'x64'])
def test_float_and_integer_division_helpers_link(tmp_path, arch):
    proc, out = build(tmp_path, arch, HEAD + RUN % ALLOWED)
    assert proc.returncode == 0, proc.stderr
    info = inspect_mpy.inspect_file(out)
    assert (info['arch'], info['abi']) == (arch, '6.3')
    helpers = (tmp_path / 'build' / arch / 'probe' / 'probe.mpy.helpers').read_text()
    if arch == 'armv6m':
        for member in ('mulsf3', 'addsf3', 'floatsisf', 'fixsfsi', '_divsi3', '__aeabi_idiv0'):
            assert member in helpers
    if arch == 'armv7emsp':
        assert 'sf3' not in helpers          # hardware floats: no soft-float helpers
    if arch == 'x64':
        script = 'import probe\nprint(probe.run(1.01, 50))'
        target = UnixTarget()
        res = subprocess.run([target.micropython, '-c', script], capture_output=True, text=True,
                             env={'MICROPYPATH': str(out.parent)}, cwd='/')
        assert res.returncode == 0 and res.stdout.startswith('['), res.stderr


def test_float_division_fails_on_armv6m_naming_the_symbol(tmp_path):
    proc, out = build(tmp_path, 'armv6m', HEAD + RUN % 'return mp_obj_new_float(a / (float)b);')
    assert proc.returncode != 0 and not out.exists()
    assert '__aeabi_fdiv' in proc.stderr and 'float division' in proc.stderr
    assert 'divsf3' in proc.stderr


def test_float_division_links_where_the_hardware_divides(tmp_path):
    proc, out = build(tmp_path, 'armv7emsp', HEAD + RUN % 'return mp_obj_new_float(a / (float)b);')
    assert proc.returncode == 0, proc.stderr


def test_libm_call_fails_naming_the_function(tmp_path):
    source = HEAD.replace('#include "py/dynruntime.h"',
                          '#include "py/dynruntime.h"\nfloat sqrtf(float);')
    proc, out = build(tmp_path, 'armv7emsp', source + RUN % 'return mp_obj_new_float(sqrtf(a) + b);')
    assert proc.returncode != 0
    assert 'sqrtf' in proc.stderr and 'libm' in proc.stderr


def test_mpy_init_after_3_kb_of_code_links_on_armv6m(tmp_path):
    """mpy_init after 3 KB of other code (as when gcc keeps header functions
    out of line): out of reach of mpy_ld's 2 KB entry branch, but the entry
    object linked first calls it. (This probe ran on the emulated M3 with
    the same float32 results as numpy.)"""
    body = ''.join(f'static mp_obj_t f{i}(mp_obj_t a_in, mp_obj_t b_in) {{\n'
                   f'    float a = (float)mp_obj_get_float(a_in);\n'
                   f'    mp_int_t b = mp_obj_get_int(b_in);\n'
                   f'    {ALLOWED.replace("0.5f", f"{i}.5f")}\n}}\n'
                   f'static MP_DEFINE_CONST_FUN_OBJ_2(f{i}_obj, f{i});\n' for i in range(12))
    stores = ''.join(f'    mp_store_global(MP_QSTR_f{i}, MP_OBJ_FROM_PTR(&f{i}_obj));\n'
                     for i in range(12))
    init = HEAD.split('mp_obj_t mpy_init')[1]
    init = init.replace('    mp_store_global(MP_QSTR_run, MP_OBJ_FROM_PTR(&run_obj));\n', stores)
    source = '#include "py/dynruntime.h"\n' + body + 'mp_obj_t mpy_init' + init
    proc, out = build(tmp_path, 'armv6m', source)
    assert proc.returncode == 0, proc.stderr
    assert inspect_mpy.inspect_file(out)['text_bytes'] > 3000
    obj = tmp_path / 'build' / 'armv6m' / 'probe' / 'link' / 'probe.o'
    nm = subprocess.run(['arm-none-eabi-nm', str(obj)], capture_output=True, text=True).stdout
    assert ' T natmod_mpy_init' in nm and ' mpy_init' not in nm


def test_missing_compiler_is_explained(tmp_path, monkeypatch):
    assert missing('x64') == ''     # gcc builds the unix port's modules
    assert 'unknown arch' in missing('z80')
    monkeypatch.setenv('PATH', str(tmp_path))   # no compiler at all
    assert 'xtensa-esp32-elf-gcc not on PATH' in missing('xtensawin')
    assert 'ESP-IDF' in missing('xtensawin')
    assert 'arm-none-eabi-gcc not on PATH' in missing('armv6m')


def test_library_index_prefers_the_strong_definition():
    """armv7m's libgcc names __aeabi_fmul first in a member that defines it
    only weakly; the link must take the member that defines it for real."""
    from emlearn_micropython.build import elfobj
    if missing('armv7m'):
        pytest.skip(missing('armv7m'))
    path = subprocess.run(['arm-none-eabi-gcc', '-mthumb', '-mcpu=cortex-m3',
                           '-print-libgcc-file-name'], capture_output=True, text=True).stdout
    lib = elfobj.Library(path.strip())
    assert len(lib.symbols['__aeabi_fmul']) > 1
    member, elf = lib.find('__aeabi_fmul')
    assert member == '_arm_muldivsf3.o' and '__aeabi_fmul' in elf.defined
    assert lib.find('no_such_symbol') == (None, None)
