"""Run the prepared benchmark cases on one target and collect the records
that the device scripts print."""
import platform
import subprocess
import time
from pathlib import Path

from ..build.abi import TOP, dist_dir
from ..targets import DeviceError, TargetSpec
from ..targets.base import write_file
from .registry import cases
from .report import summarise

DEVICE = Path(__file__).resolve().parent / 'device'
FLOOR_DIR = TOP / 'bench' / 'floor'
QEMU_HEAP = 1 << 20

# Per kind of target: repeats of the native (REPEAT) and plain-Python
# (PY_REPEAT) measurements, and the least time one measurement lasts.
# Emulated boards count instructions (-icount shift=0): exactly repeatable.
TIMING = {
    'unix': {'REPEAT': 9, 'PY_REPEAT': 5, 'MIN_US': 20000, 'MAX_ROWS': 450},
    'qemu': {'REPEAT': 2, 'PY_REPEAT': 1, 'MIN_US': 2000, 'MAX_ROWS': 100},
    'board': {'REPEAT': 5, 'PY_REPEAT': 1, 'MIN_US': 20000, 'MAX_ROWS': 100},
    'quick': {'REPEAT': 3, 'PY_REPEAT': 1, 'MIN_US': 500, 'MAX_ROWS': 450},
}


def bench_spec(text):
    """Emulated boards always count instructions (-icount shift=0), with a
    1 MB heap unless told otherwise so that the large peers fit too."""
    spec = TargetSpec.parse(text)
    if spec.kind == 'qemu':
        spec = spec.with_options(icount=True, heap=spec.heap or QEMU_HEAP)
    return spec


def run_target(spec, target, prepared, config, quick, build):
    """The report of every prepared case ({name: runs}) on one target."""
    timing = TIMING['quick' if quick else spec.kind]
    floor_file = build_floor(target.arch)
    missing = missing_modules(target.arch)
    for name, why in missing.items():
        print(f'bench: {spec}: skip {name}: {why}')
    scripts = {c.name: c.script for c in cases()}
    records = []
    started = time.time()
    for name, runs in prepared.items():
        for run in runs:
            files = dict(run['files'])
            for helper in run['helpers']:
                files[helper] = DEVICE / helper
            if name == 'floor' and floor_file:
                files['emlfloor.mpy'] = floor_file
            files['benchcfg.py'] = cfg_text({**run['cfg'], **timing})
            if 'row_bytes' in run:  # only the rows this target uses
                rows = Path(files['rows.bin']).read_bytes()
                files['rows.bin'] = rows[:timing['MAX_ROWS'] * run['row_bytes']]
            records += run_script(spec, target, build, name, scripts[name], run, files)
    unit = 'instructions' if spec.kind == 'qemu' and spec.icount else 'us'
    rows = summarise(records, unit)
    add_file_sizes(rows, target.arch)
    return {
        'target': str(spec), 'arch': target.arch, 'unit': unit,
        'float_bits': target.float_bits,
        'date': time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
        'host': f'{platform.machine()} {platform.processor() or ""}'.strip(),
        'python': platform.python_version(), 'seconds': round(time.time() - started, 1),
        'timing': timing, 'config': dict(config),
        'skipped_modules': missing, 'rows': rows,
    }


def add_file_sizes(rows, arch):
    modules = {c.module for c in cases() if c.module}
    for row in rows:
        module = dist_dir(arch) / f'{row["impl"]}.mpy'
        if row['impl'] in modules and module.exists():
            row.setdefault('files', {})[module.name] = module.stat().st_size


def run_script(spec, target, build, name, script_name, run, files):
    """The result records of one benchmark script run on the target."""
    script = (DEVICE / script_name).read_text()
    keep_run(build / 'runs' / spec.results_name / f'{name}-{run["label"]}', files, script_name,
             script)
    t0 = time.time()
    try:
        output = target.run(script, files, timeout=900)
        got = [r for r in output.results if isinstance(r, dict) and 't' in r]
        if not any(r['t'] == 'done' for r in got):
            raise DeviceError(f'{script_name} did not finish:\n{output.stdout[-2000:]}')
    except DeviceError as e:  # reported; the other scripts still run
        print(f'bench: {spec}: {name} {run["label"]} failed: {e}')
        return [{'t': 'skip', 'bench': name, 'case': run['label'], 'impl': '*',
                 'why': 'script failed: ' + str(e).strip().splitlines()[-1][:200]}]
    print(f'bench: {spec}: {name} {run["label"]}: {time.time() - t0:.1f} s')
    for r in got:
        r.update(run.get('meta', {}).get(r.get('impl'), {}))
    return [dict(r, expected=run.get('expected')) for r in got]


def keep_run(folder, files, script_name, script):
    # Everything one run copies to the target, so a single benchmark can be
    # repeated by hand: mpremote cp * : + run bench_x.py
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        write_file(folder / name, data)
    (folder / script_name).write_text(script)


def build_floor(arch):
    proc = subprocess.run(['make', '--no-print-directory', '-C', str(FLOOR_DIR), f'ARCH={arch}'],
                          capture_output=True, text=True)
    path = TOP / 'build' / 'bench' / arch / 'emlfloor.mpy'
    if proc.returncode != 0 or not path.exists():
        print(f'bench: skip the native call floor on {arch}: emlfloor did not build\n'
              f'{proc.stderr[-600:]}')
        return None
    return path


def missing_modules(arch):
    dist = dist_dir(arch)
    return {c.module: f'{dist.relative_to(TOP)}/{c.module}.mpy not built (run make ARCH={arch})'
            for c in cases() if c.module and not (dist / f'{c.module}.mpy').exists()}


def cfg_text(values):
    return ''.join(f'{k} = {v!r}\n' for k, v in values.items())
