"""FFT: emlfft against a plain-Python radix-2 FFT (device/pyfft.py)."""
import numpy as np

from ..registry import Case, f32


def prepare_fft(config, build):
    build.mkdir(parents=True, exist_ok=True)
    n = max(config['fft'])
    rng = np.random.default_rng(3)
    # Small values: each in-place run multiplies the RMS by sqrt(n), and a
    # timed batch of runs must stay well inside float32 range.
    (build / 'signal.bin').write_bytes(f32(rng.standard_normal(2 * n) * 1e-20))
    cfg = {'SIZES': config['fft'], 'FFT_DECADES': 50}
    return [{'label': 'sizes', 'files': {'signal.bin': build / 'signal.bin'}, 'cfg': cfg,
             'helpers': ['benchlib.py', 'pyfft.py']}]


CASE = Case('fft', 'emlfft', 'FFT: time per complex transform, in place', 'bench_fft.py',
            prepare_fft, full={'fft': [64, 128, 256, 512, 1024, 2048, 4096]},
            quick={'fft': [64]}, peers=('python',), key_cases=('n=1024',), order=2)
