"""README.md's Python snippets run as written (issue 18.7), so that an edit
that breaks one fails here.

Every code block of README.md that is Python (a ```python block, or an
indented block that parses as Python) carries a marker, the HTML comment on
the nearest line above it (invisible on GitHub, plain in the source):

    <!-- snippet: host -->                      runs in this Python (the venv)
    <!-- snippet: device -->                    runs on the unix port with the built .mpy files
    <!-- snippet: device, given NAME, ... -->   the same, after GIVEN defines NAMEs (the
                                                 "your code" the snippet calls)
    <!-- snippet: not run (REASON) -->          shown only: needs what CI lacks (a real board)

A Python block without a marker fails the test. Host snippets run first,
in README order, each in a fresh namespace but all in one folder; then each
device snippet runs there with every file the host snippets wrote (model
files), as main.py. Endless loops over sensor data end when the given
reader has served a few blocks (it raises SystemExit).
"""
import ast
import re
from pathlib import Path

import pytest

from emlearn_micropython.targets.base import DeviceError
from emlearn_micropython.targets.unix import UnixTarget

README = Path(__file__).resolve().parent.parent / 'README.md'
MARKER = re.compile(r'<!-- snippet: (host|device|not run \(.+\))(?:, given ([\w, ]+))? -->')

# A reader that fills a block with value(i) four times, then ends the script.
STREAM = '''import math
def _stream(value):
    left = [4]
    def read_into(block):
        if left[0] == 0:
            raise SystemExit
        left[0] -= 1
        for i in range(len(block)):
            block[i] = value(i)
    return read_into
'''

# What a snippet's "your code" names stand for.
GIVEN = {
    'X_train': ('import numpy as np\nfrom sklearn.datasets import load_iris\nX_train, y = load_iris(return_X_y=True)\n'
                "y_train = np.where(y == 0, 'tap', 'wave')\n"),
    'y_train': '',
    'X_test': 'X_test = X_train[::10]\n',
    'FEATURES': "FEATURES = ('mean', 'std', 'p25', 'p75', 'iqr', 'rms', 'skew', 'kurtosis', 'zcr', 'corr', 'band:4')\n",
    'windows': 'import numpy as np\nwindows = np.random.default_rng(0).normal(size=(6, 128, 3)).astype(np.float32)\n',
    'signal': 'import numpy as np\nsignal = np.random.default_rng(1).normal(size=(1000, 3)).astype(np.float32)\n',
    'read_sensor_into': STREAM + 'read_sensor_into = _stream(lambda i: 0.5 * math.sin(0.05 * i))\n',
    'read_microphone_into': STREAM + 'read_microphone_into = _stream(lambda i: int(8000 * math.sin(0.3 * i)))\n',
    'read_features': 'def read_features():\n    return [5.1, 3.5, 1.4, 0.2]\n',
    'window_of_256_samples': 'import math\nwindow_of_256_samples = [math.sin(0.2 * i) for i in range(256)]\n',
    'adc_samples': 'import math\nadc_samples = [int(8000 * math.sin(0.2 * i)) for i in range(256)]\n',
}


def code_blocks(text):
    """(line number, code) of every fenced or indented code block."""
    lines = text.split('\n')
    i = 0
    while i < len(lines):
        if lines[i].startswith('```'):
            end = lines.index('```', i + 1)
            yield i + 1, lines[i][3:].strip(), '\n'.join(lines[i + 1:end])
            i = end + 1
        elif lines[i].startswith('    ') and (i == 0 or not lines[i - 1].strip()):
            end = i
            while end < len(lines) and (lines[end].startswith('    ') or not lines[end].strip()):
                end += 1
            while not lines[end - 1].strip():
                end -= 1
            yield i + 1, '', '\n'.join(line[4:] for line in lines[i:end])
            i = end
        else:
            i += 1


def is_python(lang, code):
    if lang == 'python':
        return True
    try:
        ast.parse(code)
    except SyntaxError:
        return False
    return lang == ''


def snippets():
    """[(line, kind, given names, code, marker line)] of README's Python blocks."""
    text = README.read_text()
    lines = text.split('\n')
    found = []
    for line, lang, code in code_blocks(text):
        if not is_python(lang, code):
            continue
        at = next(i for i in range(line - 2, -1, -1) if lines[i].strip())
        mark = MARKER.fullmatch(lines[at].strip())
        assert mark, f'README.md:{line}: a Python block without a <!-- snippet: ... --> marker'
        given = [g.strip() for g in (mark.group(2) or '').split(',') if g.strip()]
        found.append((line, mark.group(1), given, code, at + 1))
    return found


def with_given(given, code):
    for name in given:
        assert name in GIVEN, f'GIVEN has no {name}'
    return ''.join(GIVEN[name] for name in given) + code


def test_every_marker_marks_a_python_block():
    used = {marker for *_, marker in snippets()}
    for i, line in enumerate(README.read_text().split('\n')):
        if '<!-- snippet:' in line:
            assert i + 1 in used, f'README.md:{i + 1}: {line.strip()!r} is malformed or marks no Python block'


def test_readme_snippets_run(tmp_path, monkeypatch):
    found = snippets()
    monkeypatch.chdir(tmp_path)
    for line, kind, given, code, _ in found:
        if kind == 'host':
            exec(compile(with_given(given, code), f'README.md:{line}', 'exec'), {'__name__': '__readme__'})
    files = {p.name: p for p in tmp_path.iterdir() if p.is_file()}
    target = UnixTarget()
    for line, kind, given, code, _ in found:
        if kind == 'device':
            try:
                target.run(with_given(given, code), files=files)
            except DeviceError as e:
                pytest.fail(f'README.md:{line}: the device snippet failed: {e}')
    assert {kind for _, kind, *_ in found} >= {'host', 'device'}


def test_demo_leaves_the_readme_device_snippet():
    """make demo writes build/demo/main.py, which the README tells users to
    run on a board: it is the first device snippet, as tested above."""
    from emlearn_micropython import demo
    first = next(code for _, kind, _, code, _ in snippets() if kind == 'device')
    assert demo.DEVICE_SCRIPT == first + '\n'
