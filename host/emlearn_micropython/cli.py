"""emlearn-mp: the host-side command line (run, deploy, inspect, bench, ...)."""
import argparse
import importlib
import pkgutil
import sys

# Each command lives in its own module, which provides add_arguments(parser)
# and main(args). An exporter in export/ that provides both is the command
# of its name (emlearn-mp iir ...).
COMMANDS = {
    'run': 'emlearn_micropython.targets.run_cmd',
    'deploy': 'emlearn_micropython.deploy',
    'inspect': 'emlearn_micropython.build.inspect_mpy',
    'bench': 'emlearn_micropython.bench.cli',
    'convert': 'emlearn_micropython.convert_file',
}


def commands():
    """{command name: module}: COMMANDS, then the exporters with a command."""
    from . import export
    found = {name: importlib.import_module(path) for name, path in COMMANDS.items()}
    for info in pkgutil.iter_modules(export.__path__):
        module = importlib.import_module(f'{export.__name__}.{info.name}')
        if hasattr(module, 'add_arguments') and hasattr(module, 'main'):
            found.setdefault(info.name, module)
    return found


# What a user did wrong (a bad option, a missing file, a device error): one
# line (or the device's own traceback), no host traceback. Anything else is
# a bug and keeps its traceback.
def _user_errors():
    from .deploy.plan import DeployError
    from .targets.base import DeviceError
    return (ValueError, OSError, DeviceError, DeployError)


def main(argv=None):
    parser = argparse.ArgumentParser(prog='emlearn-mp', description=__doc__)
    sub = parser.add_subparsers(dest='command', required=True)
    modules = {}
    for name, module in commands().items():
        modules[name] = module
        module.add_arguments(sub.add_parser(name, help=module.__doc__.splitlines()[0]))
    args = parser.parse_args(argv)
    try:
        return modules[args.command].main(args) or 0
    except _user_errors() as e:
        text = str(e) or type(e).__name__
        if isinstance(e, OSError) and e.filename is not None:
            text = f'{e.strerror}: {e.filename}'
        print(f'emlearn-mp {args.command}: error: {text}', file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
