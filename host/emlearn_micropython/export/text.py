"""The self-check shared by every text model/config file (issue 18):

    end,<count>,...,<crc>

as the last line, where <crc> is exactly 8 lowercase hex digits of
zlib.crc32 over all bytes before the end line, and the end line ends with
a newline. The device side is lib/emlearn/eml_text.h. Float32 values travel
as exact-width hex bits (`0x` + 8 lowercase digits).
"""
import re
import zlib

import numpy as np

_END = re.compile(r'end((?:,-?[0-9]+)*),([0-9a-f]{8})\n\Z')
_BITS = re.compile(r'0x[0-9a-f]{8}\Z')


def with_end_line(text, *counts):
    """text (ending in a newline) followed by its end line."""
    if not text.endswith('\n'):
        raise ValueError('text must end with a newline')
    crc = zlib.crc32(text.encode())
    return text + 'end,' + ''.join(f'{int(c)},' for c in counts) + f'{crc:08x}\n'


def check_end_line(text, strict=True):
    """(body, counts): the text before a valid end line and the end line's
    counts, or ValueError naming what is wrong. strict=False accepts a text
    without an end line: (text, None). A UTF-8 byte order mark that an
    editor put before the first line is not part of the file."""
    text = text.removeprefix('\ufeff')
    at = text.rfind('\nend,') + 1 if not text.startswith('end,') else 0
    if at == 0 and not text.startswith('end,'):
        if strict:
            raise ValueError('missing end line: the file is incomplete (strict=False reads old files)')
        return text, None
    body, end = text[:at], text[at:]
    match = _END.match(end)
    if not match:
        raise ValueError('malformed end line: expected end,<counts>,<crc32 as 8 hex digits> and a newline')
    if int(match.group(2), 16) != zlib.crc32(body.encode()):
        raise ValueError('checksum mismatch: the file is damaged')
    return body, [int(c) for c in match.group(1).split(',')[1:]]


def parse_bits(field):
    """A float32 from its exact-width hex bits 0x........"""
    if not _BITS.match(field):
        raise ValueError(f'malformed float32 bits {field!r}: expected 0x and 8 lowercase hex digits')
    return np.array(int(field, 16), dtype=np.uint32).view(np.float32)[()]


def float32_hex(value):
    return f'0x{int(np.float32(value).view(np.uint32)):08x}'


def save_model(model, file=None, name=None, format='csv'):
    """A model's file text (model.lines() and its end line with the tree,
    node and leaf counts), written to `file` when given."""
    if format != 'csv':
        raise ValueError(f"unsupported format {format!r}: only 'csv'")
    text = with_end_line('\n'.join(model.lines(name)) + '\n', model.n_trees, model.n_nodes, model.n_leaves)
    if file is not None:
        with open(file, 'w', newline='\n') as f:
            f.write(text)
    return text
