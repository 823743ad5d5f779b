# Device-side helpers for test and benchmark scripts (MicroPython).
import array


def read_array(name, typecode):
    # Binary files carry exact values: single-precision boards do not parse
    # decimal text exactly. MicroPython's array() takes bytes as raw items.
    with open(name, 'rb') as f:
        return array.array(typecode, f.read())


def emit(*values):
    print(repr(list(values)))


def error(e):
    # An exception as a result value: [type name, message]
    return [type(e).__name__, str(e)]
