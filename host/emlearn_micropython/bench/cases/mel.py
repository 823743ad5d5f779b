"""Log-mel frames: emlmel against the same computation in plain Python
(device/pymel.py, on device/pyfft.py)."""
import numpy as np

from ..registry import Case


def prepare_mel(config, build):
    build.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(6)
    pcm = np.round(rng.standard_normal(config['mel_samples']) * 3000).astype('<i2')
    (build / 'pcm.bin').write_bytes(pcm.tobytes())
    return [{'label': 'frames', 'files': {'pcm.bin': build / 'pcm.bin'}, 'cfg': {},
             'helpers': ['benchlib.py', 'pyfft.py', 'pymel.py']}]


CASE = Case('mel', 'emlmel', 'Log-mel: time per 512-point frame of 40 mels (a 256-sample int16 chunk)',
            'bench_mel.py', prepare_mel, full={'mel_samples': 16000}, quick={'mel_samples': 2048},
            peers=('python',), key_cases=('n_fft=512 n_mels=40',), order=5)
