"""Run a device script on the unix port or a board and print its output."""
from . import runner


def add_arguments(parser):
    parser.add_argument('script', help='MicroPython script to run')
    parser.add_argument('--port', help='board serial port (mpremote connect PORT); default: unix port')
    parser.add_argument('--arch', default='x64', help='dist/ arch to copy to the board')
    parser.add_argument('--file', action='append', default=[], help='file to copy next to the script')
    parser.add_argument('--results', action='store_true', help='print only the result lines, as JSON')


def main(args):
    import json
    from pathlib import Path
    target = runner.BoardTarget(args.port, args.arch) if args.port else runner.UnixTarget()
    files = {Path(f).name: Path(f) for f in args.file}
    out = target.run(Path(args.script).read_text(), files)
    if args.results:
        for value in out.results:
            print(json.dumps(value))
    else:
        print(out.stdout, end='')
