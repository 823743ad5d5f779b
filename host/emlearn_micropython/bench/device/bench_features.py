# Features: emlfeatures against plain Python (pyfeatures.py) on the same
# 3-axis int16 windows, same VM, and one predict of a 10-tree forest on the
# same features for scale. Files: benchcfg.py (CASE, WINDOW, FEATURES,
# N_WINDOWS, NEW_ARGS + the target's REPEAT, PY_REPEAT, MIN_US),
# windows.bin (int16), model.csv.
import array
import gc

import benchcfg as cfg
from benchlib import measure, read_shorts, record, rows_of, skip

step = cfg.WINDOW * 3
windows = rows_of(read_shorts('windows.bin', cfg.N_WINDOWS * step), step, 'h')


def bench_ours():
    import emlfeatures
    import emltrees
    fx = emlfeatures.new(cfg.WINDOW, 3, cfg.FEATURES, magnitude=True)
    out = array.array('f', bytes(4 * fx.n_features))

    def run():
        for w in windows:
            fx.compute(w, out)
    record('time', bench='features', case=cfg.CASE, impl='emlfeatures',
           us=measure(run, len(windows), cfg.REPEAT, cfg.MIN_US), n_features=fx.n_features)
    model = emltrees.new(*cfg.NEW_ARGS)
    with open('model.csv') as f:
        emltrees.load_model(model, f)
    rows = []
    for w in windows:
        fx.compute(w, out)
        rows.append(array.array('f', out))
    proba = array.array('f', bytes(4 * model.n_classes))

    def predict():
        for x in rows:
            model.predict_proba(x, proba)
    record('time', bench='features', case=cfg.CASE + ' (RF10 predict_proba)', impl='emltrees',
           us=measure(predict, len(rows), cfg.REPEAT, cfg.MIN_US))


def bench_python():
    from pyfeatures import Features
    fx = Features(cfg.WINDOW)

    def run():
        for w in windows:
            fx.compute(w)
    record('time', bench='features', case=cfg.CASE, impl='plain Python',
           us=measure(run, len(windows), cfg.PY_REPEAT, cfg.MIN_US))


for bench in (bench_ours, bench_python):
    try:
        bench()
    except Exception as e:
        skip('features', cfg.CASE, bench.__name__, '%s: %s' % (type(e).__name__, e))
    gc.collect()
record('done', bench='features', case='*')
