# kNN: emlneighbors against the plain-Python brute-force kNN (pyknn.py),
# same items and queries, same VM. Files: benchcfg.py, items.bin and
# queries.bin (int16 rows of N_FEATURES), labels.bin (int16).
import gc

import benchcfg as cfg
from benchlib import measure, ram_of, read_shorts, record, rows_of, skip
import pyknn

items = rows_of(read_shorts('items.bin'), cfg.N_FEATURES, 'h')
queries = rows_of(read_shorts('queries.bin'), cfg.N_FEATURES, 'h')
labels = read_shorts('labels.bin')

try:
    import emlneighbors
except ImportError as e:
    emlneighbors = None
    skip('knn', '*', 'emlneighbors', 'module not found: %s' % e)


def filled(model, n):
    for i in range(n):
        model.additem(items[i], labels[i])
    return model


def timing(impl, case, make, n, repeat):
    model, ram = ram_of(lambda: filled(make(n), n))
    record('ram', bench='knn', case=case, impl=impl, bytes=ram)
    predict = model.predict

    def run():
        for q in queries:
            predict(q)
    record('time', bench='knn', case=case, impl=impl,
           us=measure(run, len(queries), repeat, cfg.MIN_US))
    record('labels', bench='knn', case=case, impl=impl, labels=[predict(q) for q in queries])


for n in cfg.SIZES:
    case = 'items=%d' % n
    for impl, make, repeat in [('python', lambda n: pyknn.KNN(cfg.N_FEATURES, cfg.K), cfg.PY_REPEAT),
                               ('emlneighbors', emlneighbors and (lambda n: emlneighbors.new(n, cfg.N_FEATURES, cfg.K)),
                                cfg.REPEAT)]:
        if make is None:
            continue
        try:
            timing(impl, case, make, n, repeat)
        except Exception as e:  # MemoryError on small heaps, or a broken module
            skip('knn', case, impl, '%s: %s' % (type(e).__name__, e))
        gc.collect()
record('done', bench='knn', case='*')
