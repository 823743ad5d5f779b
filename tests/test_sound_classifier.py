"""The sound classifier example (examples/sound_classifier), short version:
an espeak-ng dataset of 8 voices, a forest trained on the computer's log-mel
windows, then the device streams the held-out voices' recording through
emlmel and emltrees. The device's label for every segment must equal the
computer's; the computer's held-out accuracy must beat chance clearly.
"""
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / 'examples' / 'sound_classifier'


@pytest.fixture(scope='session')
def exported(tmp_path_factory):
    if shutil.which('espeak-ng') is None:
        pytest.skip('espeak-ng not installed (apt-get install espeak-ng)')
    sys.path.insert(0, str(EXAMPLE))
    try:
        import dataset
        import train
    finally:
        sys.path.remove(str(EXAMPLE))
    out = tmp_path_factory.mktemp('sound')
    data = dataset.build(short=True)
    _, labels, accuracy = train.export(data, out)
    return out, labels, accuracy, data['y'][data['held_out']]


def test_sound_classifier_device_agrees(device, exported):
    out, labels, accuracy, truth = exported
    files = {name: out / name for name in ('model.csv', 'model.txt', 'recording.bin')}
    result = device.run((EXAMPLE / 'classify.py').read_text(), files=files)
    got, elapsed_us, n = result.results[-1]
    print(f'{device.name}: {n} segments, accuracy {accuracy:.3f}, '
          f'{elapsed_us / n / 1000:.1f} ms per second of audio')
    assert n == len(labels)
    assert got == [int(v) for v in labels]
    assert accuracy >= 0.5, accuracy  # six classes: chance is 1/6
    assert np.mean(np.array(got) == truth) == accuracy
