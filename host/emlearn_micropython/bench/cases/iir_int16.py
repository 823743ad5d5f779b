"""IIR int16 (issue 13): emliir with array('h') against its float path."""
from ..registry import Case
from .fixed import prepare

CASE = Case('iir_int16', 'emliir', 'IIR int16 (array h) against the float path', 'bench_fixed.py',
            prepare('iir_int16'), full={'iir_samples': 10000}, quick={'iir_samples': 500},
            peers=('float',), key_cases=('iir order=6 x10000',), order=5)
