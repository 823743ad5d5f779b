"""Convert a fitted estimator saved with pickle or joblib into the model file its module loads.

    emlearn-mp convert forest.joblib forest.csv
    emlearn-mp convert mlp.pkl mlp.net --dtype int8 --calibration X.npy

The estimator goes through emlearn_micropython.convert, which picks the
exporter by its class name. Unpickling runs code from the file: convert
only files you trust.
"""
import inspect
from pathlib import Path


def add_arguments(parser):
    parser.add_argument('estimator', help='a fitted estimator saved with pickle.dump or joblib.dump')
    parser.add_argument('output', help='the model file to write (trees: .csv, networks: .net)')
    parser.add_argument('--dtype', help='float32 (default), int16 (trees) or int8 (networks)')
    parser.add_argument('--calibration', metavar='X.npy',
                        help='int8 networks: typical inputs (numpy .npy, one row per sample)')
    parser.add_argument('--name', help='the model name written in the file (trees)')


def load_estimator(path):
    """The object in a pickle or joblib file, which must look fitted-estimator-like."""
    import joblib
    if not Path(path).is_file():
        raise FileNotFoundError(2, 'No such file or directory', str(path))
    try:
        obj = joblib.load(path)
    except Exception as e:   # any unpickling failure: the file is not what we need
        raise ValueError(f'{path} is not a pickle or joblib file ({type(e).__name__}: {e})') from None
    if not (hasattr(obj, 'fit') or hasattr(obj, 'predict')):
        raise ValueError(f'{path} holds a {type(obj).__name__}, not a fitted estimator')
    return obj


def main(args):
    import numpy as np
    from emlearn_micropython import convert
    estimator = load_estimator(args.estimator)
    options = {'dtype': args.dtype} if args.dtype else {}
    if args.calibration:
        options['calibration'] = np.load(args.calibration)
    try:
        model = convert(estimator, **options)
    except TypeError as e:
        if 'unexpected keyword' not in str(e):
            raise
        given = ' '.join(f'--{k}' for k in options)
        raise ValueError(f'{type(estimator).__name__} does not take {given}') from None
    save = {'name': args.name} if args.name else {}
    if save and 'name' not in inspect.signature(model.save).parameters:
        raise ValueError(f'{type(estimator).__name__} files have no name: drop --name')
    model.save(args.output, **save)
    print(f'{args.output}: {type(estimator).__name__} ({args.dtype or "float32"})')
    return 0
