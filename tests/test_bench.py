"""The benchmark harness (emlearn-mp bench) runs end to end on a tiny
configuration on the unix port. Timings are reported, never checked here:
only that every registered case produced its rows and that the plain-Python
baselines agree with scikit-learn."""
import argparse
import json

from emlearn_micropython.bench import cli
from emlearn_micropython.bench.registry import cases
from emlearn_micropython.build.abi import built_modules


def test_bench_quick_runs_every_benchmark(tmp_path):
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    args = parser.parse_args(['--quick', '--target', 'unix', '--out', str(tmp_path / 'out'),
                              '--build', str(tmp_path / 'build'), '--no-chart'])
    assert cli.main(args) == 0
    report = json.loads((tmp_path / 'out' / 'unix.json').read_text())
    rows = {(r['bench'], r['impl']): r for r in report['rows']}
    for case in cases():
        for peer in case.peers:
            assert rows[(case.name, peer)]['median'] > 0, (case.name, peer)
    # m2cgen compares with <= like scikit-learn; the kNN baseline is exact.
    assert rows[('trees', 'm2cgen')]['agreement'] == 1.0
    assert rows[('knn', 'python')]['agreement'] == 1.0
    # Each native module that is built is measured; one not built is
    # skipped, saying so.
    built = {p.stem for p in built_modules('x64')}
    for case in cases():
        if case.module in built:
            assert rows[(case.name, case.module)]['median'] > 0, case.name
        elif case.module:
            assert case.module in report['skipped_modules'], case.name
    table = (tmp_path / 'out' / 'unix.md').read_text()
    for case in cases():
        assert f'#### {case.title}' in table
