"""Fixed point (issue 13): emlfft's q15 path and emliir's int16 path against
the same modules' float paths, one case each (device/bench_fixed.py)."""
import numpy as np

from ..registry import f32


def prepare(bench):
    def prepare_fixed(config, build):
        from scipy import signal
        build.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(13)
        count = max(2 * max(config.get('fft', [0])), config.get('iir_samples', 0))
        shorts = np.round(rng.uniform(-1, 1, count) * 16000).astype('<i2')
        (build / 'shorts.bin').write_bytes(shorts.tobytes())
        (build / 'sos6.bin').write_bytes(f32(signal.butter(6, 0.1, output='sos').ravel()))
        files = {'shorts.bin': build / 'shorts.bin', 'sos6.bin': build / 'sos6.bin'}
        cfg = {'BENCH': bench, 'SIZES': config.get('fft', []), 'IIR_SAMPLES': config.get('iir_samples', 0)}
        return [{'label': bench, 'files': files, 'cfg': cfg, 'helpers': ['benchlib.py']}]
    return prepare_fixed
