"""The PNG chart of one benchmark report (matplotlib, log scale)."""
import math

from .registry import ours


def draw_chart(report, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    mine = {b: m for b, m in ours().items() if m}
    benches = [b for b in mine if any(r['bench'] == b and 'median' in r for r in report['rows'])]
    if not benches:
        return
    fig, axes = plt.subplots(1, len(benches), figsize=(4.2 * len(benches), 4.2), squeeze=False)
    unit = 'instructions' if report['unit'] == 'instructions' else 'us'
    for ax, bench in zip(axes[0], benches):
        rows = [r for r in report['rows'] if r['bench'] == bench and 'median' in r]
        cases = list(dict.fromkeys(r['case'] for r in rows))
        impls = list(dict.fromkeys(r['impl'] for r in rows))
        impls.sort(key=lambda impl: impl != mine[bench])
        width = 0.8 / len(impls)
        for i, impl in enumerate(impls):
            color = 'tab:green' if impl == mine[bench] else f'C{i - 1}'
            values = [next((r['median'] for r in rows if r['case'] == c and r['impl'] == impl), math.nan)
                      for c in cases]
            ax.bar([j + i * width for j in range(len(cases))], values, width, label=impl, color=color)
        ax.set_xticks([j + 0.4 - width / 2 for j in range(len(cases))])
        ax.set_xticklabels([c.replace('items=', '').replace('order=', '').replace('n=', '') for c in cases],
                           rotation=45, ha='right', fontsize=8)
        ax.set_yscale('log')
        ax.set_title(bench, fontsize=10)
        ax.set_ylabel(f'{unit} per operation (log)', fontsize=8)
        ax.legend(fontsize=7)
    fig.suptitle(f'emlearn-micropython benchmarks: {report["target"]} ({report["arch"]})', fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
