# The call floor: an empty native method call with one array argument, in
# the same loop shape as the prediction loops, plus an empty Python call.
import array

import benchcfg as cfg
from benchlib import measure, record, skip

rows = [array.array('f', [float(i)] * 8) for i in range(cfg.FLOOR_ROWS)]


def loop_over(call):
    def run():
        for x in rows:
            call(x)
    return run


def python_empty(x):
    return 0


try:
    import emlfloor
    obj = emlfloor.new()
    record('time', bench='floor', case='call', impl='native method',
           us=measure(loop_over(obj.run), len(rows), cfg.REPEAT, cfg.MIN_US))
    record('time', bench='floor', case='call', impl='native function',
           us=measure(loop_over(emlfloor.call), len(rows), cfg.REPEAT, cfg.MIN_US))
except ImportError as e:
    skip('floor', 'call', 'native method', 'emlfloor not found: %s' % e)
record('time', bench='floor', case='call', impl='python function',
       us=measure(loop_over(python_empty), len(rows), cfg.REPEAT, cfg.MIN_US))
record('done', bench='floor', case='call')
