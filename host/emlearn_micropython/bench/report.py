"""Results: the rows summarised from the device records, with speedups
against the fastest peer, and the markdown tables (tabulate) of one report and
of the README."""
import json
import statistics

from tabulate import tabulate

from .registry import cases, ours


def table(rows, headers, align):
    """A markdown table; align: one of l r per column."""
    return tabulate(rows, headers, tablefmt='pipe', disable_numparse=True,
                    colalign=['left' if a == 'l' else 'right' for a in align])


def summarise(records, unit):
    scale = 1000.0 if unit == 'instructions' else 1.0
    rows = {}
    for r in records:
        if r['t'] == 'done':
            continue
        key = (r['bench'], r['case'], r['impl'])
        row = rows.setdefault(key, {'bench': r['bench'], 'case': r['case'], 'impl': r['impl']})
        kind = r['t']
        if kind == 'time':
            values = sorted(v * scale for v in r['us'])
            row.update(median=statistics.median(values), min=values[0], max=values[-1], n=len(values),
                       values=[round(v, 6) for v in values])
        elif kind == 'ram':
            row['ram_bytes'] = r['bytes']
            if 'code_bytes' in r:
                row['code_ram_bytes'] = r['code_bytes']
        elif kind == 'labels':
            expected = r['expected']
            if isinstance(expected, dict):
                expected = expected.get(r['case'])
            if expected is not None:
                same = sum(a == b for a, b in zip(r['labels'], expected))
                row['agreement'] = same / len(r['labels'])
                row['disagree'] = len(r['labels']) - same
                row['checked'] = len(r['labels'])
        elif kind == 'error':
            row['max_rel_error'] = r['max_rel']
        elif kind == 'skip':
            row['skip'] = r['why']
        if 'files' in r:
            row['files'] = r['files']
    rows = [r for r in rows.values() if r['case'] != '*' or 'skip' in r]
    add_ratios(rows)
    return rows


def add_ratios(rows):
    mine = ours()
    floor = next((r.get('median') for r in rows
                  if r['bench'] == 'floor' and r['impl'] == 'native method'), None)
    cases = {}
    for r in rows:
        cases.setdefault((r['bench'], r['case']), []).append(r)
    for (bench, _), group in cases.items():
        if bench == 'floor':
            continue
        peers = [r for r in group if 'median' in r and r['impl'] != mine[bench]]
        fastest = min(r['median'] for r in peers) if peers else None
        best = min(r['min'] for r in peers) if peers else None
        for r in group:
            if 'median' not in r:
                continue
            if fastest:
                r['speedup_vs_fastest_peer'] = fastest / r['median']
                r['speedup_best_of'] = best / r['min']  # from the fastest repeats
            if floor is not None:
                r['above_floor'] = r['median'] - floor


def fmt_time(value, unit):
    if value is None:
        return ''
    if unit == 'instructions':
        return f'{value / 1000:,.1f}k' if value >= 10000 else f'{value:,.0f}'
    if value >= 1000:
        return f'{value / 1000:,.2f} ms'
    return f'{value:.3g} us' if value < 100 else f'{value:.0f} us'


def fmt_bytes(n):
    if n is None:
        return ''
    return f'{n / 1024:.1f} kB' if abs(n) >= 1024 else f'{n} B'


def summary(report):
    """One line per case: our module, the fastest peer, the speedup."""
    unit = report['unit']
    rows = report['rows']
    lines = []
    for bench, module in ours().items():
        if module is None:
            continue
        for case in dict.fromkeys(r['case'] for r in rows if r['bench'] == bench):
            group = [r for r in rows if r['bench'] == bench and r['case'] == case]
            mine, peer = ours_and_peer(group, module)
            lines.append([bench, case, fmt_time(mine['median'], unit) if mine else 'n/a',
                          f'{peer["impl"]} {fmt_time(peer["median"], unit)}' if peer else 'n/a',
                          f'{mine["speedup_vs_fastest_peer"]:.0f}x' if mine and peer else '',
                          check_text(mine) if mine else '', check_text(peer) if peer else ''])
    return table(lines, ['benchmark', 'case', 'ours', 'fastest peer', 'speedup', 'ours: check',
                         'peer: check'], 'llrlrll') + '\n'


def ours_and_peer(group, module):
    """Our timed row and the fastest timed peer row of one case (or None)."""
    timed = [r for r in group if 'median' in r]
    mine = next((r for r in timed if r['impl'] == module), None)
    peers = sorted((r for r in timed if r['impl'] != module), key=lambda r: r['median'])
    return mine, peers[0] if peers else None


def readme_tables(out):
    """The unix summary, then key cases on the emulated boards side by side."""
    reports = {p.stem: json.loads(p.read_text()) for p in sorted(out.glob('*.json'))}
    text = []
    if 'unix' in reports:
        r = reports['unix']
        text += [f'Unix port (x64), {r["date"]}, wall clock, median of repeats:', '', summary(r)]
    boards = [r for name, r in reports.items() if name.startswith('qemu-')]
    if not boards:
        return '\n'.join(text)
    head = [f'{b["target"].split(":")[0]} ({b["arch"]}): ours / fastest peer (speedup)'
            for b in boards]
    lines = []
    for case in cases():
        for key in case.key_cases:
            cells = [board_cell(b, case, key) for b in boards]
            lines.append([case.name, key] + cells)
    text += ['Emulated boards, instructions per operation (`-icount shift=0`):', '',
             table(lines, ['benchmark', 'case'] + head, 'll' + 'l' * len(boards)), '']
    return '\n'.join(text)


def board_cell(report, case, key):
    group = [x for x in report['rows'] if x['bench'] == case.name and x['case'] == key]
    mine, peer = ours_and_peer(group, case.module)
    if not (mine and peer):
        return 'n/a'
    unit = report['unit']
    return (f'{fmt_time(mine["median"], unit)} / {peer["impl"]} {fmt_time(peer["median"], unit)} '
            f'({mine["speedup_vs_fastest_peer"]:.0f}x)')


def check_text(r):
    if 'agreement' in r:
        text = f'{100 * r["agreement"]:.1f}% agree'
        return text + (f' ({r["disagree"]} of {r["checked"]} differ)' if r['disagree'] else '')
    if 'max_rel_error' in r:
        return f'max err {r["max_rel_error"]:.1e} x rms'
    return ''


def markdown(report):
    unit = report['unit']
    unit_name = 'instructions (1 us = 1000 instructions, -icount shift=0)' if unit == 'instructions' \
        else 'wall-clock time, median of repeats (min..max)'
    lines = [f'### Target `{report["target"]}` ({report["arch"]})', '',
             f'{report["date"]}; unit: {unit_name}; run took {report["seconds"]} s.', '']
    floor = next((r for r in report['rows'] if r['bench'] == 'floor' and r['impl'] == 'native method'
                  and 'median' in r), None)
    if floor:
        lines += [f'Call floor (empty native method, one array argument): {fmt_time(floor["median"], unit)}.', '']
    for name, why in report['skipped_modules'].items():
        lines.append(f'- skipped `{name}`: {why}')
    lines += ['', summary(report)]
    for case in cases():
        rows = [r for r in report['rows'] if r['bench'] == case.name]
        if rows:
            lines += ['', f'#### {case.title}', '',
                      table([markdown_row(r, unit) for r in rows],
                            ['case', 'implementation', 'time', 'min..max', 'above floor',
                             'vs fastest peer', 'check', 'RAM', 'files'], 'llrrrrlrl')]
    return '\n'.join(lines) + '\n'


def markdown_row(r, unit):
    if 'skip' in r and 'median' not in r:
        return [r['case'], r['impl'], f'skipped: {r["skip"]}'] + [''] * 6
    spread = f'{fmt_time(r["min"], unit)}..{fmt_time(r["max"], unit)}' if r.get('n', 0) > 1 else ''
    ratio = r.get('speedup_vs_fastest_peer')
    ratio = '' if ratio is None else f'{ratio:.1f}x' if ratio < 100 else f'{ratio:.0f}x'
    ram = fmt_bytes(r.get('ram_bytes'))
    if 'code_ram_bytes' in r:
        ram += f' (+code {fmt_bytes(r["code_ram_bytes"])})'
    files = ', '.join(f'{k} {fmt_bytes(v)}' for k, v in r.get('files', {}).items())
    return [r['case'], r['impl'], fmt_time(r['median'], unit), spread,
            fmt_time(r.get('above_floor'), unit), ratio, check_text(r), ram, files]


def write_report(report, out, spec, chart=True):
    """<out>/<name>.json, .md and .png for one target's report."""
    import sys
    name = spec.results_name
    (out / f'{name}.json').write_text(json.dumps(report, indent=1, default=float) + '\n')
    text = markdown(report)
    (out / f'{name}.md').write_text(text)
    if chart:
        from .chart import draw_chart
        draw_chart(report, out / f'{name}.png')
    print(text)
    print(f'bench: wrote {out / name}.json, .md' + (', .png' if chart else ''))
    sys.stdout.flush()
