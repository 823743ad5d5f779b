"""Spoken-word dataset made with espeak-ng: 1 s segments at 16 kHz, int16.

Classes: the words yes, no, up, down, stop, and 'noise' (background only).
Every word is spoken by many voices (an espeak-ng accent plus a voice
variant) at several speeds and pitches, placed at a random offset and mixed
with white, pink or brown noise at a random SNR. Voices are split into
training and held-out ones, so the test measures unseen voices.

    python dataset.py OUT.npz [--short]
writes X (n, 16000) int16, y (n,) class index, voice (n,) voice index,
held_out (n,) bool, and the class and voice names.
"""
import argparse
import subprocess
import sys
import tempfile

import numpy as np
from scipy.io import wavfile
from scipy.signal import resample_poly

SR = 16000
CLASSES = ['yes', 'no', 'up', 'down', 'stop', 'noise']
ACCENTS = ['en-us', 'en-gb', 'en-gb-scotland', 'en-029', 'en-gb-x-rp', 'en-us-nyc']
VARIANTS = ['m1', 'm3', 'f1', 'f3', 'klatt2', 'm7', 'f4', 'klatt3']


def voices(short):
    """(name, held_out) pairs: every fourth voice is held out."""
    names = [f'{a}+{v}' for i, a in enumerate(ACCENTS) for v in VARIANTS[i % 2::2]]
    names = names[:8] if short else names
    return [(name, i % 4 == 3) for i, name in enumerate(names)]


def speak(word, voice, speed, pitch):
    """espeak-ng's rendering at 16 kHz as float, silence trimmed."""
    with tempfile.NamedTemporaryFile(suffix='.wav') as f:
        subprocess.run(['espeak-ng', '-v', voice, '-s', str(speed), '-p', str(pitch), '-w', f.name, word],
                       check=True, capture_output=True)
        rate, y = wavfile.read(f.name)
    y = resample_poly(y.astype(np.float64) / 32768, SR, rate)
    loud = np.flatnonzero(np.abs(y) > 0.02 * np.max(np.abs(y)))
    return y[loud[0]:loud[-1] + 1]


def noise(kind, n, rng):
    """Unit-RMS white, pink or brown noise."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.maximum(np.arange(len(spectrum)), 1)
    spectrum *= {'white': 1.0, 'pink': f ** -0.5, 'brown': f ** -1.0}[kind]
    x = np.fft.irfft(spectrum, n)
    return x / np.sqrt(np.mean(x ** 2))


def segment(word_audio, rng):
    """A 1 s segment: the word (if any) at a random offset plus noise."""
    y = np.zeros(SR)
    kind = rng.choice(['white', 'pink', 'brown'])
    if word_audio is None:
        level = 10 ** rng.uniform(-3, -1)
    else:
        w = word_audio[:SR]
        start = rng.integers(0, SR - len(w) + 1)
        y[start:start + len(w)] = w * 10 ** rng.uniform(-1, 0) / np.max(np.abs(w)) * 0.8
        level = np.sqrt(np.mean(w ** 2)) * 10 ** (-rng.uniform(10, 30) / 20)
    y += level * noise(kind, SR, rng)
    return np.clip(np.round(y * 32767), -32768, 32767).astype(np.int16)


def build(short, seed=0):
    rng = np.random.default_rng(seed)
    speeds = [160] if short else [130, 170, 210]
    pitches = [35, 70] if short else [25, 50, 75]
    X, y, vid, held = [], [], [], []
    for v, (voice, held_out) in enumerate(voices(short)):
        for c, word in enumerate(CLASSES):
            for speed in speeds:
                for pitch in pitches:
                    audio = None if word == 'noise' else speak(word, voice, speed, pitch)
                    X.append(segment(audio, rng))
                    y.append(c)
                    vid.append(v)
                    held.append(held_out)
    return dict(X=np.array(X), y=np.array(y), voice=np.array(vid), held_out=np.array(held),
                classes=np.array(CLASSES), voices=np.array([n for n, _ in voices(short)]))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('out')
    p.add_argument('--short', action='store_true', help='a few voices, for CI')
    args = p.parse_args(argv)
    data = build(args.short)
    np.savez_compressed(args.out, **data)
    print(f'{args.out}: {len(data["y"])} segments, {len(data["voices"])} voices '
          f'({int(data["held_out"].sum())} held-out segments)')


if __name__ == '__main__':
    sys.exit(main())
