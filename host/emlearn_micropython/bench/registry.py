"""The benchmark cases, one record each, found in bench/cases/: a module
there that defines CASE = Case(...) is benchmarked; nothing else lists it."""
import importlib
import pkgutil
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Case:
    name: str          # the benchmark's name in results ('trees')
    module: str        # our native module measured ('emltrees'); None: no module
    title: str         # heading of its results table
    script: str        # device script in bench/device/ ('bench_trees.py')
    prepare: object    # prepare(config, folder) -> [run]; a run is a dict with
                       # label, files, cfg (-> benchcfg.py), helpers, optional
                       # expected, meta and row_bytes
    full: dict         # the sizes of a full run (given to prepare as config)
    quick: dict        # a tiny run that proves the harness works
    peers: tuple = ()  # implementations it is compared with (result 'impl' names)
    key_cases: tuple = ()   # cases shown in the README's board table
    order: int = 100   # place in reports


def cases():
    """Every registered Case, in report order."""
    from . import cases as package
    found = []
    for info in pkgutil.iter_modules(package.__path__):
        case = getattr(importlib.import_module(f'{package.__name__}.{info.name}'), 'CASE', None)
        if case is not None:
            found.append(case)
    return sorted(found, key=lambda c: (c.order, c.name))


def ours():
    """{benchmark name: our module's name}"""
    return {c.name: c.module for c in cases()}


def f32(a):
    return np.asarray(a, dtype='<f4').tobytes()
