#!/usr/bin/env python3
"""Clear the offset field of relocated l32r instructions in an Xtensa object
written by llvm-mc 22.

llvm-mc leaves 0xffff in the 16-bit offset of an `l32r` whose literal is
reached through an R_XTENSA_SLOT0_OP relocation (RELA: the field's content
should not matter), where GNU as leaves 0. MicroPython's mpy_ld adds the
field's content to the offset it computes, so with 0xffff every l32r of a
native module pointed 48K words (196 KB) below its literal: the first load
from the module's GOT read garbage and the emulated board stopped at an
illegal instruction. Zeroing the field gives what mpy_ld expects.

Usage: l32r_zero.py OBJ   (rewritten in place)
"""
import struct
import sys

SHT_RELA = 4
R_XTENSA_SLOT0_OP = 20


def fix(data):
    assert data[:4] == b'\x7fELF' and data[4] == 1 and data[5] == 1, 'ELF32 little-endian expected'
    shoff, = struct.unpack_from('<I', data, 0x20)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', data, 0x2e)
    sections = [struct.unpack_from('<IIIIIIIIII', data, shoff + i * shentsize) for i in range(shnum)]
    strtab_off = sections[shstrndx][4]

    def name(sec):
        end = data.index(b'\0', strtab_off + sec[0])
        return data[strtab_off + sec[0]:end].decode()

    count = 0
    for sec in sections:
        if sec[1] != SHT_RELA:
            continue
        target = sections[sec[7]]  # sh_info: the section relocated
        if not name(target).startswith('.text'):
            continue
        for off in range(sec[4], sec[4] + sec[5], 12):
            r_offset, r_info, _ = struct.unpack_from('<IIi', data, off)
            if r_info & 0xff != R_XTENSA_SLOT0_OP:
                continue
            at = target[4] + r_offset
            if data[at] & 0xf == 1:  # l32r (RI16)
                data[at + 1] = data[at + 2] = 0
                count += 1
    return count


def main(argv):
    with open(argv[1], 'rb') as f:
        data = bytearray(f.read())
    fix(data)
    with open(argv[1], 'wb') as f:
        f.write(data)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
