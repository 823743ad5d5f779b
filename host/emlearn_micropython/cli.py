"""emlearn-mp: the host-side command line (run, deploy, inspect, bench, ...)."""
import argparse
import importlib
import sys

# Each command lives in its own module, which provides add_arguments(parser)
# and main(args).
COMMANDS = {
    'run': 'emlearn_micropython.targets.run_cmd',
    'deploy': 'emlearn_micropython.deploy',
    'inspect': 'emlearn_micropython.build.inspect_mpy',
    'bench': 'emlearn_micropython.bench.cli',
    'iir': 'emlearn_micropython.export.iir',
}


def main(argv=None):
    parser = argparse.ArgumentParser(prog='emlearn-mp', description=__doc__)
    sub = parser.add_subparsers(dest='command', required=True)
    modules = {}
    for name, path in COMMANDS.items():
        module = importlib.import_module(path)
        modules[name] = module
        module.add_arguments(sub.add_parser(name, help=module.__doc__.splitlines()[0]))
    args = parser.parse_args(argv)
    return modules[args.command].main(args) or 0


if __name__ == '__main__':
    sys.exit(main())
