# emlnet: the digits MLP (float32, int8) against the same network in plain
# Python (pynet.py), and an SB-CNN-like CNN (float32, int8); each int8 case
# also times the float32 model, as impl 'float32'. Files: benchcfg.py,
# mlp_f32.net, mlp_i8.net, cnn_f32.net, cnn_i8.net, digits.bin and cnn.bin
# (float32 rows), mlp.bin (pynet's float32 weights).
import gc

import benchcfg as cfg
from benchlib import measure, ram_of, read_floats, record, rows_of, skip
import pynet

try:
    import emlnet
except ImportError as e:
    emlnet = None
    skip('net', '*', 'emlnet', 'module not found: %s' % e)


def load(name):
    with open(name) as f:
        return emlnet.load(f)


def timing(case, impl, make, rows, repeat):
    model, ram = ram_of(make)
    record('ram', bench='net', case=case, impl=impl, bytes=ram)
    predict = model.predict

    def run():
        for x in rows:
            predict(x)
    record('time', bench='net', case=case, impl=impl, us=measure(run, len(rows), repeat, cfg.MIN_US))
    record('labels', bench='net', case=case, impl=impl, labels=[predict(x) for x in rows])


def attempt(case, impl, make, rows, repeat):
    try:
        timing(case, impl, make, rows, repeat)
    except Exception as e:  # MemoryError on small heaps, or a broken module
        skip('net', case, impl, '%s: %s' % (type(e).__name__, e))
    gc.collect()


digits = rows_of(read_floats('digits.bin'), cfg.MLP_SIZES[0])
cnn = rows_of(read_floats('cnn.bin'), cfg.CNN_INPUTS)
if emlnet is not None:
    for model, rows in (('mlp', digits), ('cnn', cnn)):
        name = 'digits mlp' if model == 'mlp' else 'sbcnn'
        attempt(name + ' float32', 'emlnet', lambda: load(model + '_f32.net'), rows, cfg.REPEAT)
        attempt(name + ' int8', 'emlnet', lambda: load(model + '_i8.net'), rows, cfg.REPEAT)
        attempt(name + ' int8', 'float32', lambda: load(model + '_f32.net'), rows, cfg.REPEAT)
attempt('digits mlp float32', 'python', lambda: pynet.MLP(cfg.MLP_SIZES, read_floats('mlp.bin')),
        digits[:cfg.PY_ROWS], cfg.PY_REPEAT)
record('done', bench='net', case='*')
