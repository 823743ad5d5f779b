"""Run a device script on the unix port or a board and print its output."""
import json
from pathlib import Path

from . import open_target
from .base import DeviceError
from .spec import HELP


def add_arguments(parser):
    parser.add_argument('script', help='MicroPython script to run')
    parser.add_argument('--target', default='unix',
                        help=f'{HELP}; default unix (a board gets the dist/ modules of ARCH)')
    parser.add_argument('--file', action='append', default=[],
                        help='file to copy next to the script (repeatable)')
    parser.add_argument('--results', action='store_true',
                        help='print only the result lines, one JSON value per line')


def main(args):
    script = Path(args.script).read_text()
    files = {Path(f).name: Path(f) for f in args.file}
    for path in files.values():
        path.stat()   # a missing --file is refused before the target starts
    with open_target(args.target) as target:
        try:
            out = target.run(script, files)
        except DeviceError as e:
            # the device runs the script as main.py: name the user's file
            raise DeviceError(str(e).replace('File "main.py"', f'File "{args.script}"')) from None
    if args.results:
        for value in out.results:
            print(json.dumps(value))
    else:
        print(out.stdout, end='')
