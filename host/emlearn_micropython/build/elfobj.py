"""Reading a static library (GNU ar with its symbol index) and relocatable
ELF objects: which symbols each defines and needs, and whether MicroPython's
mpy_ld can link it."""
import io

from elftools.elf.elffile import ELFFile

# Relocation types (by ELF machine) that mpy_ld 1.23 handles in .text/.rodata.
TEXT_RELOCS = {
    'EM_ARM': {3, 10, 25, 26, 30},      # REL32, THM_CALL, BASE_PREL, GOT_BREL, THM_JUMP24
    'EM_X86_64': {2, 4, 9, 42},         # PC32, PLT32, GOTPCREL, REX_GOTPCRELX
    'EM_386': {2, 3, 4, 10, 43},        # PC32, GOT32, PLT32, GOTPC, GOT32X
}


class ArchiveError(Exception):
    """Not a library this reader understands."""


def read_archive(path):
    """An ar archive (GNU format): ({member name: bytes}, {symbol: [member names]}).

    The symbol map comes from the archive's own index, so only the members
    that are actually needed get parsed as ELF.
    """
    with open(path, 'rb') as f:
        data = f.read()
    if not data.startswith(b'!<arch>\n'):
        raise ArchiveError(f'{path}: not an ar archive')
    members, by_offset, index, long_names, pos = {}, {}, b'', b'', 8
    while pos + 60 <= len(data):
        header = data[pos:pos + 60]
        name = header[:16].decode().rstrip()
        size = int(header[48:58].decode().strip())
        body = data[pos + 60:pos + 60 + size]
        if name == '//':
            long_names = body
        elif name == '/':
            index = body
        elif name.startswith('/') and name[1:].isdigit():
            start = int(name[1:])
            name = long_names[start:long_names.index(b'/\n', start)].decode()
            members[name], by_offset[pos] = body, name
        else:
            members[name.rstrip('/')], by_offset[pos] = body, name.rstrip('/')
        pos += 60 + size + (size & 1)
    symbols = {}
    if index:
        count = int.from_bytes(index[:4], 'big')
        names = index[4 + 4 * count:].split(b'\0')
        for i in range(count):
            offset = int.from_bytes(index[4 + 4 * i:8 + 4 * i], 'big')
            symbols.setdefault(names[i].decode(), []).append(by_offset[offset])
    return members, symbols


class Library:
    """libgcc.a: members parsed as ELF only when a symbol leads to them."""

    def __init__(self, path=None):
        self.raw, self.symbols, self._elf = ({}, {}, {}) if not path else (*read_archive(path), {})

    def member(self, name):
        if name not in self._elf:
            self._elf[name] = Elf(name, self.raw[name])
        return self._elf[name]

    def find(self, symbol):
        """(member name, Elf) defining the symbol, strongly if any member does;
        (None, None) when none does."""
        names = self.symbols.get(symbol, [])
        for name in names:
            if symbol in self.member(name).defined:
                return name, self.member(name)
        return (names[0], self.member(names[0])) if names else (None, None)


class Elf:
    """The symbols and linkability of one relocatable object."""

    def __init__(self, name, data):
        self.name = name
        elf = ELFFile(io.BytesIO(data))
        self.machine = elf['e_machine']
        self.defined, self.weak, self.undefined = set(), set(), set()
        symtab = elf.get_section_by_name('.symtab')
        for sym in symtab.iter_symbols() if symtab else ():
            bind = sym['st_info']['bind']
            if not sym.name or bind == 'STB_LOCAL':
                continue
            if sym['st_shndx'] == 'SHN_UNDEF':
                self.undefined.add(sym.name)
            elif bind == 'STB_WEAK':
                self.weak.add(sym.name)
            else:
                self.defined.add(sym.name)
        self.problems = self._problems(elf)

    def _problems(self, elf):
        """Why mpy_ld could not link this object (empty when it can)."""
        problems = []
        allowed = TEXT_RELOCS.get(self.machine)
        for sec in elf.iter_sections():
            name = sec.name
            if sec['sh_type'] in ('SHT_PROGBITS', 'SHT_NOBITS') and sec.data_size:
                if name.startswith(('.data', '.bss')) and not name.startswith('.data.rel.ro'):
                    problems.append(f'writable data in {name}')
            if sec['sh_type'] in ('SHT_REL', 'SHT_RELA') and allowed:
                target = elf.get_section(sec['sh_info']).name
                if not target.startswith(('.text', '.rodata')):
                    continue
                bad = {r['r_info_type'] for r in sec.iter_relocations()} - allowed
                if bad:
                    problems.append(f'relocation types {sorted(bad)} in {target}, which mpy_ld '
                                    f'cannot apply (e.g. absolute addresses in a jump table)')
        return problems
