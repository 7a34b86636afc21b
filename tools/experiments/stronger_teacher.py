"""The DIST paper's question on real data: as the teacher gets stronger, does
KD's student stop improving while DIST's keeps up?

    python -m tools.experiments.stronger_teacher [--work-dir
        work_dirs/stronger_teacher] [--seeds 0 1 2 3 4] [--jobs 2]

On scikit-learn's digits in the demo's low-data setting (the student and
every distillation see the same 10 labelled training images per class; 359
validation images), three ResNet-20 teachers get stronger by the data they
were trained on: the same 10 images per class, 30 per class, and the whole
training split (1,438 images, 30 epochs). The narrow ResNet-8 student of
`make demo` then learns from each teacher with KD (tau 4, the paper's
baseline, and tau 1), DIST (tau 1 and tau 4), DIST's inter-class relation
only and intra-class relation only (tau 1), CMKD and DIST+, every run over
every seed (seed s distils from the teacher of seed s). Writes results.json,
table.md (mean +- std and the teachers' accuracy) and stronger_teacher.png
(student top-1 against teacher top-1 per method) to the work dir.
"""
import argparse
import json
import os
import os.path as osp
import time

from tools.dataset_converters.export_digits import export_digits
from tools.demo.digits_demo import Method, run_all, summary, train

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

DISTILL = osp.join(REPO_ROOT, 'configs', 'distill', 'mmpretrain')
DIGITS = osp.join(REPO_ROOT, 'configs', 'mmpretrain', 'digits')
PAIR = 'resnet20_resnet8-w2_1xb64_digits.py'
DIST = osp.join(DISTILL, 'dist', f'dist_logits_{PAIR}')
LOSS = 'model.distiller.distill_losses'
# teacher level: (training images per class, epochs); None = all of them
TEACHERS = {'10/class': (10, 100), '30/class': (30, 100), 'all': (None, 30)}
STUDENT_DATA = 10


def student_methods() -> list[Method]:
    """The distillations of the experiment, each a config and options."""
    return [
        Method('KD tau 4', osp.join(DISTILL, 'kd', f'kd_logits_{PAIR}'),
               True),
        Method('KD tau 1', osp.join(DISTILL, 'kd', f'kd_logits_{PAIR}'),
               True, [f'{LOSS}.loss_kl.tau=1.0']),
        Method('DIST tau 1', DIST, True),
        Method('DIST tau 4', DIST, True, [f'{LOSS}.loss_dist.tau=4.0']),
        Method('DIST inter only', DIST, True,
               [f'{LOSS}.loss_dist.intra_loss_weight=0.0']),
        Method('DIST intra only', DIST, True,
               [f'{LOSS}.loss_dist.inter_loss_weight=0.0']),
        Method('CMKD', osp.join(DISTILL, 'cmkd', f'cmkd_logits_{PAIR}'),
               True),
        Method('DIST+', osp.join(DISTILL, 'dist-plus', f'dist-plus_{PAIR}'),
               True),
    ]


def plot(rows: list, path: str) -> None:
    """Student top-1 (mean, std bars) against teacher top-1 per method; all
    of it on the left, the range above the student alone on the right."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    figure, panels = plt.subplots(1, 2, figsize=(12, 5), dpi=110)
    methods = [name for name in rows[0]['students']]
    teacher_x = [row['teacher_mean'] for row in rows]
    alone = rows[0]['student_alone']
    top = max(row['students'][name]['mean'] + row['students'][name]['std']
              for row in rows for name in methods)
    for panel in panels:
        for name in methods:
            means = [row['students'][name]['mean'] for row in rows]
            stds = [row['students'][name]['std'] for row in rows]
            panel.errorbar(teacher_x, means, yerr=stds, marker='o',
                           capsize=3, label=name)
        panel.axhline(alone['mean'], color='grey', linestyle='--',
                      label='student alone')
        panel.set_xlabel('teacher top-1 (%), mean over seeds')
        panel.set_ylabel('student top-1 (%), mean +- std over seeds')
        panel.grid(alpha=0.3)
    panels[1].set_ylim(alone['mean'] - alone['std'] - 2, top + 1)
    panels[0].set_title('all runs')
    panels[1].set_title('zoom: above the student alone')
    panels[0].legend(fontsize=8)
    figure.suptitle('digits, 10 labelled images per class: narrow ResNet-8 '
                    'student from ResNet-20 teachers trained on more data',
                    fontsize=10)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def table(rows: list) -> str:
    methods = list(rows[0]['students'])
    alone = rows[0]['student_alone']
    header = '| teacher (trained on) | teacher top-1 | ' + ' | '.join(
        methods) + ' |'
    lines = [header, '|' + '---|' * (len(methods) + 2)]
    for row in rows:
        cells = [f"{s['mean']:.2f} +- {s['std']:.2f}"
                 for s in row['students'].values()]
        lines.append(f"| {row['teacher']} | {row['teacher_mean']:.2f} +- "
                     f"{row['teacher_std']:.2f} | " + ' | '.join(cells) +
                     ' |')
    lines.append(f"\nStudent alone: {alone['mean']:.2f} +- "
                 f"{alone['std']:.2f} (top-1 %, mean +- std over "
                 f"{len(alone['values'])} seeds).")
    return '\n'.join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/stronger_teacher')
    parser.add_argument('--seeds', type=int, nargs='+',
                        default=[0, 1, 2, 3, 4])
    parser.add_argument('--epochs', type=int, default=100,
                        help='epochs of the students')
    parser.add_argument('--jobs', type=int, default=2)
    parser.add_argument('--limit', type=int, default=None,
                        help='use only the first N digits (tests)')
    parser.add_argument('--plot-only', action='store_true',
                        help='redraw the plot from the results.json of '
                        'the work dir')
    args = parser.parse_args()
    work_dir = osp.abspath(args.work_dir)
    if args.plot_only:
        with open(osp.join(work_dir, 'results.json')) as f:
            plot(json.load(f)['rows'],
                 osp.join(work_dir, 'stronger_teacher.png'))
        return
    seeds = list(args.seeds)
    threads = max(1, (os.cpu_count() or 1) // args.jobs)
    data = {}
    for level, (per_class, _) in TEACHERS.items():
        root = osp.join(work_dir, 'data', level.replace('/', '_'))
        data[level] = root
        export_digits(root, limit=args.limit, train_per_class=per_class)
    student_root = data[f'{STUDENT_DATA}/class']

    teachers = {level: Method(f'teacher {level}',
                              osp.join(DIGITS, 'resnet20_1xb64_digits.py'))
                for level in TEACHERS}
    alone = Method('student alone',
                   osp.join(DIGITS, 'resnet8-w2_1xb64_digits.py'))
    students = {level: student_methods() for level in TEACHERS}
    total = len(seeds) * (len(TEACHERS) + 1 + sum(
        len(m) for m in students.values()))
    print(f'{total} trainings, seeds {seeds}, {args.jobs} at a time',
          flush=True)

    def run_dir(method, level, seed):
        name = method.work_dir_name
        return osp.join(work_dir, level.replace('/', '_'), name, f'seed{seed}')

    def teacher_ckpt(level, seed):
        if level not in TEACHERS:  # the student alone
            return None
        epochs = TEACHERS[level][1]
        return osp.join(run_dir(teachers[level], level, seed),
                        f'epoch_{epochs}.pth')

    def job(method, level, seed, data_root, epochs):
        return lambda: train(method, seed, run_dir(method, level, seed),
                             data_root, epochs, teacher_ckpt(level, seed),
                             threads) + f'  [{level}]'

    done: list = []
    start = time.time()
    run_all([job(teachers[level], level, seed, data[level],
                 TEACHERS[level][1])
             for level in TEACHERS for seed in seeds] +
            [job(alone, 'alone', seed, student_root, args.epochs)
             for seed in seeds], args.jobs, done, total)
    run_all([job(method, level, seed, student_root, args.epochs)
             for level in TEACHERS for method in students[level]
             for seed in seeds], args.jobs, done, total)
    seconds = time.time() - start

    def stats(method):
        values = method.final(seeds)
        mean, std = summary(values)
        return dict(values=values, mean=mean, std=std)

    rows = []
    for level in TEACHERS:
        teacher = stats(teachers[level])
        rows.append(dict(
            teacher=f'ResNet-20 ({level})', teacher_mean=teacher['mean'],
            teacher_std=teacher['std'], teacher_values=teacher['values'],
            student_alone=stats(alone),
            students={m.name: stats(m) for m in students[level]}))
    markdown = table(rows)
    print(f'\n{markdown}\n\n{seconds:.0f} s of training', flush=True)
    os.makedirs(work_dir, exist_ok=True)
    with open(osp.join(work_dir, 'table.md'), 'w') as f:
        f.write(markdown + f'\n\n{seconds:.0f} s of training.\n')
    with open(osp.join(work_dir, 'results.json'), 'w') as f:
        json.dump(dict(seeds=seeds, seconds=round(seconds, 1), rows=rows),
                  f, indent=2)
    plot(rows, osp.join(work_dir, 'stronger_teacher.png'))
    print(f'Written: {work_dir}/table.md, results.json, stronger_teacher.png')


if __name__ == '__main__':
    main()
