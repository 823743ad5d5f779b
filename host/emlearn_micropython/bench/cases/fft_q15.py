"""FFT q15 (issue 13): emlfft with array('h') against its float path."""
from ..registry import Case
from .fixed import prepare

CASE = Case('fft_q15', 'emlfft', 'FFT q15 (array h) against the float path', 'bench_fixed.py',
            prepare('fft_q15'), full={'fft': [256, 1024]}, quick={'fft': [64]}, peers=('float',),
            key_cases=('fft n=1024', 'rfft n=1024'), order=4)
