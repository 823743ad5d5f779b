"""A full heap gives MemoryError, not a crash, in every module built.

MicroPython 1.23's dynruntime m_malloc returns NULL when the heap is full
(it does not raise): every module allocates through src/emlmp.h, which
raises MemoryError naming what it could not allocate. Each case fills the
heap, leaves a little room (so the object header and the exception fit but
the big array does not), calls a constructor or loader, then frees the heap
and reports what was raised. The interpreter must still work afterwards.

The cases come from the module's own test file: tests/test_<x>.py defines

    MEMORY = {'module': 'emlx',
              'setup': device code run first (may be ''),
              'cases': [(name, device expression that allocates a lot,
                         what the MemoryError message names)],
              'alive': (device code, expression, [allowed values])}

Every module built for the target must have one: a new module without a
MEMORY case fails here.
"""
import importlib
from pathlib import Path

from emlearn_micropython.build.abi import built_modules

FILL = """
import array, gc
from emltest import Lines, emit, error

ROOM = 4096


def fill():
    # Take free blocks down to 16 bytes until only about ROOM bytes are
    # left. Leaving the room unallocated, rather than freeing a block, does
    # not depend on the GC: a stale word on the stack can keep a freed
    # block alive (the conservative GC scans it).
    hog = [None] * 64
    n = 0
    size = 1 << 22
    while size >= 16:
        if n == len(hog):
            hog.extend([None] * 64)
        if gc.mem_free() - size < ROOM:
            size >>= 1
            continue
        try:
            hog[n] = bytearray(size)
            n += 1
        except MemoryError:
            size >>= 1
    return hog


def on_full_heap(name, make):
    result = 'no error'
    gc.collect()
    hog = fill()
    try:
        make()
    except Exception as e:
        result = e
    hog = None
    gc.collect()
    emit(name, error(result) if isinstance(result, Exception) else result)
"""


def memory_cases():
    """{module name: MEMORY} from every tests/test_*.py that defines one."""
    found = {}
    for path in sorted(Path(__file__).parent.glob('test_*.py')):
        if path.stem == 'test_memory':
            continue
        case = getattr(importlib.import_module(path.stem), 'MEMORY', None)
        if case:
            found[case['module']] = case
    return found


def device_script(cases):
    parts = [FILL]
    parts += [f'import {m}\n{c["setup"]}\n' for m, c in cases.items()]
    parts += [f'on_full_heap({name!r}, lambda: {call})\n'
              for c in cases.values() for name, call, _ in c['cases']]
    parts += ['# Still alive: each module works after the failures.\n']
    parts += [f'{c["alive"][0]}\nemit("alive", {m!r}, {c["alive"][1]})\n' for m, c in cases.items()]
    return ''.join(parts)


def test_every_built_module_has_a_memory_case(device):
    built = {p.stem for p in built_modules(device.arch)}
    assert built, f'no modules built for {device.arch}'
    assert built <= set(memory_cases()), f'no MEMORY case in tests/: {built - set(memory_cases())}'


def test_full_heap_raises_memory_error(device):
    built = {p.stem for p in built_modules(device.arch)}
    cases = {m: c for m, c in memory_cases().items() if m in built}
    out = device.run(device_script(cases))
    res = {r[0]: r[1:] for r in out.results if r[0] != 'alive'}
    for case in cases.values():
        for name, _, what in case['cases']:
            kind, msg = res[name][0]
            assert kind == 'MemoryError', (name, res[name])
            assert msg.startswith('not enough memory for the ' + what + ' of '), (name, msg)
    alive = {r[1]: r[2] for r in out.results if r[0] == 'alive'}
    for module, case in cases.items():
        assert alive[module] in case['alive'][2], (module, alive[module])
