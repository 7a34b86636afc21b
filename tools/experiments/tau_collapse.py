"""Why DIST at tau 4 collapses the digits student, with the diagnostics.

    python -m tools.experiments.tau_collapse [--work-dir
        work_dirs/tau_collapse] [--seeds 0 1 2 3 4] [--jobs 2]

The stronger-teacher experiment's strongest teacher (ResNet-20 trained on
all the digits' training split) and its narrow ResNet-8 student (10 images
per class, 100 epochs, SGD lr 0.1). DIST at tau 4 with loss weight 2 (the
paper's CIFAR setting: 32x on the relations) against changes of one thing
each: the scale (tau 4 at weight 1/8, the scale of tau 1 at weight 2; tau
1 at weight 32), the learning rate (0.01), a warm-up of the weight over 20
epochs (``DistillLossWarmupHook``), gradient clipping (norm 1), one of the
two relations; DIST at tau 1 and KD at tau 4 as references. Every run logs
``DistillDiagnosticsHook``'s series at every iteration. Writes table.md
(final top-1, mean +- std over seeds, and how many runs the hook warned
about), results.json and, under plots/, the diagnostics of seed 0 of the
collapsed run and of its two rescaled variants.
"""
import argparse
import json
import os
import os.path as osp
import re
import time

from tools.analysis_tools.plot_distill_log import (
    plot_runs,
    read_series,
    scalars_path,
)
from tools.dataset_converters.export_digits import export_digits
from tools.demo.digits_demo import Method, run_all, summary, train
from tools.experiments.stronger_teacher import (
    DIGITS,
    DIST,
    DISTILL,
    LOSS,
    PAIR,
)

T4 = f'{LOSS}.loss_dist.tau=4.0'
EVERY_ITERATION = 'default_hooks.logger.interval=1'
WARNING = re.compile(r'DistillDiagnosticsHook: at iteration (\d+)')
WARMUP_CONFIG = '''_base_ = [{dist!r}]
custom_hooks = [
    *_base_.custom_hooks,
    dict(type='dist_kd_mm.DistillLossWarmupHook', loss_names=['loss_dist'],
         warmup_epochs=20),
]
'''


def variants(work_dir: str) -> list[Method]:
    """The runs: DIST at tau 4, weight 2, and one change each."""
    warmup = osp.join(work_dir, 'dist_tau4_warmup20.py')
    os.makedirs(work_dir, exist_ok=True)
    with open(warmup, 'w') as f:
        f.write(WARMUP_CONFIG.format(dist=DIST))
    weight = f'{LOSS}.loss_dist.loss_weight'
    return [
        Method('DIST tau 4, w 2 (x32)', DIST, True, [T4]),
        Method('DIST tau 4, w 1/8 (x2)', DIST, True, [T4, f'{weight}=0.125']),
        Method('DIST tau 1, w 32 (x32)', DIST, True, [f'{weight}=32.0']),
        Method('DIST tau 4, w 2, lr 0.01', DIST, True,
               [T4, 'optim_wrapper.optimizer.lr=0.01']),
        Method('DIST tau 4, w 2, warm-up 20 ep', warmup, True, [T4]),
        Method('DIST tau 4, w 2, clip 1', DIST, True,
               [T4, '+optim_wrapper.clip_grad.max_norm=1.0']),
        Method('DIST tau 4, w 2, inter only', DIST, True,
               [T4, f'{LOSS}.loss_dist.intra_loss_weight=0.0']),
        Method('DIST tau 4, w 2, intra only', DIST, True,
               [T4, f'{LOSS}.loss_dist.inter_loss_weight=0.0']),
        Method('DIST tau 1, w 2 (x2)', DIST, True, []),
        Method('KD tau 4', osp.join(DISTILL, 'kd', f'kd_logits_{PAIR}'),
               True),
    ]


def warned_at(run_dir: str) -> list[int]:
    """The iterations at which the hook warned in a run's log."""
    with open(osp.join(run_dir, 'demo_train.log')) as f:
        return [int(m.group(1)) for m in WARNING.finditer(f.read())]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/tau_collapse')
    parser.add_argument('--seeds', type=int, nargs='+',
                        default=[0, 1, 2, 3, 4])
    parser.add_argument('--epochs', type=int, default=100)
    parser.add_argument('--teacher-epochs', type=int, default=30,
                        help="the stronger-teacher experiment's 'all' "
                        'teacher: 30')
    parser.add_argument('--jobs', type=int, default=2)
    parser.add_argument('--limit', type=int, default=None,
                        help='use only the first N digits (tests)')
    args = parser.parse_args()
    work_dir = osp.abspath(args.work_dir)
    seeds = list(args.seeds)
    threads = max(1, (os.cpu_count() or 1) // args.jobs)
    teacher_data = osp.join(work_dir, 'data', 'all')
    student_data = osp.join(work_dir, 'data', '10_class')
    export_digits(teacher_data, limit=args.limit)
    export_digits(student_data, limit=args.limit, train_per_class=10)
    teacher = Method('teacher', osp.join(DIGITS, 'resnet20_1xb64_digits.py'))
    teacher_epochs = args.teacher_epochs
    methods = variants(work_dir)

    def run_dir(method, seed):
        return osp.join(work_dir, method.work_dir_name, f'seed{seed}')

    def ckpt(seed):
        return osp.join(run_dir(teacher, seed), f'epoch_{teacher_epochs}.pth')

    done: list = []
    total = len(seeds) * (1 + len(methods))
    start = time.time()
    run_all([lambda s=s: train(teacher, s, run_dir(teacher, s), teacher_data,
                               teacher_epochs, None, threads)
             for s in seeds], args.jobs, done, total)
    for method in methods:
        method.options.append(EVERY_ITERATION)
    run_all([lambda m=m, s=s: train(m, s, run_dir(m, s), student_data,
                                    args.epochs, ckpt(s), threads)
             for m in methods for s in seeds], args.jobs, done, total)
    seconds = time.time() - start

    rows = []
    for method in methods:
        values = method.final(seeds)
        warnings = {s: warned_at(run_dir(method, s)) for s in seeds}
        mean, std = summary(values)
        rows.append(dict(name=method.name, values=values, mean=mean, std=std,
                         warned={str(s): w for s, w in warnings.items()}))
    teacher_mean, teacher_std = summary(teacher.final(seeds))
    lines = ['| run | student top-1 (%) | per seed | hook warned '
             '(iteration) |', '|---|---|---|---|']
    for row in rows:
        warned = [f'{w[0]}' for w in row['warned'].values() if w]
        lines.append(
            f"| {row['name']} | {row['mean']:.2f} +- {row['std']:.2f} | "
            + ' '.join(f'{v:.2f}' for v in row['values']) +
            f" | {len(warned)}/{len(seeds)}"
            + (f" (at {', '.join(warned)})" if warned else '') + ' |')
    lines.append(f'\nTeacher: {teacher_mean:.2f} +- {teacher_std:.2f}; '
                 f'{len(seeds)} seeds; {seconds:.0f} s of training.')
    markdown = '\n'.join(lines)
    print('\n' + markdown, flush=True)
    with open(osp.join(work_dir, 'table.md'), 'w') as f:
        f.write(markdown + '\n')
    with open(osp.join(work_dir, 'results.json'), 'w') as f:
        json.dump(dict(seeds=seeds, seconds=round(seconds, 1),
                       teacher=teacher.final(seeds), rows=rows), f, indent=2)
    shown = {m.name: read_series(scalars_path(run_dir(m, seeds[0])))
             for m in methods[:3]}
    paths = plot_runs(shown, osp.join(work_dir, 'plots'))
    print('Written: table.md, results.json, ' + ', '.join(paths))


if __name__ == '__main__':
    main()
