"""Time and memory of the DIST loss against mmrazor's, a plain reference and
the softmax floor, measured in one process.

    python tools/benchmark_loss.py [--device cpu|cuda] [--threads 1]
                                   [--repeats 5] [--skip-large] [--cmkd]
                                   [--shapes 'ImageNet 256x1000' ...]

For each shape it times forward + backward (after warm-up, the
implementations interleaved round by round, the median of ``--repeats``
rounds) of:

* ``dist_kd_mm``: this package's DISTLoss (on the CPU its compiled kernel,
  ``dist_kd_mm._ext``, where built);
* ``torch-ops``: the same loss with the compiled kernel bypassed (its
  torch-ops implementation, the one used on CUDA);
* ``mmrazor``: mmrazor's DISTLoss (on dense maps it computes another intra
  relation, see the README; timed all the same);
* ``reference``: the formula written plainly with autograd (dense maps
  flattened to (N*H*W, C));
* ``floor``: one softmax forward + backward of the student logits, which any
  exact DIST loss must pay,
* ``cmkd`` (with ``--cmkd``): dist_kd_mm.CMKDLoss with its defaults, with its
  time and peak memory relative to DISTLoss,

and prints milliseconds, the ratio to the floor and to mmrazor, and the
peak memory the loss allocates (dist_kd_mm.utils.memory.PeakMemoryTracker)
as a multiple of the size of the two logits tensors.
"""
import argparse
import statistics
import time
from typing import Callable

import torch

import dist_kd_mm  # noqa: F401  (before mmrazor)
from dist_kd_mm import DISTLoss
from dist_kd_mm.ops import compiled_kernel, compiled_kernel_available
from dist_kd_mm.utils.memory import PeakMemoryTracker

SHAPES = {
    'ImageNet 256x1000': (256, 1000),
    'CIFAR 64x100': (64, 100),
    'RoIs 1024x81': (1024, 81),
    'seg 2x19x64x128': (2, 19, 64, 128),
    'seg 2x19x512x1024': (2, 19, 512, 1024),
}
LARGE = 'seg 2x19x512x1024'


def reference_dist(logits_s: torch.Tensor, logits_t: torch.Tensor,
                   eps: float = 1e-8) -> torch.Tensor:
    """DIST (tau 1, beta = gamma = 1) written plainly, autograd backward."""
    if logits_s.dim() > 2:
        classes = logits_s.shape[1]
        logits_s = logits_s.movedim(1, -1).reshape(-1, classes)
        logits_t = logits_t.movedim(1, -1).reshape(-1, classes)
    y_s = logits_s.softmax(dim=1)
    y_t = logits_t.detach().softmax(dim=1)

    def relation(a, b):
        a = a - a.mean(dim=1, keepdim=True)
        b = b - b.mean(dim=1, keepdim=True)
        corr = (a * b).sum(1) / (a.norm(dim=1) * b.norm(dim=1) + eps)
        return 1 - corr.mean()

    return relation(y_s, y_t) + relation(y_s.t(), y_t.t())


def softmax_floor(logits_s: torch.Tensor,
                  logits_t: torch.Tensor) -> torch.Tensor:
    """One softmax over classes of the student logits (the floor)."""
    return logits_s.softmax(dim=1).mul(logits_t.detach()).sum()


def implementations(with_cmkd: bool = False) -> dict[str, Callable]:
    from mmrazor.models.losses import DISTLoss as MMRazorDISTLoss
    dist_loss = DISTLoss()

    def torch_ops(logits_s, logits_t):
        with compiled_kernel(False):
            return dist_loss(logits_s, logits_t)

    losses = {
        'dist_kd_mm': dist_loss,
        'torch-ops': torch_ops,
        'mmrazor': MMRazorDISTLoss(),
        'reference': reference_dist,
        'floor': softmax_floor,
    }
    if with_cmkd:
        from dist_kd_mm import CMKDLoss
        losses['cmkd'] = CMKDLoss()
    return losses


def run_once(loss: Callable, student: torch.Tensor,
             teacher: torch.Tensor) -> float:
    student.grad = None
    if student.is_cuda:
        torch.cuda.synchronize()
    start = time.perf_counter()
    loss(student, teacher).backward()
    if student.is_cuda:
        torch.cuda.synchronize()
    return time.perf_counter() - start


def peak_memory(loss: Callable, student: torch.Tensor,
                teacher: torch.Tensor) -> int:
    student.grad = None
    with PeakMemoryTracker() as tracker:
        loss(student, teacher).backward()
    return tracker.peak


def benchmark(shape: tuple, device: str, repeats: int,
              with_cmkd: bool = False) -> dict:
    generator = torch.Generator().manual_seed(0)
    student = torch.randn(shape, generator=generator).mul_(3).to(device)
    teacher = torch.randn(shape, generator=generator).mul_(3).to(device)
    student.requires_grad_()
    losses = implementations(with_cmkd)
    for loss in losses.values():  # warm-up
        run_once(loss, student, teacher)
    times: dict[str, list] = {name: [] for name in losses}
    for _ in range(repeats):  # interleaved rounds
        for name, loss in losses.items():
            times[name].append(run_once(loss, student, teacher))
    return {
        name: (statistics.median(values),
               peak_memory(losses[name], student, teacher))
        for name, values in times.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch CPU threads (default 1)')
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--skip-large', action='store_true',
                        help=f'leave out {LARGE}')
    parser.add_argument('--cmkd', action='store_true',
                        help='also time dist_kd_mm.CMKDLoss (default '
                        'options) and print its ratios to DISTLoss')
    parser.add_argument('--shapes', nargs='+', choices=list(SHAPES),
                        help='only these shapes')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    kernel = ('compiled kernel' if compiled_kernel_available()
              and args.device == 'cpu' else 'torch ops')
    print(f'device {args.device}, {torch.get_num_threads()} CPU thread(s), '
          f'median of {args.repeats} interleaved rounds, forward + backward; '
          f'dist_kd_mm uses its {kernel}')
    header = (f'{"shape":<20}{"loss":<12}{"ms":>10}{"x floor":>9}'
              f'{"x mmrazor":>11}{"peak MB":>10}{"x logits":>10}')
    print(header)
    print('-' * len(header))
    for label, shape in SHAPES.items():
        if (args.skip_large and label == LARGE) or (
                args.shapes and label not in args.shapes):
            continue
        results = benchmark(shape, args.device, args.repeats, args.cmkd)
        floor, mmrazor = results['floor'][0], results['mmrazor'][0]
        logits_bytes = 2 * torch.Size(shape).numel() * 4
        for name, (seconds, peak) in results.items():
            print(f'{label:<20}{name:<12}{seconds * 1e3:>10.2f}'
                  f'{seconds / floor:>9.2f}{seconds / mmrazor:>11.2f}'
                  f'{peak / 1e6:>10.1f}{peak / logits_bytes:>10.2f}')
        if args.cmkd:
            (cmkd, cmkd_peak), (dist, dist_peak) = (results['cmkd'],
                                                    results['dist_kd_mm'])
            print(f'{label:<20}CMKDLoss / DISTLoss: time {cmkd / dist:.2f}x, '
                  f'peak memory {cmkd_peak / dist_peak:.2f}x')


if __name__ == '__main__':
    main()
