#!/usr/bin/env python3
"""Rewrite LLVM IR so that llc 22 for Xtensa does not crash on it.

llc-22 -march=xtensa aborts with "Cannot select: XtensaISD::PCREL_WRAPPER
TargetConstantPool<[2 x float] ...>" on any select between two float
constants (`c ? 0.5f : -0.5f`): a DAG combine turns it into a load from a
two-entry constant pool indexed by the condition, which the Xtensa backend
cannot address. Selecting the constants' bit patterns as integers and
bitcasting the result means the same and compiles (to moveqz/branches).

Usage: fp_select.py IN.ll OUT.ll
"""
import re
import struct
import sys

SELECT = re.compile(r'^(\s*)(%[-\w.$]+) = select (?:\w+ )*i1 ([^,]+), '
                    r'float ([-+0-9.eE]+|0x[0-9A-Fa-f]{16}), float ([-+0-9.eE]+|0x[0-9A-Fa-f]{16})$')


def float_bits(text):
    """The float32 bit pattern of an LLVM IR float constant (decimal or the
    exact double hex form LLVM prints)."""
    value = struct.unpack('<d', int(text, 16).to_bytes(8, 'little'))[0] \
        if text.startswith('0x') else float(text)
    return struct.unpack('<i', struct.pack('<f', value))[0]


def rewrite(lines):
    out, count = [], 0
    for line in lines:
        m = SELECT.match(line.rstrip('\n'))
        if not m:
            out.append(line)
            continue
        indent, name, cond, a, b = m.groups()
        tmp = f'%fp_select.{count}'
        count += 1
        out.append(f'{indent}{tmp} = select i1 {cond}, i32 {float_bits(a)}, i32 {float_bits(b)}\n')
        out.append(f'{indent}{name} = bitcast i32 {tmp} to float\n')
    return out


def filter_ir(rewrite, argv):
    """argv IN.ll OUT.ll: OUT is IN's lines through rewrite (here and in va_fix.py)."""
    with open(argv[1]) as f:
        lines = f.readlines()
    with open(argv[2], 'w') as f:
        f.writelines(rewrite(lines))
    return 0


def main(argv):
    return filter_ir(rewrite, argv)


if __name__ == '__main__':
    sys.exit(main(sys.argv))
