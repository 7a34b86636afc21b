"""`make demo`: distil on a real dataset that ships inside scikit-learn.

Exports scikit-learn's 1,797 handwritten digits (8x8 grey, 10 classes) as an
image folder with a fixed validation split (359 images) and a fixed,
stratified low-data training set (10 images per class), trains a CIFAR
ResNet-20 teacher, then a narrow ResNet-8 student alone and with KD, DIST,
CMKD and DIST+, every run over several seeds (seed s of a student distils
from the teacher of seed s), through tools/train.py and this repo's
configs. Prints a table of final validation accuracies (mean +- standard
deviation and every seed's value) and writes the curves (mean with the
seeds' range) to a PNG, the distilled students' diagnostics (first seed,
tools/analysis_tools/plot_distill_log.py) to diagnostics/, and all figures
to results.json in the work dir.

    python -m tools.demo.digits_demo [--work-dir work_dirs/demo_digits]
        [--seeds 0 1 2] [--epochs 100] [--train-per-class 10] [--jobs 2]

Run from the repository root as a module (``-m``), so that it imports the
export of ``tools/dataset_converters/export_digits.py``, and
``tools/experiments/stronger_teacher.py`` this script's runs, as modules.
"""
import argparse
import json
import os
import os.path as osp
import re
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from tools.analysis_tools.plot_distill_log import (
    plot_runs,
    read_series,
    scalars_path,
)
from tools.dataset_converters.export_digits import export_digits

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(REPO_ROOT, 'configs')
TRAIN = osp.join(REPO_ROOT, 'tools', 'train.py')
VAL_LINE = re.compile(r'Epoch\(val\) \[(\d+)\].*?accuracy/top1: ([\d.]+)')
TEACHER_VAL = re.compile(r'teacher\.accuracy/top1: ([\d.]+)')
PRINT_LOCK = threading.Lock()


@dataclass
class Method:
    """One row of the demo: a config trained once per seed."""
    name: str
    config: str
    needs_teacher: bool = False
    options: list = field(default_factory=list)  # extra --cfg-options
    curves: dict = field(default_factory=dict)  # seed: [(epoch, top1)]
    teacher_top1: dict = field(default_factory=dict)  # seed: final value
    seconds: dict = field(default_factory=dict)  # seed: wall time

    @property
    def work_dir_name(self) -> str:
        name = re.sub(r'(?<=\w)\+', ' plus', self.name.lower())  # DIST+
        return re.sub(r'[^a-z0-9]+', '_', name).strip('_')

    def final(self, seeds: list) -> list:
        return [self.curves[seed][-1][1] for seed in seeds]


def demo_methods() -> list[Method]:
    distill = osp.join(CONFIGS, 'distill', 'mmpretrain')
    digits = osp.join(CONFIGS, 'mmpretrain', 'digits')
    pair = 'resnet20_resnet8-w2_1xb64_digits.py'
    return [
        Method('teacher ResNet-20',
               osp.join(digits, 'resnet20_1xb64_digits.py')),
        Method('student alone', osp.join(digits,
                                         'resnet8-w2_1xb64_digits.py')),
        Method('student + KD', osp.join(distill, 'kd', f'kd_logits_{pair}'),
               needs_teacher=True),
        Method('student + DIST',
               osp.join(distill, 'dist', f'dist_logits_{pair}'),
               needs_teacher=True),
        Method('student + CMKD',
               osp.join(distill, 'cmkd', f'cmkd_logits_{pair}'),
               needs_teacher=True),
        Method('student + DIST+',
               osp.join(distill, 'dist-plus', f'dist-plus_{pair}'),
               needs_teacher=True),
    ]


def train(method: Method, seed: int, work_dir: str, data_root: str,
          epochs: int, teacher_ckpt: str, threads: int) -> str:
    """Train ``method`` with ``seed`` through tools/train.py; returns the
    line to print."""
    options = [
        f'train_dataloader.dataset.data_root={data_root}',
        f'val_dataloader.dataset.data_root={data_root}',
        f'train_cfg.max_epochs={epochs}',
        f'train_cfg.val_interval={max(1, epochs // 10)}',
        f'param_scheduler.T_max={epochs}',
        f'default_hooks.checkpoint.interval={epochs}',
        f'randomness.seed={seed}',
    ]
    if method.needs_teacher:
        options.append(f'model.teacher_ckpt={teacher_ckpt}')
    options += method.options
    command = [
        sys.executable, TRAIN, method.config, '--work-dir', work_dir,
        '--cfg-options', *options
    ]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    os.makedirs(work_dir, exist_ok=True)
    log_path = osp.join(work_dir, 'demo_train.log')
    start = time.time()
    curve, teacher = [], None
    with open(log_path, 'w') as log, subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, cwd=REPO_ROOT, env=env) as process:
        for line in process.stdout:
            log.write(line)
            match = VAL_LINE.search(line)
            if match:
                curve.append((int(match.group(1)), float(match.group(2))))
                found = TEACHER_VAL.search(line)
                teacher = float(found.group(1)) if found else teacher
    if process.returncode != 0 or not curve:
        raise SystemExit(f'{method.name} (seed {seed}) failed (exit '
                         f'{process.returncode}); see {log_path}')
    method.curves[seed] = curve
    method.seconds[seed] = time.time() - start
    if teacher is not None:
        method.teacher_top1[seed] = teacher
    return (f'{method.name:<18} seed {seed}: final top-1 {curve[-1][1]:6.2f}%'
            f'  ({method.seconds[seed]:4.0f} s)')


def run_all(jobs: list, workers: int, done: list, total: int) -> None:
    """Run ``jobs`` (callables returning a line) ``workers`` at a time,
    printing a numbered line as each ends."""
    def one(job):
        line = job()
        with PRINT_LOCK:
            done.append(line)
            print(f'[{len(done):>2}/{total}] {line}', flush=True)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(one, job) for job in jobs]:
            future.result()


def summary(values: list) -> tuple[float, float]:
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return statistics.mean(values), std


def print_table(methods: list[Method], seeds: list) -> None:
    rows = [('run', 'mean +- std (%)', 'per seed (%)', 'time/run (s)')]
    for method in methods:
        mean, std = summary(method.final(seeds))
        rows.append((method.name, f'{mean:.2f} +- {std:.2f}',
                     ' '.join(f'{v:.2f}' for v in method.final(seeds)),
                     f'{statistics.mean(method.seconds.values()):.0f}'))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for index, row in enumerate(rows):
        print('  '.join(cell.ljust(width) if i == 0 else cell.rjust(width)
                        for i, (cell, width) in enumerate(zip(row, widths))))
        if index == 0:
            print('  '.join('-' * width for width in widths))


def plot_curves(methods: list[Method], seeds: list, path: str,
                title: str) -> None:
    """Mean validation curve of each run with the seeds' range as a band;
    all epochs on the left, the second half zoomed in on the right."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    figure, panels = plt.subplots(1, 2, figsize=(11, 4.5), dpi=110)
    epochs = [e for e, _ in methods[0].curves[seeds[0]]]
    zoom_from = epochs[len(epochs) // 2]
    for panel, first in zip(panels, (epochs[0], zoom_from)):
        shown = []
        for method in methods:
            points = [e for e in epochs if e >= first]
            per_seed = [[a for e, a in method.curves[seed] if e >= first]
                        for seed in seeds]
            low = [min(v) for v in zip(*per_seed)]
            high = [max(v) for v in zip(*per_seed)]
            mean = [statistics.mean(v) for v in zip(*per_seed)]
            shown += low + high
            style = dict(linestyle='--', color='grey') if 'teacher' in \
                method.name else {}
            line, = panel.plot(points, mean, marker='.', label=method.name,
                               **style)
            panel.fill_between(points, low, high, alpha=0.15,
                               color=line.get_color())
        panel.set_xlabel('epoch')
        panel.set_ylabel('validation top-1 (%)')
        panel.grid(alpha=0.3)
        if first > epochs[0] and shown:
            panel.set_ylim(min(shown) - 1.0, min(100.0, max(shown) + 1.0))
            panel.set_title(f'epochs {first}-{epochs[-1]} (zoom)')
        else:
            panel.set_title('all epochs')
    panels[0].legend(loc='lower right', fontsize=8)
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/demo_digits')
    parser.add_argument('--epochs', type=int, default=100)
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--train-per-class', type=int, default=10,
                        help='labelled training images per class')
    parser.add_argument('--jobs', type=int, default=2,
                        help='trainings at a time (one CPU thread each '
                        'when 2 on 2 cores)')
    parser.add_argument(
        '--limit', type=int, default=None,
        help='use only the first N digits (quick runs and tests)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    work_dir = osp.abspath(args.work_dir)
    data_root = osp.join(work_dir, 'data')
    counts = export_digits(data_root, limit=args.limit,
                           train_per_class=args.train_per_class)
    methods = demo_methods()
    seeds = list(args.seeds)
    threads = max(1, (os.cpu_count() or 1) // args.jobs)
    total = len(methods) * len(seeds)
    print(f'digits exported to {data_root}: {counts["train"]} train '
          f'({args.train_per_class} per class), {counts["val"]} val images; '
          f'{total} trainings of {args.epochs} epochs, seeds {seeds}, '
          f'{args.jobs} at a time', flush=True)

    def teacher_ckpt(seed):
        return osp.join(work_dir, methods[0].work_dir_name, f'seed{seed}',
                        f'epoch_{args.epochs}.pth')

    def job(method, seed):
        return lambda: train(
            method, seed, osp.join(work_dir, method.work_dir_name,
                                   f'seed{seed}'), data_root, args.epochs,
            teacher_ckpt(seed), threads)

    done: list = []
    start = time.time()
    run_all([job(methods[0], seed) for seed in seeds], args.jobs, done,
            total)  # teachers first: the students load them
    run_all([job(method, seed) for method in methods[1:] for seed in seeds],
            args.jobs, done, total)
    seconds = time.time() - start

    print(f'\nValidation top-1 on {counts["val"]} digits after {args.epochs} '
          f'epochs on {counts["train"]} training images, {len(seeds)} seeds '
          f'({seconds:.0f} s of training):')
    print_table(methods, seeds)
    student = summary(methods[1].final(seeds))
    print(f'One validation image is {100 / counts["val"]:.2f} points. A '
          'difference between two rows means something only where it is '
          'larger than their seeds\' spread (std above).')
    plot_path = osp.join(work_dir, 'val_accuracy.png')
    plot_curves(methods, seeds, plot_path,
                f'scikit-learn digits, {args.train_per_class} training '
                'images per class: ResNet-20 teacher, narrow ResNet-8 '
                f'student; mean of {len(seeds)} seeds, band = range')
    results = {
        'images': counts,
        'train_per_class': args.train_per_class,
        'epochs': args.epochs,
        'seeds': seeds,
        'seconds': round(seconds, 1),
        'student_alone_mean': round(student[0], 4),
        'runs': [
            dict(name=method.name,
                 config=osp.relpath(method.config, REPO_ROOT),
                 final_top1=method.final(seeds),
                 mean=round(summary(method.final(seeds))[0], 4),
                 std=round(summary(method.final(seeds))[1], 4),
                 curves={str(s): method.curves[s] for s in seeds},
                 teacher_final_top1=[method.teacher_top1.get(s)
                                     for s in seeds]
                 if method.needs_teacher else None,
                 seconds=[round(method.seconds[s], 1) for s in seeds])
            for method in methods
        ],
    }
    # the distilled students' DistillDiagnosticsHook series, first seed
    diagnostics = plot_runs(
        {method.name: read_series(scalars_path(
            osp.join(work_dir, method.work_dir_name, f'seed{seeds[0]}')))
         for method in methods if method.needs_teacher},
        osp.join(work_dir, 'diagnostics'))
    results_path = osp.join(work_dir, 'results.json')
    with open(results_path, 'w') as f:
        json.dump(results, f, indent=2)
    print(f'\nCurves: {plot_path}\nDiagnostics (seed {seeds[0]}): '
          f'{", ".join(diagnostics)}\nFigures: {results_path}')


if __name__ == '__main__':
    main()
