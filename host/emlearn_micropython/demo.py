"""The README demo, end to end: train an XOR random forest in scikit-learn,
export it, run the device script on the MicroPython unix port, and check the
device's answers against scikit-learn. The model file and the device script
stay in --out (default build/demo/), ready to copy to a board.

    python -m emlearn_micropython.demo --micropython .venv/bin/micropython
"""
import argparse
import sys
from pathlib import Path

import numpy as np

from .targets.unix import UnixTarget

# The device script, exactly as a user would write it (README, emltrees).
DEVICE_SCRIPT = """\
import emltrees, array
with open('xor_model.csv', 'r') as f:
    model = emltrees.load(f)      # sized by the file; or new() + load_model()
for ex in [array.array('f', [0.0, 0.0]), array.array('f', [1.0, 1.0])]:
    print(ex, model.classes[model.predict(ex)])
"""

# A second script: many points at once, to measure agreement.
CHECK_SCRIPT = """\
import emltrees, emltest
with open('xor_model.csv', 'r') as f:
    model = emltrees.load(f)
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
    parser.add_argument('--out', default='build/demo', help='folder for the model file and main.py '
                        '(default: %(default)s)')
    args = parser.parse_args(argv)

    # On the computer
    from sklearn.ensemble import RandomForestClassifier
    X, y = xor_data()
    estimator = RandomForestClassifier(n_estimators=3, max_depth=3, max_features=2, random_state=1)
    estimator.fit(X, y)
    from emlearn_micropython import convert
    cmodel = convert(estimator, method='inline')

    work = Path(args.out)
    work.mkdir(parents=True, exist_ok=True)
    path = work / 'xor_model.csv'
    cmodel.save(file=str(path), name='xor', format='csv')
    (work / 'main.py').write_text(DEVICE_SCRIPT)
    print(f'# exported {cmodel.n_trees} trees, {cmodel.n_nodes} nodes, {cmodel.n_leaves} leaves '
          f'to {path}; the device script is {work / "main.py"}')
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
