"""The README demo, end to end: train an XOR random forest in scikit-learn,
export it, run the device script on the MicroPython unix port, and check the
device's answers against scikit-learn.

    python -m emlearn_micropython.demo --micropython .venv/bin/micropython
"""
import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

from .targets.unix import UnixTarget

# The device script, exactly as a user would write it.
DEVICE_SCRIPT = """\
import emltrees, array
model = emltrees.new(5, 30)   # up to 5 trees and 30 decision nodes
with open('xor_model.csv', 'r') as f:
    emltrees.load_model(model, f)
for ex in [array.array('f', [0.0, 0.0]), array.array('f', [1.0, 1.0])]:
    print(ex, model.predict(ex))
"""

# A second script: many points at once, to measure agreement.
CHECK_SCRIPT = """\
import emltrees, emltest
model = emltrees.new(5, 30)
with open('xor_model.csv', 'r') as f:
    emltrees.load_model(model, f)
X = emltest.read_array('X.bin', 'f')
n = model.n_features
print([model.predict(X[i:i + n]) for i in range(0, len(X), n)])
"""


def xor_data(n=400, seed=1):
    rng = np.random.RandomState(seed)
    X = rng.uniform(0.0, 1.0, size=(n, 2)).astype(np.float32)
    y = ((X[:, 0] > 0.5) ^ (X[:, 1] > 0.5)).astype(int)
    return X, y


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--micropython', help='the MicroPython unix port to run')
    args = parser.parse_args(argv)

    # On the computer
    from sklearn.ensemble import RandomForestClassifier
    X, y = xor_data()
    estimator = RandomForestClassifier(n_estimators=3, max_depth=3, max_features=2, random_state=1)
    estimator.fit(X, y)
    from emlearn_micropython import convert
    cmodel = convert(estimator, method='inline')

    with tempfile.TemporaryDirectory(prefix='emltrees-demo-') as work:
        path = Path(work) / 'xor_model.csv'
        cmodel.save(file=str(path), name='xor', format='csv')
        print(f'# exported {cmodel.n_trees} trees, {cmodel.n_nodes} nodes, {cmodel.n_leaves} leaves')
        print('# on the device:')
        target = UnixTarget(micropython=args.micropython)
        out = target.run(DEVICE_SCRIPT, files={'xor_model.csv': path})
        print(out.stdout, end='')

        examples = np.array([[0.0, 0.0], [1.0, 1.0]], dtype=np.float32)
        device = [int(line.rsplit(' ', 1)[1]) for line in out.lines if line.startswith('array')]
        expected = [int(v) for v in estimator.predict(examples)]
        print(f'# scikit-learn says {expected}, the device says {device}')

        X_test, _ = xor_data(n=1000, seed=2)
        check = target.run(CHECK_SCRIPT, files={'xor_model.csv': path, 'X.bin': X_test.tobytes()})
        agree = np.mean(np.array(check.results[0]) == estimator.predict(X_test))
        print(f'# agreement with scikit-learn on {len(X_test)} random points: {agree:.1%}')
    if device != expected or agree != 1.0:
        print('FAILED: the device disagrees with scikit-learn', file=sys.stderr)
        return 1
    print('# ok')
    return 0


if __name__ == '__main__':
    sys.exit(main())
