"""Exporters: one module per model family (trees, neighbors, iir, ...) that
turns a fitted host model into the file its native module loads, with
`convert`/`save`/`predict` twins that compute on the host what the device will.

An exporter that takes fitted estimators lists their class names (or the
suffixes of model files it reads, '.onnx') in ESTIMATORS and provides
convert(estimator, **options); `convert` below finds it by the estimator's
class name or the file's suffix, so a new exporter needs no edit here. An
exporter that can fold a Pipeline's scalers in (export/pipeline.py) takes
them as convert(estimator, scalers=..., **options).
Optional frameworks are imported only inside the exporter that needs them.
"""
import importlib
import inspect
import os
import pkgutil

# What to do instead, for estimators people try first.
HINTS = {
    'KNeighborsRegressor': 'emlneighbors classifies; use KNeighborsClassifier',
    'RadiusNeighborsClassifier': 'use KNeighborsClassifier (emlneighbors)',
    'NearestCentroid': 'use KNeighborsClassifier (emlneighbors)',
    'GridSearchCV': 'convert its best_estimator_',
    'RandomizedSearchCV': 'convert its best_estimator_',
}
NO_MODULE = ('SVC', 'LinearSVC', 'NuSVC', 'SVR', 'LinearSVR', 'LogisticRegression', 'LinearRegression',
             'Ridge', 'RidgeClassifier', 'SGDClassifier', 'GaussianNB', 'Perceptron')


def exporters():
    """{estimator class name: exporter module} over every module in export/."""
    table = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f'{__name__}.{info.name}')
        for name in getattr(module, 'ESTIMATORS', ()):
            table[name] = module
    return table


def supported(table):
    """'trees: A, B; neighbors: C; ...': the supported estimators by exporter."""
    by_module = {}
    for name, module in sorted(table.items()):
        by_module.setdefault(module.__name__.rsplit('.', 1)[1], []).append(name)
    return '; '.join(f'{m}: {", ".join(names)}' for m, names in by_module.items())


def convert(estimator, **options):
    """The device model for a fitted estimator (by its class name) or a
    model file (by its suffix); a Pipeline of StandardScaler/MinMaxScaler
    steps and a model whose exporter folds scalers in converts to one model
    taking raw features."""
    is_path = isinstance(estimator, (str, os.PathLike))
    name = os.path.splitext(os.fspath(estimator))[1] if is_path else type(estimator).__name__
    table = exporters()
    scalers = None
    if name == 'Pipeline':
        from .pipeline import split
        scalers, estimator = split(estimator)
        name = type(estimator).__name__
    if name not in table:
        raise ValueError(f'unsupported estimator {name}: {_hint(name)}supported are {supported(table)}, '
                         'and a Pipeline of StandardScaler/MinMaxScaler steps before a trees or neighbors model')
    if scalers is not None:
        if 'scalers' not in inspect.signature(table[name].convert).parameters:
            raise ValueError(f'a Pipeline ending in {name} is not supported: convert its last step and '
                             'apply the scaler to the features on the device yourself')
        options['scalers'] = scalers
    return table[name].convert(estimator, **options)


def _hint(name):
    if name in HINTS:
        return HINTS[name] + '. '
    if name in NO_MODULE:
        return 'no device module implements it. '
    return ''
