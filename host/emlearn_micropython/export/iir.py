"""Turn scipy.signal filter designs into emliir coefficients and files.

    from scipy import signal
    from emlearn_micropython import iir
    sos = signal.butter(4, 0.1, output='sos')
    iir.save(sos, 'lowpass.txt')           # one line, exact float32 values

or from the shell: `emlearn-mp iir lowpass.txt --order 4 --cutoff 0.1`.

On the device:

    import emliir
    with open('lowpass.txt') as f:
        lowpass = emliir.load(f)

The file holds one line: 6 words per second-order section, in scipy's sos
row order [b0, b1, b2, a0, a1, a2]; each word is the 8 lowercase hex digits
of the IEEE-754 float32 bits of one coefficient; then the self-check line
`end,<n_sections>,<crc32>` (export/text.py), so a truncated or damaged file
is refused. Files written before it load with strict=False (host and device). Decimal text does not parse exactly
on float32 boards; the bit patterns do, so the device filters with exactly
the float32 coefficients that `coefficients()` gives on the host.
"""
import array
import re

import numpy as np

from .text import check_end_line, with_end_line

_WORD = re.compile(r'[0-9a-f]{8}\Z')


def _sos(sos):
    sos = np.asarray(sos, dtype=np.float64)
    if sos.ndim == 1 and sos.size % 6 == 0:
        sos = sos.reshape(-1, 6)
    if sos.ndim != 2 or sos.shape[1] != 6 or sos.shape[0] == 0:
        raise ValueError(f'sos must have shape (n_sections, 6), got {sos.shape}; '
                         "design the filter with output='sos'")
    for row, a0 in enumerate(sos[:, 3]):
        if a0 != 1.0:
            raise ValueError(f'sos row {row}: a0 must be 1, got {a0!r}')
    with np.errstate(over='ignore'):
        f32 = sos.astype(np.float32)
    if not np.all(np.isfinite(f32)):
        raise ValueError('sos must be finite in float32')
    a1, a2 = f32[:, 4], f32[:, 5]
    stable = (np.abs(a2) < 1) & (np.abs(a1) < 1 + a2)   # Jury's test, as on the device
    for row in np.flatnonzero(~stable):
        raise ValueError(f'sos row {row}: unstable section (poles on or outside the unit circle: '
                         f'a1={float(a1[row])!r}, a2={float(a2[row])!r})')
    return f32


def coefficients(sos):
    """The coefficients as array('f'), ready for emliir.new()."""
    return array.array('f', _sos(sos).ravel().tolist())


def to_line(sos):
    """The one-line text emliir.load() reads (ends with a newline)."""
    bits = _sos(sos).ravel().view(np.uint32)
    return ' '.join(f'{int(b):08x}' for b in bits) + '\n'


def dumps(sos):
    """The file text emliir.load() reads: the line and its end line."""
    line = to_line(sos)
    return with_end_line(line, len(line.split()) // 6)


def save(sos, path):
    """Write the coefficient file for emliir.load()."""
    text = dumps(sos)   # checked before the file is opened
    with open(path, 'w', newline='\n') as f:
        f.write(text)
    return path


def from_line(text):
    """The float32 coefficients (n_sections, 6) in a line from to_line()."""
    words = text.split()
    if not words or len(words) % 6 or not all(_WORD.match(w) for w in words):
        raise ValueError('expected 6 words of 8 lowercase hex digits per section')
    bits = np.array([int(w, 16) for w in words], dtype=np.uint32)
    return bits.view(np.float32).reshape(-1, 6)


def loads(text, strict=True):
    """The float32 coefficients (n_sections, 6) of a file's text from
    dumps(); strict=False reads old files without the end line."""
    body, counts = check_end_line(text, strict)
    sos = from_line(body)
    if counts is not None and counts != [len(sos)]:
        raise ValueError(f'end line counts {counts} differ from the file\'s {len(sos)} sections')
    return sos


# `emlearn-mp iir`: design a filter with scipy.signal.iirfilter and save it.
def add_arguments(parser):
    parser.add_argument('output', help='coefficient file to write')
    parser.add_argument('--ftype', default='butter', choices=('butter', 'cheby1', 'cheby2', 'ellip', 'bessel'),
                        help='filter family (default: %(default)s)')
    parser.add_argument('--order', type=int, required=True)
    parser.add_argument('--cutoff', type=float, nargs='+', required=True,
                        help='one frequency, or two for bandpass/bandstop')
    parser.add_argument('--btype', default='lowpass', choices=('lowpass', 'highpass', 'bandpass', 'bandstop'),
                        help='band type (default: %(default)s)')
    parser.add_argument('--fs', type=float, default=None,
                        help='sampling rate; without it cutoffs are fractions of Nyquist')
    parser.add_argument('--rp', type=float, default=None, help='passband ripple, dB')
    parser.add_argument('--rs', type=float, default=None, help='stopband attenuation, dB')


def main(args):
    from scipy import signal
    cutoff = args.cutoff[0] if len(args.cutoff) == 1 else args.cutoff
    sos = signal.iirfilter(args.order, cutoff, rp=args.rp, rs=args.rs, btype=args.btype,
                           ftype=args.ftype, fs=args.fs, output='sos')
    save(sos, args.output)
    print(f'{args.output}: {len(sos)} sections ({args.ftype} {args.btype}, order {args.order})')
    return 0
