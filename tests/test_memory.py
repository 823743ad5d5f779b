"""A full heap gives MemoryError, not a crash.

MicroPython 1.23's dynruntime m_malloc returns NULL when the heap is full
(it does not raise): every module allocates through src/emlmp.h, which
raises MemoryError naming what it could not allocate. Each case fills the
heap, leaves a little room (so the object header and the exception fit but
the big array does not), calls a constructor or loader, then frees the heap
and reports what was raised. The interpreter must still work afterwards.
"""

DEVICE = """
import array, gc
import emlfft, emliir, emlneighbors, emltrees
from emltest import emit, error

ROOM = 2048


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


def attempt(name, make, *args):
    result = 'no error'
    gc.collect()
    hog = fill()
    try:
        make(*args)
    except Exception as e:
        result = e
    hog = None
    gc.collect()
    emit(name, error(result) if isinstance(result, Exception) else result)


class Lines:
    def __init__(self, lines):
        self.lines = lines
        self.i = 0

    def readline(self):
        self.i += 1
        return self.lines[self.i - 1] if self.i <= len(self.lines) else ''


coefficients = array.array('f', bytes(4 * 6 * 200))
words = ' '.join(['3f800000'] * (6 * 200))
knn_file = Lines(['emlneighbors,1,1,2\\n', '1,2,3\\n'])
trees_model = emltrees.new(1, 1)
trees_file = Lines(['f,30000\\n'])

attempt('fft', emlfft.FFT, 4096)
attempt('iir new', emliir.new, coefficients)
attempt('iir load', emliir.load, words)
attempt('neighbors new', emlneighbors.new, 1000, 8, 1)
attempt('neighbors load', emlneighbors.load, knn_file, 1, 5000)
attempt('trees new', emltrees.new, 10, 5000)
attempt('trees load_model', emltrees.load_model, trees_model, trees_file)

# Still alive: each module works after the failures.
fft = emlfft.FFT(8)
re = array.array('f', [1.0] * 8)
im = array.array('f', [0.0] * 8)
fft.run(re, im)
filt = emliir.new(array.array('f', [1, 0, 0, 1, 0, 0]))
x = array.array('f', [2.0, 3.0])
filt.run(x)
knn = emlneighbors.new(2, 2, 1)
knn.additem(array.array('h', [1, 2]), 7)
tree = emltrees.new(1, 1)
emltrees.load_model(tree, Lines(['f,1\\n', 'c,0\\n', 'lb,32\\n', 'l,1.5\\n', 'l,-2.5\\n', 'r,0\\n', 'n,0,0,-1,-2\\n']), strict=False)
emit('alive', re[0], list(x), knn.predict(array.array('h', [1, 2])), tree.predict(array.array('f', [0.0])))
"""

# What each failing allocation is called in its MemoryError message.
EXPECTED = {
    'fft': 'FFT twiddles: 4096 items',
    'iir new': 'filter coefficients: 1200 items',
    'iir load': 'filter coefficients: 1200 items',
    'neighbors new': 'model items: 8000 items',
    'neighbors load': 'model items: 10000 items',
    'trees new': 'model nodes: 5000 items',
    'trees load_model': "model's input keys: 30000 items",
}


def test_full_heap_raises_memory_error(device):
    out = device.run(DEVICE)
    res = {r[0]: r[1:] for r in out.results}
    for name, what in EXPECTED.items():
        kind, msg = res[name][0]
        assert kind == 'MemoryError', (name, res[name])
        assert msg.startswith('not enough memory for the ' + what + ' of '), (name, msg)
    # FFT of ones: bin 0 is n; identity filter; the only item's label; a leaf
    assert res['alive'][:3] == [8.0, [2.0, 3.0], 7]
    assert res['alive'][3] in (1.5, -2.5)
