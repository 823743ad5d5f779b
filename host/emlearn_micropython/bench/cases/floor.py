"""The call floor: an empty native method and a Python function, each taking
one array; what every other time is compared against."""
from ..registry import Case


def prepare_floor(config, build):
    return [{'label': 'call', 'files': {}, 'helpers': ['benchlib.py'],
             'cfg': {'FLOOR_ROWS': config['floor_rows']}}]


CASE = Case('floor', None, 'Call floor (one call with one array argument)', 'bench_floor.py',
            prepare_floor, full={'floor_rows': 450}, quick={'floor_rows': 50},
            peers=('python function',), order=0)
