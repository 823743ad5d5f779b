# FFT: emlfft against the plain-Python radix-2 FFT (pyfft.py), same arrays,
# same VM. Files: benchcfg.py, signal.bin (float32: SIZE_MAX real values,
# then SIZE_MAX imaginary values, small so repeated in-place runs stay finite).
import array
import gc
import math

import benchcfg as cfg
from benchlib import copy_into, measure, ram_of, read_floats, record, skip
import pyfft

signal = read_floats('signal.bin')
half = len(signal) // 2

try:
    import emlfft
except ImportError as e:
    emlfft = None
    skip('fft', '*', 'emlfft', 'module not found: %s' % e)


def timing(impl, n, fft, batch, repeat):
    re0 = signal[:n]
    im0 = signal[half:half + n]
    re = array.array('f', re0)
    im = array.array('f', im0)
    run_one = fft.run

    def run():
        for _ in range(batch):
            run_one(re, im)

    def reset():
        copy_into(re, re0)
        copy_into(im, im0)
    us = measure(run, batch, repeat, cfg.MIN_US, reset, max_loops=1)
    record('time', bench='fft', case='n=%d' % n, impl=impl, us=us)
    reset()
    run_one(re, im)
    return re, im


def error(a_re, a_im, b_re, b_im):
    # max |a - b| / rms(b)
    worst = 0.0
    power = 0.0
    for i in range(len(a_re)):
        d = abs(a_re[i] - b_re[i]) + abs(a_im[i] - b_im[i])
        if d > worst:
            worst = d
        power += b_re[i] * b_re[i] + b_im[i] * b_im[i]
    rms = math.sqrt(power / len(a_re))
    return worst / rms if rms else worst


def guarded(impl, case, work):
    try:
        return work()
    except Exception as e:  # MemoryError on small heaps, or a broken module
        skip('fft', case, impl, '%s: %s' % (type(e).__name__, e))
    finally:
        gc.collect()


def run_impl(impl, case, n, make, batch, repeat):
    fft, ram = ram_of(lambda: make(n))
    record('ram', bench='fft', case=case, impl=impl, bytes=ram)
    return timing(impl, n, fft, batch, repeat)


for n in cfg.SIZES:
    case = 'n=%d' % n
    # Each run multiplies the RMS by sqrt(n): keep a batch within float range.
    batch = max(1, int(cfg.FFT_DECADES / math.log10(n) * 2))
    out = None
    if emlfft is not None:
        out = guarded('emlfft', case, lambda: run_impl('emlfft', case, n, emlfft.FFT, batch, cfg.REPEAT))
    py_out = guarded('python', case, lambda: run_impl('python', case, n, pyfft.FFT, 1, cfg.PY_REPEAT))
    if out and py_out:
        record('error', bench='fft', case=case, impl='emlfft', vs='python',
               max_rel=error(out[0], out[1], py_out[0], py_out[1]))
    out = py_out = None
    gc.collect()
record('done', bench='fft', case='*')
