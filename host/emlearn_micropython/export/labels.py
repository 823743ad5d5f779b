"""Class labels in model files (issue 18.3): one line

    y,int,<label>,...      or      y,str,<label>,...

with the labels in classes_ order (the device's class indices). String
labels must not contain a field separator (comma, white space, [ or ]).
"""
import re

import numpy as np

_SEP = re.compile(r'[,\s\[\]]')


def labels_line(classes):
    """The y line for classes_ (ints or strings), or None when there are none."""
    if classes is None:
        return None
    values = list(np.asarray(classes).tolist())
    if all(isinstance(v, (int, bool)) for v in values):
        return 'y,int,' + ','.join(str(int(v)) for v in values)
    if all(isinstance(v, str) for v in values):
        bad = [v for v in values if not v or _SEP.search(v)]
        if bad:
            raise ValueError(f'class labels must be non-empty without commas, spaces or brackets: {bad[0]!r}')
        return 'y,str,' + ','.join(values)
    if all(isinstance(v, float) and v.is_integer() for v in values):
        return 'y,int,' + ','.join(str(int(v)) for v in values)
    raise ValueError(f'class labels must be all ints or all strings, got {values[:3]}...')


def parse_labels(fields):
    """classes_ from the y line's fields after the tag."""
    kind, values = fields[0], fields[1:]
    if kind == 'int':
        return np.array([int(v) for v in values])
    if kind == 'str':
        return np.array(values, dtype=object)
    raise ValueError(f'malformed y line: expected y,int,... or y,str,..., got {kind!r}')
