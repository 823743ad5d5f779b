# Device-side helpers for test and benchmark scripts (MicroPython).
import array


def read_array(name, typecode):
    # Binary files carry exact values: single-precision boards do not parse
    # decimal text exactly. MicroPython's array() takes bytes as raw items.
    # Read straight into a preallocated array: one copy of the data in the
    # heap instead of two (bytes + array), which matters on a board.
    import os
    import struct
    n = os.stat(name)[6] // struct.calcsize(typecode)
    a = array.array(typecode, range(n))
    with open(name, 'rb') as f:
        f.readinto(a)
    return a


def emit(*values):
    # Same text as print(repr(list(values))), written piece by piece so a
    # long result never needs one big string in a small heap.
    _put(list(values))
    print()


def _put(v):
    if not isinstance(v, (list, tuple)):
        print(repr(v), end='')
        return
    print('[' if isinstance(v, list) else '(', end='')
    for i in range(0, len(v), 64):
        part = v[i:i + 64]
        if i:
            print(', ', end='')
        if any(isinstance(x, (list, tuple)) for x in part):
            for j, x in enumerate(part):
                print(', ' if j else '', end='')
                _put(x)
        else:
            print(', '.join(repr(x) for x in part), end='')
    print(',)' if isinstance(v, tuple) and len(v) == 1 else ']' if isinstance(v, list) else ')', end='')


def allocated(fn, count=50):
    # Heap bytes that `count` calls of fn() allocate, after one warm-up call.
    # A while loop: a range object would be counted.
    import gc
    fn()
    gc.collect()
    before = gc.mem_alloc()
    i = 0
    while i < count:
        fn()
        i += 1
    return gc.mem_alloc() - before


def error(e):
    # An exception as a result value: [type name, message]
    return [type(e).__name__, str(e)]


def attempt(name, fn, *args):
    # Emit [name, 'ok', fn(*args)] or, when it raises, [name, type name,
    # message]. A result that is not a plain value is given by its type name.
    try:
        result = fn(*args)
    except Exception as e:
        emit(name, *error(e))
        return
    if not isinstance(result, (int, float, str, list, tuple, dict, type(None))):
        result = type(result).__name__
    emit(name, 'ok', result)


class Lines:
    # readline() over the lines of a text, like an open file: for loaders
    # fed without writing a file.
    def __init__(self, text):
        self.lines = [line + '\n' for line in text.split('\n')]
        if self.lines and self.lines[-1] == '\n':
            self.lines.pop()

    def readline(self):
        return self.lines.pop(0) if self.lines else ''
