"""Benchmark the native modules against what users would otherwise use."""
from pathlib import Path

from ..build.abi import TOP
from ..targets import DeviceError, open_target
from ..targets.spec import HELP
from .registry import cases
from .report import readme_tables, write_report
from .runner import bench_spec, run_target

RESULTS = TOP / 'bench' / 'results'


def add_arguments(parser):
    names = ','.join(c.name for c in cases())
    parser.add_argument('--target', action='append', default=None,
                        help=f'{HELP}; default unix; repeatable')
    parser.add_argument('--only', default=names,
                        help='comma-separated benchmarks (default: %(default)s)')
    parser.add_argument('--quick', action='store_true', help='tiny configuration (checks the harness)')
    parser.add_argument('--out', default=None,
                        help='results folder (default: bench/results; build/bench/quick with --quick)')
    parser.add_argument('--build', default=str(TOP / 'build' / 'bench'), help='generated files')
    parser.add_argument('--no-chart', action='store_true', help='skip the PNG chart')
    parser.add_argument('--readme', action='store_true',
                        help='print the README tables from the results already in --out, run nothing')


def main(args):
    out = Path(args.out or (TOP / 'build' / 'bench' / 'quick' if args.quick else RESULTS))
    if args.readme:
        print(readme_tables(out))
        return 0
    only = [s for s in args.only.split(',') if s]
    chosen = [c for c in cases() if c.name in only]
    config = {k: v for c in chosen for k, v in (c.quick if args.quick else c.full).items()}
    build = Path(args.build)
    out.mkdir(parents=True, exist_ok=True)
    prepared = {c.name: c.prepare(c.quick if args.quick else c.full, build / c.name)
                for c in chosen}
    failed = False
    for spec in map(bench_spec, args.target or ['unix']):
        try:
            target = open_target(spec)
        except (ImportError, OSError, RuntimeError, ValueError) as e:
            print(f'bench: skip target {spec}: not available ({type(e).__name__}: {e})')
            continue
        try:
            with target:
                report = run_target(spec, target, prepared, config, args.quick, build)
        except DeviceError as e:
            print(f'bench: target {spec} failed: {e}')
            failed = True
            continue
        write_report(report, out, spec, chart=not args.no_chart)
    return 1 if failed else 0
