"""The benchmark harness (emlearn-mp bench) runs end to end on a tiny
configuration on the unix port. Timings are reported, never checked here:
only that every benchmark produced its rows and that the plain-Python
baselines agree with scikit-learn."""
import argparse
import json

from emlearn_micropython import bench


def test_bench_quick_runs_every_benchmark(tmp_path):
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    args = parser.parse_args(['--quick', '--target', 'unix', '--out', str(tmp_path / 'out'),
                              '--build', str(tmp_path / 'build'), '--no-chart'])
    assert bench.main(args) == 0
    report = json.loads((tmp_path / 'out' / 'unix.json').read_text())
    rows = {(r['bench'], r['impl']): r for r in report['rows']}
    for key in [('floor', 'python function'), ('trees', 'm2cgen'), ('trees', 'everywhereml'),
                ('fft', 'python'), ('iir', 'python'), ('knn', 'python')]:
        assert rows[key]['median'] > 0, key
    # m2cgen compares with <= like scikit-learn; the kNN baseline is exact.
    assert rows[('trees', 'm2cgen')]['agreement'] == 1.0
    assert rows[('knn', 'python')]['agreement'] == 1.0
    # Each native module is measured, or skipped with a reason.
    for name, module in bench.OURS.items():
        row = rows[(name, module)]
        assert 'median' in row or row['skip'], row
    table = (tmp_path / 'out' / 'unix.md').read_text()
    assert '| case | implementation |' in table
