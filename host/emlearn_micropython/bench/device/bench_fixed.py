# Fixed point against float in the same module, same VM (issue 13):
# emlfft's q15 path (array('h')) against its float path, complex FFT and
# rfft; emliir's int16 path against its float path. Files: benchcfg.py,
# shorts.bin (int16 samples, enough for the largest size), sos6.bin
# (float32 sos rows of the IIR). cfg.BENCH says which: 'fft_q15' or
# 'iir_int16'. Results: impl = the module's name (fixed point) or 'float'.
import array
import gc

import benchcfg as cfg
from benchlib import copy_into, measure, read_floats, read_shorts, record, skip

shorts = read_shorts('shorts.bin')


BATCH = 8  # operations per timed call: a microsecond clock sees small sizes


def timed(case, impl, op, reset):
    def run():
        for _ in range(BATCH):
            op()
    us = measure(run, BATCH, cfg.REPEAT, cfg.MIN_US, reset, max_loops=1 if reset else 1000000)
    record('time', bench=cfg.BENCH, case=case, impl=impl, us=us)


def fft_cases(emlfft, n):
    fft = emlfft.FFT(n)
    for tc, impl in (('h', 'emlfft'), ('f', 'float')):
        # q15 runs in place forever (block floating point rescales); float
        # grows by sqrt(n) a run: tiny values, and a reset before each batch
        scale = 1 if tc == 'h' else 1e-30
        re0 = array.array(tc, [v * scale for v in shorts[:n]])
        im0 = array.array(tc, [v * scale for v in shorts[n:2 * n]])
        re, im = array.array(tc, re0), array.array(tc, im0)
        hr, hi = array.array(tc, re0[:n // 2 + 1]), array.array(tc, re0[:n // 2 + 1])

        def reset():
            copy_into(re, re0)
            copy_into(im, im0)
        timed('fft n=%d' % n, impl, lambda: fft.run(re, im), None if tc == 'h' else reset)
        timed('rfft n=%d' % n, impl, lambda: fft.rfft(re0, hr, hi), None)
        gc.collect()


def iir_cases(emliir, count):
    filt = emliir.new(read_floats('sos6.bin'))
    for tc, impl in (('h', 'emliir'), ('f', 'float')):
        # a low-pass over its own output stays in range: no reset needed
        x = array.array(tc, shorts[:count])
        filt.reset()
        timed('iir order=6 x%d' % count, impl, lambda: filt.run(x), None)
        gc.collect()


parts = {'fft_q15': ('emlfft', fft_cases, 0), 'iir_int16': ('emliir', iir_cases, cfg.IIR_SAMPLES)}
for name, work, arg in [parts[cfg.BENCH]]:
    try:
        module = __import__(name)
    except ImportError as e:
        skip(cfg.BENCH, '*', name, 'module not found: %s' % e)
        continue
    for size in (cfg.SIZES if name == 'emlfft' else [arg]):
        try:
            work(module, size)
        except Exception as e:  # MemoryError on small heaps, or a broken module
            skip(cfg.BENCH, '%s %d' % (name, size), name, '%s: %s' % (type(e).__name__, e))
        gc.collect()
record('done', bench=cfg.BENCH, case='*')
