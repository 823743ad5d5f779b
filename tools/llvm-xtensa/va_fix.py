#!/usr/bin/env python3
"""Rewrite LLVM IR so that variadic functions work when llc 22 compiles them
for the Xtensa windowed ABI (esp32).

llc 22 lowers `llvm.va_start` wrongly for Xtensa: it saves the incoming
argument registers after setting up the frame pointer in a7 (so the saved
a7 is the stack pointer, not the argument) and points va_list.va_reg at the
save slot of a3 while va_ndx is 4 * (named arguments), so the first va_arg
reads the second variadic argument. Its `va_arg` is wrong for arguments on
the stack: it adds 40 to va_ndx for each one (instead of moving the first
to va_stk + 32 and the next ones by their size). Its va_copy (a 12-byte
copy) is right. The va_list is the ABI's {int *va_stk; int *va_reg; int
va_ndx} (as GCC builds it). This rewrite
- renames the body of each variadic function F(named..., ...) to
  `F.vabody(named..., ptr %va.in)`, a normal function whose va_start(ap)
  becomes va_copy(ap, va.in);
- defines F as an assembly stub (module asm) that spills a2..a7 to its
  frame, builds a correct va_list there (va_reg = the a2 slot, va_ndx =
  4 * named words, va_stk = incoming stack arguments - 32) and calls
  F.vabody with the named arguments and the va_list's address;
- replaces every `va_arg` (in any function: mp_vprintf takes a va_list)
  by explicit loads: round va_ndx up to the type's alignment, add the
  size; if it passes 24 (6 register words) the argument is on the stack
  (the first at va_stk + 32).

Named arguments must be 32-bit (int, pointer): at most 5 of them. va_arg types:
i32, ptr, i64, double. Anything else stops the build with a message. IR
without variadic definitions or va_arg passes through unchanged (the
modules have none).

Usage: va_fix.py IN.ll OUT.ll
"""
import re
import sys

DEFINE = re.compile(r'^define (?P<prefix>.*?)@(?P<name>[-\w.$]+|"[^"]+")\((?P<params>.*), \.\.\.\)(?P<attrs>.*)\{$')
VA_ARG = re.compile(r'^(\s*)(%[-\w.$]+) = va_arg ptr (%[-\w.$]+), (i32|ptr|i64|double)$')
# size and alignment of each va_arg type
VA_TYPES = {'i32': (4, 4), 'ptr': (4, 4), 'i64': (8, 8), 'double': (8, 8)}
VA_START = re.compile(r'^(\s*)call void @llvm\.va_start(?:\.p0)?\(ptr (?:nonnull )?(%[-\w.$]+)\)$')
WORD_TYPES = ('i32', 'ptr')
RET_TYPES = ('void', 'i32', 'ptr', 'i64', 'float', 'double', 'i8', 'i16', 'i1')
LINKAGES = ('private', 'internal', 'weak', 'weak_odr', 'linkonce', 'linkonce_odr', 'common',
            'extern_weak', 'available_externally')

# The stub's frame (entry a1, FRAME): va_list at sp+0, a2..a7 at sp+16..39;
# the top 32 bytes are left to the callee's window spills (extra save area
# of a call8 frame and the base save area), as llc's own frames do.
FRAME = 80
VA_LIST = 0
REG_SAVE = 16


def split_params(text):
    """Top-level comma-separated parameters."""
    out, depth, start = [], 0, 0
    for i, c in enumerate(text):
        if c in '([{<':
            depth += 1
        elif c in ')]}>':
            depth -= 1
        elif c == ',' and depth == 0:
            out.append(text[start:i].strip())
            start = i + 1
    out.append(text[start:].strip())
    return [p for p in out if p]


def stub(name, nnamed, is_global):
    lines = []
    if is_global:
        lines.append(f'\t.global\t{name}')
    lines += [f'\t.section\t.text.{name},"ax",@progbits',
              '\t.p2align\t2',
              f'\t.type\t{name},@function',
              f'{name}:',
              f'\tentry\ta1, {FRAME}']
    for i in range(6):
        lines.append(f'\ts32i\ta{2 + i}, a1, {REG_SAVE + 4 * i}')
    lines += [f'\taddi\ta8, a1, {FRAME - 32}',  # va_stk: the caller's sp - 32
              f'\ts32i\ta8, a1, {VA_LIST}',
              f'\taddi\ta8, a1, {REG_SAVE}',  # va_reg: where a2 is saved
              f'\ts32i\ta8, a1, {VA_LIST + 4}',
              f'\tmovi\ta8, {4 * nnamed}',  # va_ndx: past the named words
              f'\ts32i\ta8, a1, {VA_LIST + 8}']
    for i in range(nnamed):
        lines.append(f'\tmov\ta{10 + i}, a{2 + i}')
    lines += [f'\taddi\ta{10 + nnamed}, a1, {VA_LIST}',
              '\tj\t1f',  # the body's address, as a literal before its l32r
              '\t.p2align\t2',
              f'2:\t.long\t{name}.vabody',
              '1:\tl32r\ta8, 2b',
              '\tcallx8\ta8',
              '\tmov\ta2, a10',
              '\tmov\ta3, a11',
              '\tretw',
              f'\t.size\t{name}, . - {name}',
              '\t.text']
    return lines


def va_arg(indent, result, ap, ty, n):
    """Explicit IR for `result = va_arg ptr ap, ty` (the ABI's algorithm: an
    argument that does not fit in the 6 register words goes on the stack,
    whose first argument is at va_stk + 32)."""
    size, align = VA_TYPES[ty]
    t = f'%va.{n}.'
    ir = [f'{t}ndxp = getelementptr inbounds i8, ptr {ap}, i32 8',
          f'{t}ndx0 = load i32, ptr {t}ndxp, align 4']
    if align > 4:
        ir += [f'{t}ndx1 = add i32 {t}ndx0, {align - 1}',
               f'{t}ndx = and i32 {t}ndx1, {-align}']
    else:
        ir += [f'{t}ndx = add i32 {t}ndx0, 0']
    ir += [f'{t}new = add i32 {t}ndx, {size}',
           f'{t}inreg = icmp sle i32 {t}new, 24',
           f'{t}first = icmp sle i32 {t}ndx, 24',
           f'{t}stknew = select i1 {t}first, i32 {32 + size}, i32 {t}new',
           f'{t}fin = select i1 {t}inreg, i32 {t}new, i32 {t}stknew',
           f'store i32 {t}fin, ptr {t}ndxp, align 4',
           f'{t}regp = getelementptr inbounds i8, ptr {ap}, i32 4',
           f'{t}reg = load ptr, ptr {t}regp, align 4',
           f'{t}stk = load ptr, ptr {ap}, align 4',
           f'{t}base = select i1 {t}inreg, ptr {t}reg, ptr {t}stk',
           f'{t}off = sub i32 {t}fin, {size}',
           f'{t}addr = getelementptr i8, ptr {t}base, i32 {t}off',
           f'{result} = load {ty}, ptr {t}addr, align 4']
    return [f'{indent}{x}\n' for x in ir]


def rewrite(lines):
    out, stubs, decls = [], [], []
    in_variadic = False
    n_va_arg = 0
    seen_copy_decl = any(line.startswith('declare void @llvm.va_copy.p0(') for line in lines)
    for line in lines:
        text = line.rstrip('\n')
        m = DEFINE.match(text)
        if m:
            name = m['name']
            prefix_words = m['prefix'].split()
            if set(prefix_words) & {'private', 'internal'}:
                raise SystemExit(f'va_fix.py: static variadic function {name} is not supported')
            if set(prefix_words) & set(LINKAGES):
                raise SystemExit(f'va_fix.py: variadic function {name}: linkage not supported')
            ret = prefix_words[-1] if prefix_words else ''
            if ret not in RET_TYPES:
                raise SystemExit(f'va_fix.py: variadic function {name} returns {ret!r}: not supported')
            params = split_params(m['params'])
            types = [p.split()[0] for p in params]
            if any(t not in WORD_TYPES for t in types) or len(types) > 5:
                raise SystemExit(f'va_fix.py: variadic function {name}({", ".join(types)}, ...): '
                                 'only up to 5 int/pointer named arguments are supported')
            out.append(f'define {m["prefix"]}@{name}.vabody({m["params"]}, ptr %va.in){m["attrs"]}{{\n')
            decls.append(f'declare {ret} @{name}({", ".join(types)}, ...)\n')
            stubs += stub(name, len(types), True)
            in_variadic = True
            continue
        a = VA_ARG.match(text)
        if a:
            out += va_arg(a[1], a[2], a[3], a[4], n_va_arg)
            n_va_arg += 1
            continue
        if in_variadic:
            if text == '}':
                in_variadic = False
            v = VA_START.match(text)
            if v:
                out.append(f'{v[1]}call void @llvm.va_copy.p0(ptr {v[2]}, ptr %va.in)\n')
                continue
        if ' = va_arg ' in text or (text.startswith('define ') and '...)' in text) \
                or 'call void @llvm.va_start' in text:
            raise SystemExit(f'va_fix.py: not supported: {text.strip()}')
        out.append(line)
    if not stubs and not n_va_arg:
        return lines
    if not seen_copy_decl:
        decls.append('declare void @llvm.va_copy.p0(ptr, ptr)\n')
    asm = ['module asm "' + s.replace('\\', '\\5C').replace('"', '\\22') + '"\n' for s in stubs]
    return out + decls + asm


def main(argv):
    from fp_select import filter_ir   # this script's folder is on sys.path
    return filter_ir(rewrite, argv)


if __name__ == '__main__':
    sys.exit(main(sys.argv))
