"""Xtensa objects from LLVM in the form MicroPython 1.23's mpy_ld reads.

Both GNU as and LLVM's assembler write a literal pool (.literal) whose
words point at other sections through R_XTENSA_32 relocations. For a pointer
into a section (a string in .rodata, say), GNU as stores the offset in the
literal word and leaves the relocation's addend 0; LLVM stores 0 in the word
and the offset in the addend. mpy_ld 1.23 reads only the first form (it
asserts r_addend == 0). The sum is the same, so moving each such addend into
its word gives an object that means the same and that mpy_ld links.
"""
import io
import struct

from elftools.elf.elffile import ELFFile

R_XTENSA_32 = 1
RELA_ENTRY = struct.Struct('<IIi')


def literal_addends_to_words(data):
    """The object `data` (bytes) with section-relative literal addends moved
    into the literal words; unchanged when there are none."""
    elf = ELFFile(io.BytesIO(data))
    if elf['e_machine'] != 'EM_XTENSA':
        return data
    out = bytearray(data)
    symtab = elf.get_section_by_name('.symtab')
    for rela in elf.iter_sections():
        if rela['sh_type'] != 'SHT_RELA':
            continue
        target = elf.get_section(rela['sh_info'])
        if not target.name.startswith('.literal'):
            continue
        for i in range(rela.num_relocations()):
            at = rela['sh_offset'] + i * RELA_ENTRY.size
            offset, info, addend = RELA_ENTRY.unpack_from(out, at)
            sym = symtab.get_symbol(info >> 8)
            if (info & 0xff) != R_XTENSA_32 or addend == 0 \
                    or sym['st_info']['type'] != 'STT_SECTION':
                continue
            word = target['sh_offset'] + offset
            value = struct.unpack_from('<I', out, word)[0]
            struct.pack_into('<I', out, word, (value + addend) & 0xffffffff)
            RELA_ENTRY.pack_into(out, at, offset, info, 0)
    return bytes(out)
