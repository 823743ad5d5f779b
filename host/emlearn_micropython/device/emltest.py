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
    print(repr(list(values)))


def error(e):
    # An exception as a result value: [type name, message]
    return [type(e).__name__, str(e)]
