"""Exporters: one module per model family (trees, neighbors, iir, ...) that
turns a fitted host model into the file its native module loads, with
`convert`/`save`/`predict` twins that compute on the host what the device will.

An exporter that takes fitted estimators lists their class names (or the
suffixes of model files it reads, '.onnx') in ESTIMATORS and provides
convert(estimator, **options); `convert` below finds it by the estimator's
class name or the file's suffix, so a new exporter needs no edit here.
Optional frameworks are imported only inside the exporter that needs them.
"""
import importlib
import os
import pkgutil


def exporters():
    """{estimator class name: exporter module} over every module in export/."""
    table = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f'{__name__}.{info.name}')
        for name in getattr(module, 'ESTIMATORS', ()):
            table[name] = module
    return table


def convert(estimator, **options):
    """The device model for a fitted estimator (by its class name) or a
    model file (by its suffix)."""
    is_path = isinstance(estimator, (str, os.PathLike))
    name = os.path.splitext(os.fspath(estimator))[1] if is_path else type(estimator).__name__
    table = exporters()
    if name not in table:
        raise ValueError(f'unsupported estimator {name}: expected one of {", ".join(sorted(table))}')
    return table[name].convert(estimator, **options)
