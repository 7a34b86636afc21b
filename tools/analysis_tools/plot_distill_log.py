"""Plot a distillation run's losses and DistillDiagnosticsHook series.

    python tools/analysis_tools/plot_distill_log.py WORK_DIR [WORK_DIR ...]
        [--labels A B ...] [--out-dir DIR]

Reads each run's ``scalars.json`` (the newest ``<timestamp>/vis_data/`` of
WORK_DIR) and draws one PNG per group of series, the runs overlaid:

* ``distill_losses.png``: the task and distillation losses and each loss's
  terms (``diag/<loss>.inter``, ``.intra``, ``.channel``, ...);
* ``distill_agreement.png``: top-1 agreement with the teacher;
* ``distill_kl_entropy.png``: KL(teacher || student) at tau 1 and both mean
  entropies;
* ``distill_grads.png``: the gradient norms that the distillation and task
  losses send into the student's recorded tensors (log scale), and their
  ratio.

Series names: docs/training.md#diagnostics.
"""
import argparse
import glob
import json
import os
import os.path as osp
import re

# group: (title, pattern of the series, log scale)
GROUPS = {
    'losses': ('losses and their terms',
               r'^(student\.loss.*|distill\.loss.*|diag/(?!grad\.)[^/]+\.'
               r'(inter|intra|channel|spatial|pearson|spearman))$', False),
    'agreement': ('top-1 agreement with the teacher (training batch)',
                  r'^diag/.+\.(agreement|spearman_share)$', False),
    'kl_entropy': ('KL(teacher || student) at tau 1, mean entropies (nats)',
                   r'^diag/.+\.(kl|entropy_student|entropy_teacher)$', False),
    'grads': ('gradient norms into the student (distillation, task) and '
              'their ratio', r'^diag/grad\..+$', True),
}


def scalars_path(work_dir: str) -> str:
    """The newest run's ``scalars.json`` under ``work_dir``."""
    found = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                      'scalars.json')))
    if not found:
        raise FileNotFoundError(
            f'no <timestamp>/vis_data/scalars.json under {work_dir}: give '
            "the work dir of a run trained with mmengine's LocalVisBackend "
            '(the default)')
    return found[-1]


def read_series(path: str) -> dict[str, list[tuple[int, float]]]:
    """Every training series of a ``scalars.json``: name -> [(iter, v)]."""
    series: dict[str, list[tuple[int, float]]] = {}
    with open(path) as f:
        for line in f:
            record = json.loads(line)
            if 'iter' not in record or 'lr' not in record:
                continue  # validation records
            for name, value in record.items():
                if isinstance(value, (int, float)) and name not in (
                        'iter', 'step', 'epoch'):
                    series.setdefault(name, []).append(
                        (record['iter'], float(value)))
    return series


def plot_runs(runs: dict[str, dict], out_dir: str) -> list[str]:
    """One PNG per group with series in ``runs`` (label -> series);
    returns their paths."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    os.makedirs(out_dir, exist_ok=True)
    written = []
    for group, (title, pattern, log) in GROUPS.items():
        chosen = [(label, name, points) for label, series in runs.items()
                  for name, points in sorted(series.items())
                  if re.match(pattern, name)]
        if not chosen:
            continue
        ratios = [c for c in chosen if c[1].endswith('.ratio')]
        panels = 2 if group == 'grads' and ratios else 1
        figure, axes = plt.subplots(1, panels, figsize=(6.5 * panels, 4.2),
                                    dpi=110, squeeze=False)
        for label, name, points in chosen:
            axis = axes[0][1] if panels == 2 and name.endswith(
                '.ratio') else axes[0][0]
            shown = name if len(runs) == 1 else f'{label}: {name}'
            axis.plot([p[0] for p in points], [p[1] for p in points],
                      label=shown, linewidth=1)
        for axis in axes[0]:
            axis.set_xlabel('iteration')
            axis.grid(alpha=0.3)
            axis.legend(fontsize=6)
            if log:
                axis.set_yscale('log')
        axes[0][0].set_title(title, fontsize=9)
        if panels == 2:
            axes[0][1].set_title('distillation / task', fontsize=9)
        figure.tight_layout()
        path = osp.join(out_dir, f'distill_{group}.png')
        figure.savefig(path)
        plt.close(figure)
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dirs', nargs='+', metavar='WORK_DIR')
    parser.add_argument('--labels', nargs='+',
                        help='a name per work dir (default: the dir names)')
    parser.add_argument('--out-dir',
                        help='where the PNGs go (default: the first work '
                        'dir)')
    args = parser.parse_args()
    labels = args.labels or [osp.basename(osp.normpath(d))
                             for d in args.work_dirs]
    if len(labels) != len(args.work_dirs):
        parser.error(f'--labels gives {len(labels)} names for '
                     f'{len(args.work_dirs)} work dirs')
    runs = {label: read_series(scalars_path(work_dir))
            for label, work_dir in zip(labels, args.work_dirs)}
    if not any(name.startswith('diag/') for series in runs.values()
               for name in series):
        print('no diag/ series in these logs: train with '
              "dist_kd_mm.DistillDiagnosticsHook in custom_hooks (the "
              'shipped configs have it)')
    paths = plot_runs(runs, args.out_dir or args.work_dirs[0])
    print('\n'.join(paths))


if __name__ == '__main__':
    main()
