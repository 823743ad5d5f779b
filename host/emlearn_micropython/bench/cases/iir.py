"""IIR: emliir against a plain-Python cascade of biquads (device/pyiir.py)."""
import numpy as np

from ..registry import Case, f32


def prepare_iir(config, build):
    from scipy import signal
    build.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(4)
    files = {'samples.bin': build / 'samples.bin'}
    files['samples.bin'].write_bytes(f32(rng.standard_normal(config['iir_samples'])))
    for order in config['iir']:
        sos = signal.butter(order, 0.1, output='sos')
        path = build / f'sos{order}.bin'
        path.write_bytes(f32(sos.ravel()))
        files[path.name] = path
    return [{'label': 'orders', 'files': files, 'cfg': {'ORDERS': config['iir'], 'CHECK': 1000},
             'helpers': ['benchlib.py', 'pyiir.py']}]


CASE = Case('iir', 'emliir', 'IIR: time per run over the whole signal', 'bench_iir.py',
            prepare_iir, full={'iir': [2, 4, 6, 8, 10], 'iir_samples': 10000},
            quick={'iir': [2], 'iir_samples': 500}, peers=('python',),
            key_cases=('order=6',), order=3)
