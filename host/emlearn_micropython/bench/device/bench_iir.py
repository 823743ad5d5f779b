# IIR: emliir against the plain-Python biquad cascade (pyiir.py) on the same
# samples, same VM. Files: benchcfg.py, samples.bin (float32),
# sos<order>.bin (float32, 6 coefficients per stage) for each order.
import array
import gc
import math

import benchcfg as cfg
from benchlib import copy_into, measure, ram_of, read_floats, record, skip
import pyiir

samples = read_floats('samples.bin')

try:
    import emliir
except ImportError as e:
    emliir = None
    skip('iir', '*', 'emliir', 'module not found: %s' % e)


def timing(impl, case, make, coefficients, repeat):
    filt, ram = ram_of(lambda: make(coefficients))
    record('ram', bench='iir', case=case, impl=impl, bytes=ram)
    x = array.array('f', samples)

    def reset():
        copy_into(x, samples)
    us = measure(lambda: filt.run(x), 1, repeat, cfg.MIN_US, reset, max_loops=1)
    record('time', bench='iir', case=case, impl=impl, us=us)


def first_outputs(make, coefficients):
    # A fresh filter over the first CHECK samples, for the comparison.
    x = array.array('f', samples[:cfg.CHECK])
    make(coefficients).run(x)
    return x


def error(a, b):
    worst = 0.0
    power = 0.0
    for i in range(len(a)):
        d = abs(a[i] - b[i])
        if d > worst:
            worst = d
        power += b[i] * b[i]
    rms = math.sqrt(power / len(a))
    return worst / rms if rms else worst


impls = [('python', pyiir.Cascade, cfg.PY_REPEAT)]
if emliir is not None:
    impls.insert(0, ('emliir', emliir.new, cfg.REPEAT))
for order in cfg.ORDERS:
    case = 'order=%d' % order
    coefficients = read_floats('sos%d.bin' % order)
    for impl, make, repeat in impls:
        try:
            timing(impl, case, make, coefficients, repeat)
        except Exception as e:  # MemoryError on small heaps, or a broken module
            skip('iir', case, impl, '%s: %s' % (type(e).__name__, e))
        gc.collect()
    try:
        if emliir is not None:
            record('error', bench='iir', case=case, impl='emliir', vs='python',
                   max_rel=error(first_outputs(emliir.new, coefficients),
                                 first_outputs(pyiir.Cascade, coefficients)))
    except Exception as e:
        skip('iir', case, 'emliir', 'comparison: %s: %s' % (type(e).__name__, e))
    gc.collect()
record('done', bench='iir', case='*')
