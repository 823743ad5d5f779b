#!/usr/bin/env python3
"""Link a native module's objects into a .mpy, adding the libgcc helpers.

Soft-float ARM code (armv6m, armv7m) turns float arithmetic, float<->int
conversions and integer division into calls to compiler helpers such as
__aeabi_fmul or __aeabi_idiv. MicroPython 1.23's mpy_ld links only the
object files it is given and does not search libraries, so this front end:

1. lists the global symbols the module objects leave undefined, minus the
   ones mpy_ld resolves itself (mp_fun_table and friends);
2. finds the libgcc.a members that define them, then the members those need,
   until nothing new is needed;
3. checks that each member is something mpy_ld can link (only relocation
   types it knows, no writable data) and fails naming the symbol otherwise;
4. runs mpy_ld with the module objects FIRST (on armv6m our entry object
   goes before them: its mpy_init, at the very start of the text where the
   2 KB entry branch surely reaches, calls the module's, which is renamed),
   then the members, then our
   small run-time object (src/natmod_runtime.c: __aeabi_idiv0, which libgcc
   defines only weakly and mpy_ld ignores weak definitions; memset and
   friends, which native modules otherwise lack) when something needs it.

Run from src/natmod.mk as `python -m emlearn_micropython.build.natmod_link`
(needs pyelftools).
"""
import argparse
import os
import re
import subprocess
import sys

from .elfobj import ArchiveError, Elf, Library

# Undefined symbols that mpy_ld resolves without any object defining them.
MPY_LD_PROVIDES = {
    '_GLOBAL_OFFSET_TABLE_', 'mp_fun_table', 'mp_native_qstr_table', 'mp_native_obj_table',
    'mp_type_type', 'mp_type_str', 'mp_type_list', 'mp_type_dict',
    'mp_type_fun_builtin_0', 'mp_type_fun_builtin_1', 'mp_type_fun_builtin_2',
    'mp_type_fun_builtin_3', 'mp_type_fun_builtin_var', 'mp_type_Exception',
    'mp_stream_read_obj', 'mp_stream_readinto_obj', 'mp_stream_unbuffered_readline_obj',
    'mp_stream_write_obj',
}

# What a helper symbol usually means in the C source, for error messages.
HINTS = [
    (r'^__aeabi_fdiv$|^__divsf3$', 'float division: multiply by a reciprocal computed '
     'in Python or on the host instead (float division is banned in our C)'),
    (r'^__aeabi_d|^__.*df[23]$|^__.*df$', 'double-precision arithmetic: a double constant '
     '(write 0.5f, not 0.5) or a double variable in float code'),
    (r'^(mem|str)', 'a C library function: native modules have no libc; gcc emits '
     'memset/memcpy for big struct initialisers and copies, so fill them field by field'),
    (r'f$|^(sqrt|exp|log|pow|sin|cos|tan|atan|floor|ceil|fabs|round)', 'a libm function: '
     'native modules cannot call libm; write it with + - * and compares'),
]


class LinkFailure(Exception):
    """The module cannot be linked; the message says why and what to change."""


def hint(symbol):
    for pattern, text in HINTS:
        if re.search(pattern, symbol):
            return text
    return 'not a libgcc helper'


def resolve(objects, library, runtime=frozenset()):
    """The library members the objects need, in a fixed order.

    objects: list of Elf (the module); library: Library;
    runtime: the names our run-time object defines (used before libgcc's).
    Returns (members, runtime names used). Raises LinkFailure naming the
    symbol when a needed symbol is nowhere or its member cannot be linked.
    """
    have = set().union(*(o.defined | o.weak for o in objects))
    wanted = [(s, o.name) for o in objects for s in sorted(o.undefined)]
    chosen, used = [], set()
    while wanted:
        sym, user = wanted.pop(0)
        if sym in have or sym in MPY_LD_PROVIDES:
            continue
        if sym in runtime:
            used.add(sym)
            continue
        member, elf = library.find(sym)
        if member is None or sym not in elf.defined:
            where = f'only weakly in {member}' if member else 'nowhere in libgcc'
            raise LinkFailure(f'{user} needs {sym}, defined {where}: {hint(sym)}')
        if elf.problems:
            raise LinkFailure(f'{user} needs {sym} ({hint(sym)}); it comes from libgcc member '
                              f'{member}, which MicroPython\'s mpy_ld cannot link: '
                              f'{"; ".join(elf.problems)}')
        chosen.append(member)
        have |= elf.defined | elf.weak
        wanted += [(s, member) for s in sorted(elf.undefined)]
    return chosen, sorted(used)


def with_entry(args, helper_dir):
    """The object paths, with our entry object first when one is given.

    armv6m's entry branch reaches only 2 KB, and static functions of the
    included headers that gcc did not inline come before mpy_init. So the
    module's mpy_init is renamed to natmod_mpy_init (objcopy) and the entry
    object (src/natmod_entry.c), whose mpy_init calls it, goes first.
    """
    first = args.objects[0]
    if not args.entry:
        return list(args.objects)
    renamed = os.path.join(helper_dir, os.path.basename(first))
    proc = subprocess.run([args.objcopy, '--redefine-sym', 'mpy_init=natmod_mpy_init',
                           first, renamed], capture_output=True, text=True)
    if proc.returncode != 0:
        raise LinkFailure(f'{args.objcopy} failed: {proc.stderr.strip()}')
    return [args.entry, renamed] + list(args.objects[1:])


def link(args):
    first = Elf(os.path.basename(args.objects[0]), open(args.objects[0], 'rb').read())
    if 'mpy_init' not in first.defined:
        raise LinkFailure(f'{first.name}: mpy_init must be defined in the first source '
                          'file (and be its first function)')
    helper_dir = os.path.join(os.path.dirname(os.path.abspath(args.output)), 'link')
    os.makedirs(helper_dir, exist_ok=True)
    paths = with_entry(args, helper_dir)
    objects = [Elf(os.path.basename(p), open(p, 'rb').read()) for p in paths]
    runtime = set()
    if args.runtime:
        rt = Elf(os.path.basename(args.runtime), open(args.runtime, 'rb').read())
        runtime = rt.defined
    library = Library(args.libgcc if args.libgcc and os.path.exists(args.libgcc) else None)
    members, used = resolve(objects, library, frozenset(runtime))
    extra = []
    for name in members:
        path = os.path.join(helper_dir, name)
        with open(path, 'wb') as f:
            f.write(library.raw[name])
        extra.append(path)
    if used:
        extra.append(args.runtime)
    # mpy_ld stores the output name in the file (tracebacks show it), so run
    # it where the output goes and name it plainly.
    cmd = [sys.executable, os.path.abspath(args.mpy_ld), '--arch', args.arch,
           '-o', os.path.basename(args.output)]
    cmd += ['--qstrs', os.path.abspath(args.qstrs)] if args.qstrs else []
    cmd += ['-vvv'] if args.verbose else []
    inputs = [os.path.abspath(p) for p in paths + extra]
    proc = subprocess.run(cmd + inputs, capture_output=True, text=True,
                          cwd=os.path.dirname(os.path.abspath(args.output)))
    log = proc.stdout + proc.stderr
    if proc.returncode != 0 or 'LinkError' in log:
        raise LinkFailure(explain(log, args.arch, members))
    if args.verbose:
        print(log, end='')
    with open(args.output + '.helpers', 'w') as f:
        f.write(summary(members, used) + '\n')
    return members, used


def summary(members, used):
    """One line naming the libgcc members and run-time functions linked in."""
    parts = [' '.join(m[:-2] for m in members)] if members else []
    parts += [f'natmod_runtime ({" ".join(used)})'] if used else []
    return ' + '.join(parts)


def explain(log, arch, members):
    """A clear message for an mpy_ld failure, keeping its own last lines."""
    tail = '\n'.join(log.strip().splitlines()[-6:])
    if 'asm_jump_thumb' in log:
        reason = ('mpy_init is more than 2 KB from the start of the text, out of reach of '
                  f'{arch}\'s entry branch: the build links src/natmod_entry.c first to avoid '
                  'this; was it left out (--entry)?')
    else:
        reason = 'mpy_ld failed'
    used = ', '.join(members) or 'none'
    return f'{reason} (libgcc members linked: {used})\n{tail}'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--arch', required=True)
    parser.add_argument('--mpy-ld', required=True, help="MicroPython's tools/mpy_ld.py")
    parser.add_argument('--libgcc', default='', help='libgcc.a for this arch (may be empty)')
    parser.add_argument('--runtime', default='', help='our run-time object (natmod_runtime.o)')
    parser.add_argument('--entry', default='', help='entry object to link first (armv6m)')
    parser.add_argument('--objcopy', default='objcopy', help='objcopy for this arch')
    parser.add_argument('--qstrs', default='')
    parser.add_argument('--verbose', action='store_true')
    parser.add_argument('-o', '--output', required=True)
    parser.add_argument('objects', nargs='+')
    args = parser.parse_args(argv)
    try:
        members, used = link(args)
    except (LinkFailure, ArchiveError) as e:
        module = os.path.basename(args.output).split('.')[0]
        print(f'error: cannot link {module} for {args.arch}: {e}', file=sys.stderr)
        return 1
    if members or used:
        module = os.path.basename(args.output).split('.')[0]
        print(f'  {module} ({args.arch}) links {summary(members, used)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
