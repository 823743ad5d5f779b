"""Package one arch's built modules: a package.json for mip and a .zip.

    python -m emlearn_micropython.build.release --arch armv6m [--dist dist] [modules...]

writes dist/<arch>_<abi>/package.json (so `mpremote mip install
dist/armv6m_6.3/package.json`, or the same path on a web server, installs
the modules into the board's /lib) and
dist/emlearn-micropython-<version>-<arch>_<abi>.zip (the folder, to attach to
a release). Each file's header is checked against the arch first.
"""
import argparse
import json
import re
import sys
import zipfile
from pathlib import Path

from .abi import ABI, TOP, built_modules, dist_dir
from .inspect_mpy import inspect_file


def project_version():
    text = (TOP / 'pyproject.toml').read_text()
    return re.search(r'^version\s*=\s*"([^"]+)"', text, re.M).group(1)


def package(dist, arch, modules=None, version=None):
    """Write package.json and the archive for one arch; return the archive path."""
    version = version or project_version()
    folder = dist_dir(arch, dist)
    paths = built_modules(arch, dist)
    if modules:
        paths = [p for p in paths if p.stem in modules]
        missing = set(modules) - {p.stem for p in paths}
        if missing:
            raise SystemExit(f'release: {arch}: not built: {" ".join(sorted(missing))}')
    if not paths:
        raise SystemExit(f'release: no .mpy files in {folder}')
    for path in paths:
        info = inspect_file(path)
        if info['arch'] != arch or info['abi'] != ABI:
            raise SystemExit(f'release: {path} is {info["arch"]} .mpy {info["abi"]}, '
                             f'expected {arch} .mpy {ABI}')
    manifest = {'urls': [[p.name, p.name] for p in paths], 'version': version}
    (folder / 'package.json').write_text(json.dumps(manifest, indent=1) + '\n')
    archive = Path(dist) / f'emlearn-micropython-{version}-{arch}_{ABI}.zip'
    with zipfile.ZipFile(archive, 'w', zipfile.ZIP_DEFLATED) as z:
        for path in paths + [folder / 'package.json']:
            z.write(path, f'{folder.name}/{path.name}')
        for path in sorted(folder.glob('probe/*.mpy')):     # deploy's float ABI probe
            z.write(path, f'{folder.name}/probe/{path.name}')
    return archive, paths


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--arch', required=True)
    parser.add_argument('--dist', default=str(TOP / 'dist'))
    parser.add_argument('--version')
    parser.add_argument('modules', nargs='*')
    args = parser.parse_args(argv)
    archive, paths = package(args.dist, args.arch, args.modules, args.version)
    sizes = ' '.join(f'{p.stem}={p.stat().st_size}' for p in paths)
    print(f'dist: {args.arch}: {sizes} bytes -> {Path(archive).name}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
