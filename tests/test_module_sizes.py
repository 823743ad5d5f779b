"""README.md's module size table (section on xtensawin) stays within 10%
of the .mpy files the build made, so a module that grows updates it."""
import re
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parents[1]
HEADER = re.compile(r'^\| module \|((?: `[a-z0-9]+` \.mpy \|)+)$', re.M)


def size_table():
    text = (TOP / 'README.md').read_text()
    found = HEADER.search(text)
    assert found, 'README.md: no "| module | `<arch>` .mpy |" table'
    archs = re.findall(r'`([a-z0-9]+)`', found.group(1))
    table = {}
    for line in text[found.end():].splitlines()[2:]:
        if not line.startswith('| `'):
            break
        cells = [c.strip() for c in line.strip('|').split('|')]
        table[cells[0].strip('`')] = dict(zip(archs, (int(c.split()[0]) for c in cells[1:])))
    return archs, table


def test_every_module_is_in_the_table():
    _, table = size_table()
    assert sorted(table) == sorted(p.parent.name for p in (TOP / 'src').glob('*/Makefile'))


@pytest.mark.parametrize('arch', size_table()[0])
def test_sizes_within_ten_percent(arch):
    _, table = size_table()
    built = {m: TOP / 'build' / arch / m / f'{m}.mpy' for m in table}
    if not any(p.exists() for p in built.values()):
        pytest.skip(f'{arch} not built')
    off = {m: (p.stat().st_size, table[m][arch]) for m, p in built.items()
           if p.exists() and abs(p.stat().st_size - table[m][arch]) > table[m][arch] // 10}
    assert not off, f'README.md size table, {arch}: (built, README) bytes {off}'
