"""Show what a .mpy file is built for: format version, arch, float ABI, names.

A .mpy starts with 4 bytes: b'M', the format version, a feature byte
(arch << 2 | sub-version) and the small-int bit width. Then come the qstr
table (the names the module uses) and, for a native module, its machine code
with the sizes of its text, rodata and bss.
"""
import importlib.util
import json
from pathlib import Path

from .abi import ARCHS, BY_CODE, MPY_ABI, SUPPORTED_VERSIONS, mpy_dir

ARCH_CODES = {a.name: a.code for a in ARCHS.values()}

CODE_KINDS = {0: 'bytecode', 1: 'native', 2: 'native (viper/natmod)', 3: 'asm'}
SCOPE_RODATA, SCOPE_BSS = 0x20, 0x40


class MpyError(ValueError):
    """The file is not a .mpy this inspector understands."""


def mpy_value(version, sub_version, arch_code):
    """sys.implementation._mpy as a board with this format and arch reports it."""
    return version | (sub_version | arch_code << 2) << 8


def decode_mpy_value(value):
    """(version, sub_version, arch name) from sys.implementation._mpy."""
    code = value >> 10
    name = BY_CODE[code].name if code in BY_CODE else f'unknown arch {code}'
    return value & 0xFF, (value >> 8) & 3, name


def _static_qstrs():
    """MicroPython's static qstr list (ABI-defined), from the build's MPY_DIR."""
    path = mpy_dir() / 'py' / 'makeqstrdata.py'
    if path.exists():
        spec = importlib.util.spec_from_file_location('_eml_makeqstrdata', path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return list(module.static_qstr_list)
    return None


class _Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def byte(self):
        if self.pos >= len(self.data):
            raise MpyError('truncated file')
        self.pos += 1
        return self.data[self.pos - 1]

    def uint(self):
        value = 0
        while True:
            b = self.byte()
            value = value << 7 | (b & 0x7F)
            if not b & 0x80:
                return value

    def bytes(self, n):
        if self.pos + n > len(self.data):
            raise MpyError('truncated file')
        self.pos += n
        return self.data[self.pos - n:self.pos]


def parse_header(data):
    """The 4-byte header: format version, sub-version, arch (raises MpyError)."""
    if len(data) < 4 or data[0] != ord('M'):
        raise MpyError('not a .mpy file (no "M" magic byte)')
    version, feature, int_bits = data[1], data[2], data[3]
    arch_code = feature >> 2
    arch = BY_CODE.get(arch_code)
    name = arch.name if arch else f'unknown arch {arch_code}'
    return {'version': version, 'sub_version': feature & 3, 'abi': f'{version}.{feature & 3}',
            'arch': name, 'arch_code': arch_code,
            'float_abi': arch and arch.float_abi, 'float_bits': arch and arch.float_bits, 'small_int_bits': int_bits}


def parse(data, static_qstrs=None):
    """A dict describing a .mpy file's contents (raises MpyError)."""
    info = parse_header(data)
    version = info['version']
    if version != 6:
        return info
    r = _Reader(data)
    r.pos = 4
    n_qstr, n_obj = r.uint(), r.uint()
    names = []
    for _ in range(n_qstr):
        v = r.uint()
        if v & 1:
            index = (v >> 1) - 1
            ok = static_qstrs and 0 <= index < len(static_qstrs)
            names.append(static_qstrs[index] if ok else f'<static qstr {index}>')
        else:
            names.append(r.bytes((v >> 1) + 1)[:-1].decode('utf-8', 'replace'))
    info['source'], info['names'] = (names[0], names[1:]) if names else ('', [])
    if n_obj == 0:
        kind_len = r.uint()
        info['code'] = CODE_KINDS.get(kind_len & 7, f'kind {kind_len & 7}')
        if kind_len & 7 == 2:
            info['text_bytes'] = kind_len >> 3
            r.bytes(kind_len >> 3)
            flags = r.uint()
            info['rodata_bytes'] = r.uint() if flags & SCOPE_RODATA else 0
            info['bss_bytes'] = r.uint() if flags & SCOPE_BSS else 0
    return info


def inspect_file(path, static_qstrs=None):
    info = parse(Path(path).read_bytes(), static_qstrs)
    info['file'] = str(path)
    info['bytes'] = Path(path).stat().st_size
    return info


def describe(info):
    """Human-readable lines for one inspected file."""
    cores = ARCHS[info['arch']].cores if info['arch'] in ARCHS else ''
    ok = (info['version'], info['sub_version']) == MPY_ABI
    lines = [info['file'],
             f"  format   .mpy {info['abi']}" + (f' ({SUPPORTED_VERSIONS})' if ok else ''),
             f"  arch     {info['arch']}" + (f': {cores}' if cores else '')]
    if info.get('float_abi'):
        lines.append(f"  floats   {info['float_abi']} float ABI, {info['float_bits']}-bit")
    if 'text_bytes' in info:
        lines.append(f"  code     {info['text_bytes']} bytes text, {info['rodata_bytes']} rodata, "
                     f"{info['bss_bytes']} bss ({info['bytes']} bytes file)")
    if info.get('names'):
        lines.append(f"  names    {' '.join(info['names'])}")
    return lines


def add_arguments(parser):
    parser.add_argument('files', nargs='+', help='.mpy files (or folders of them)')
    parser.add_argument('--json', action='store_true', help='one JSON object per file')


def main(args):
    static = _static_qstrs()
    paths = []
    for f in args.files:
        p = Path(f)
        paths += sorted(p.rglob('*.mpy')) if p.is_dir() else [p]
    status = 0
    for path in paths:
        try:
            info = inspect_file(path, static)
        except (OSError, MpyError) as e:
            print(f'{path}: {e}')
            status = 1
            continue
        print(json.dumps(info) if args.json else '\n'.join(describe(info)))
    return status
