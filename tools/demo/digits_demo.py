"""`make demo`: distil on a real dataset that ships inside scikit-learn.

Exports scikit-learn's 1,797 handwritten digits (8x8 grey, 10 classes) as an
image folder with a fixed train/val split, trains a CIFAR ResNet-20 teacher,
then the same narrow ResNet-8 student four times (alone, with KD, with
DIST, with CMKD) through tools/train.py and this repo's configs, and prints a
table of validation accuracies. Writes the students' validation curves to a
PNG and all figures to results.json in the work dir.

    python tools/demo/digits_demo.py [--work-dir work_dirs/demo_digits]
"""
import argparse
import json
import os
import os.path as osp
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(REPO_ROOT, 'configs')
TRAIN = osp.join(REPO_ROOT, 'tools', 'train.py')
VAL_LINE = re.compile(r'Epoch\(val\) \[(\d+)\].*?accuracy/top1: ([\d.]+)')


@dataclass
class Run:
    """One training of the demo and what it measured."""
    name: str
    config: str
    needs_teacher: bool = False
    curve: list = field(default_factory=list)  # (epoch, val top-1)
    seconds: float = 0.0

    @property
    def work_dir_name(self) -> str:
        return re.sub(r'[^a-z0-9]+', '_', self.name.lower()).strip('_')


def demo_runs() -> list[Run]:
    distill = osp.join(CONFIGS, 'distill', 'mmpretrain')
    digits = osp.join(CONFIGS, 'mmpretrain', 'digits')
    return [
        Run('teacher ResNet-20', osp.join(digits, 'resnet20_1xb64_digits.py')),
        Run('student alone', osp.join(digits, 'resnet8-w4_1xb64_digits.py')),
        Run('student + KD',
            osp.join(distill, 'kd',
                     'kd_logits_resnet20_resnet8-w4_1xb64_digits.py'),
            needs_teacher=True),
        Run('student + DIST',
            osp.join(distill, 'dist',
                     'dist_logits_resnet20_resnet8-w4_1xb64_digits.py'),
            needs_teacher=True),
        Run('student + CMKD',
            osp.join(distill, 'cmkd',
                     'cmkd_logits_resnet20_resnet8-w4_1xb64_digits.py'),
            needs_teacher=True),
    ]


def train(run: Run, work_dir: str, data_root: str, epochs: int,
          teacher_ckpt: str, step: str) -> None:
    """Train ``run`` with tools/train.py, printing one line per epoch."""
    options = [
        f'train_dataloader.dataset.data_root={data_root}',
        f'val_dataloader.dataset.data_root={data_root}',
        f'train_cfg.max_epochs={epochs}',
        f'param_scheduler.T_max={epochs}',
        f'default_hooks.checkpoint.interval={epochs}',
    ]
    if run.needs_teacher:
        options.append(f'model.teacher_ckpt={teacher_ckpt}')
    command = [
        sys.executable, TRAIN, run.config, '--work-dir', work_dir,
        '--cfg-options', *options
    ]
    print(f'{step} {run.name}: {osp.relpath(run.config, REPO_ROOT)}',
          flush=True)
    start = time.time()
    log_path = osp.join(work_dir, 'demo_train.log')
    os.makedirs(work_dir, exist_ok=True)
    with open(log_path, 'w') as log, subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, cwd=REPO_ROOT) as process:
        for line in process.stdout:
            log.write(line)
            match = VAL_LINE.search(line)
            if match:
                epoch, top1 = int(match.group(1)), float(match.group(2))
                run.curve.append((epoch, top1))
                print(f'    epoch {epoch:>3}/{epochs}  val top-1 {top1:6.2f}%'
                      f'  ({time.time() - start:5.1f} s)', flush=True)
    if process.returncode != 0:
        raise SystemExit(f'{run.name} failed (exit {process.returncode}); '
                         f'see {log_path}')
    run.seconds = time.time() - start


def print_table(runs: list[Run]) -> None:
    rows = [('run', 'final top-1 (%)', 'best top-1 (%)', 'time (s)')]
    for run in runs:
        final = run.curve[-1][1]
        best = max(top1 for _, top1 in run.curve)
        rows.append((run.name, f'{final:.2f}', f'{best:.2f}',
                     f'{run.seconds:.0f}'))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for index, row in enumerate(rows):
        print('  '.join(cell.ljust(width) if i == 0 else cell.rjust(width)
                        for i, (cell, width) in enumerate(zip(row, widths))))
        if index == 0:
            print('  '.join('-' * width for width in widths))


def plot_curves(runs: list[Run], path: str) -> None:
    """All epochs on the left, the second half zoomed in on the right."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    figure, panels = plt.subplots(1, 2, figsize=(11, 4.5), dpi=110)
    last_epoch = max(epoch for run in runs for epoch, _ in run.curve)
    zoom_from = last_epoch // 2 + 1
    for panel, first in zip(panels, (1, zoom_from)):
        shown = []
        for run in runs:
            points = [(e, a) for e, a in run.curve if e >= first]
            if not points:
                continue
            epochs, top1 = zip(*points)
            shown.extend(top1)
            style = dict(linestyle='--', color='grey') if 'teacher' in \
                run.name else {}
            panel.plot(epochs, top1, marker='.', label=run.name, **style)
        panel.set_xlabel('epoch')
        panel.set_ylabel('validation top-1 (%)')
        panel.grid(alpha=0.3)
        if first > 1 and shown:
            panel.set_ylim(min(shown) - 0.5, min(100.0, max(shown) + 0.5))
            panel.set_title(f'epochs {first}-{last_epoch} (zoom)')
        else:
            panel.set_title('all epochs')
    panels[0].legend(loc='lower right')
    figure.suptitle('scikit-learn digits: ResNet-20 teacher, '
                    'narrow ResNet-8 student')
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/demo_digits')
    parser.add_argument('--epochs', type=int, default=30)
    parser.add_argument(
        '--limit', type=int, default=None,
        help='use only the first N digits (quick runs and tests)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    work_dir = osp.abspath(args.work_dir)
    data_root = osp.join(work_dir, 'data')
    sys.path.insert(0, osp.join(REPO_ROOT, 'tools', 'dataset_converters'))
    from export_digits import export_digits
    counts = export_digits(data_root, limit=args.limit)
    runs = demo_runs()
    steps = len(runs) + 1
    print(f'[1/{steps}] digits exported to {data_root}: '
          f'{counts["train"]} train, {counts["val"]} val images', flush=True)

    teacher_dir = osp.join(work_dir, runs[0].work_dir_name)
    teacher_ckpt = osp.join(teacher_dir, f'epoch_{args.epochs}.pth')
    total = time.time()
    for index, run in enumerate(runs):
        train(run, osp.join(work_dir, run.work_dir_name), data_root,
              args.epochs, teacher_ckpt, f'[{index + 2}/{steps}]')

    print(f'\nValidation accuracy on {counts["val"]} digits after '
          f'{args.epochs} epochs ({time.time() - total:.0f} s of training):')
    print_table(runs)
    plot_path = osp.join(work_dir, 'val_accuracy.png')
    plot_curves(runs, plot_path)
    results = {
        'images': counts,
        'epochs': args.epochs,
        'runs': [dict(name=run.name, config=osp.relpath(run.config,
                                                        REPO_ROOT),
                      curve=run.curve, seconds=round(run.seconds, 1))
                 for run in runs],
    }
    results_path = osp.join(work_dir, 'results.json')
    with open(results_path, 'w') as f:
        json.dump(results, f, indent=2)
    print(f'\nCurves: {plot_path}\nFigures: {results_path}')


if __name__ == '__main__':
    main()
