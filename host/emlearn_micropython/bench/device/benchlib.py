# Device-side helpers for the benchmark scripts (MicroPython, also CPython).
# Every result is one printed dict literal; the host (emlearn-mp bench)
# parses them, so the same scripts run on the unix port, the emulated boards
# and a real board with `mpremote run`.
import array
import gc

try:
    from time import ticks_us, ticks_diff
except ImportError:  # CPython, for checking the scripts on the host
    from time import perf_counter_ns

    def ticks_us():
        return perf_counter_ns() // 1000

    def ticks_diff(a, b):
        return a - b


def record(kind, **fields):
    fields['t'] = kind
    print(repr(fields))


def skip(bench, case, impl, why):
    record('skip', bench=bench, case=case, impl=impl, why=str(why))


def read_floats(name, count=-1):
    # count values (all when -1): only what is used is ever read into RAM.
    with open(name, 'rb') as f:
        return array.array('f', f.read(count * 4 if count >= 0 else -1))


def read_shorts(name, count=-1):
    with open(name, 'rb') as f:
        return array.array('h', f.read(count * 2 if count >= 0 else -1))


def rows_of(flat, width, typecode='f'):
    # One array per row, made once, so the timed loops index nothing.
    out = []
    for i in range(0, len(flat), width):
        out.append(array.array(typecode, flat[i:i + width]))
    return out


def copy_into(dst, src):
    try:
        dst[:] = src
    except (TypeError, NotImplementedError, ValueError):
        for i in range(len(dst)):
            dst[i] = src[i]


def ram_of(load):
    # Bytes of heap still held after load() returns (gc.mem_free before/after).
    gc.collect()
    before = gc.mem_free()
    obj = load()
    gc.collect()
    return obj, before - gc.mem_free()


def _time(run, loops):
    t0 = ticks_us()
    for _ in range(loops):
        run()
    return ticks_diff(ticks_us(), t0)


def measure(run, ops, repeat, min_us, reset=None, max_loops=1000000):
    # Times per operation (us) over `repeat` measurements. run() does `ops`
    # operations; it is looped until one measurement lasts min_us, unless
    # reset() must run before each call (then max_loops is 1).
    if reset:
        reset()
    gc.collect()
    first = _time(run, 1)
    loops = 1
    if first < min_us:
        loops = min(max_loops, min_us // max(first, 1) + 1)
    out = []
    for _ in range(repeat):
        if reset:
            reset()
        gc.collect()
        out.append(_time(run, loops) / (loops * ops))
    return out


def unload(name):
    import sys
    if name in sys.modules:
        del sys.modules[name]
    gc.collect()
