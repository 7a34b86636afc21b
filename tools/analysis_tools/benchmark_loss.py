"""Time and memory of the DIST loss against mmrazor's, the plain autograd
formula and the activation floor, measured in one process.

    python tools/analysis_tools/benchmark_loss.py [--device cpu|cuda]
        [--threads 1] [--repeats 5] [--skip-large] [--cmkd]
        [--shapes 'ImageNet 256x1000' ...]

For each shape (those the shipped configs produce) it times forward +
backward (after warm-up, the implementations interleaved round by round,
the median of ``--repeats`` rounds) of:

* ``dist_kd_mm``: this package's DISTLoss;
* ``mmrazor``: mmrazor's DISTLoss (softmax only; on dense maps it computes
  another intra relation, see docs/losses.md; timed all the same);
* ``reference``: the formula written plainly with autograd (dense maps
  and anchors flattened to one row per instance);
* ``floor``: one activation (softmax or sigmoid) forward + backward of the
  student logits, which any exact DIST loss must pay;
* ``cmkd`` (with ``--cmkd``): dist_kd_mm.CMKDLoss with its defaults, with
  its time and peak memory relative to DISTLoss,

and with ``--features`` DIST+'s ``DISTFeatureLoss`` against its two relations
written plainly with autograd, on ResNet ``layer4`` maps of a batch of 256
and on the five FPN outputs (P2-P6) of one 1333x800 image,

and prints milliseconds, the ratio to the floor and to mmrazor, and the
peak memory each allocates (``dist_kd_mm.utils.PeakMemoryTracker``, which
sees CPU tensors too) as a multiple of the size of the two
logits tensors.
"""
import argparse
import statistics
import time
from typing import Callable, NamedTuple

import torch

import dist_kd_mm  # noqa: F401  (before mmrazor)
from dist_kd_mm import CMKDLoss, DISTFeatureLoss, DISTLoss
from dist_kd_mm.utils import PeakMemoryTracker


class Case(NamedTuple):
    shape: tuple
    activation: str = 'softmax'
    num_anchors: int = 1


CASES = {
    'ImageNet 256x1000': Case((256, 1000)),
    'CIFAR 64x100': Case((64, 100)),
    'RoIs 1024x81': Case((1024, 81)),
    'seg 2x19x64x128': Case((2, 19, 64, 128)),
    'seg 2x19x512x1024': Case((2, 19, 512, 1024)),
    # RetinaNet's P3 level at 1333x800, sigmoid: as the configs (and the
    # authors), the 720 channels (9 anchors x 80 classes) of each position
    # are its classes
    'RetinaNet P3 2x720x100x168': Case((2, 720, 100, 168), 'sigmoid'),
}
LARGE = ('seg 2x19x512x1024', 'RetinaNet P3 2x720x100x168')
FEATURE_CASES = {
    'ResNet layer4 256x512x7x7': [(256, 512, 7, 7)],
    'FPN P2-P6 of 1333x800': [(1, 256, 200, 336), (1, 256, 100, 168),
                              (1, 256, 50, 84), (1, 256, 25, 42),
                              (1, 256, 13, 21)],
}


def plain_feature_relations(levels_s, levels_t, eps: float = 1e-8):
    """DIST+'s channel and spatial relations written plainly (autograd)."""

    def corr(a, b, dim):
        a = a - a.mean(dim, keepdim=True)
        b = b - b.mean(dim, keepdim=True)
        return (a * b).sum(dim) / (a.norm(dim=dim) * b.norm(dim=dim) + eps)

    total = 0
    for feat_s, feat_t in zip(levels_s, levels_t):
        x_s = feat_s.flatten(2)
        x_t = feat_t.detach().flatten(2)
        total = total + (1 - corr(x_s, x_t, 1).mean()) + (
            1 - corr(x_s.sum(1), x_t.sum(1), 1).mean())
    return total


def feature_loss(levels_s, levels_t):
    """This package's DISTFeatureLoss on the levels (their sum)."""
    return DISTFeatureLoss()(tuple(levels_s), tuple(levels_t))


def benchmark_features(repeats: int, device: str) -> None:
    """Time and peak memory of DISTFeatureLoss against the plain formula."""
    print(f'{"features":<28}{"loss":<12}{"ms":>10}{"x plain":>9}'
          f'{"peak MB":>10}{"x maps":>9}')
    for label, shapes in FEATURE_CASES.items():
        generator = torch.Generator().manual_seed(0)
        levels_s = [torch.randn(shape, generator=generator).to(
            device).requires_grad_() for shape in shapes]
        levels_t = [torch.randn(shape, generator=generator).to(device)
                    for shape in shapes]
        losses = {'dist_kd_mm': feature_loss,
                  'plain': plain_feature_relations}
        peaks = {name: peak_memory(loss, levels_s, levels_t)  # + warm-up
                 for name, loss in losses.items()}
        times: dict[str, list] = {name: [] for name in losses}
        for _ in range(repeats):
            for name, loss in losses.items():
                times[name].append(run_once(loss, levels_s, levels_t))
        maps_bytes = 2 * sum(torch.Size(s).numel() for s in shapes) * 4
        plain = statistics.median(times['plain'])
        for name in losses:
            seconds = statistics.median(times[name])
            print(f'{label:<28}{name:<12}{seconds * 1e3:>10.2f}'
                  f'{seconds / plain:>9.2f}{peaks[name] / 1e6:>10.1f}'
                  f'{peaks[name] / maps_bytes:>9.2f}')
    print('x maps: peak memory allocated by the loss / size of the student '
          'and teacher maps together (float32)')


def reference_dist(case: Case, eps: float = 1e-8) -> Callable:
    """DIST (tau 1, beta = gamma = 1) written plainly, autograd backward."""

    def rows(logits: torch.Tensor) -> torch.Tensor:
        """One row per instance: ``(N * A * P, C)``."""
        num = logits.shape[0]
        x = logits.reshape(num, case.num_anchors, -1,
                           logits[0, 0].numel())
        return x.permute(0, 1, 3, 2).reshape(-1, x.shape[2])

    def loss(logits_s, logits_t):
        activate = ((lambda x: x.softmax(dim=1)) if case.activation ==
                    'softmax' else torch.sigmoid)
        y_s, y_t = activate(rows(logits_s)), activate(rows(logits_t.detach()))

        def relation(a, b):
            a = a - a.mean(dim=1, keepdim=True)
            b = b - b.mean(dim=1, keepdim=True)
            corr = (a * b).sum(1) / (a.norm(dim=1) * b.norm(dim=1) + eps)
            return 1 - corr.mean()

        return relation(y_s, y_t) + relation(y_s.t(), y_t.t())

    return loss


def activation_floor(case: Case) -> Callable:
    """One activation of the student logits, forward and backward."""

    def loss(logits_s, logits_t):
        y = (logits_s.softmax(dim=1) if case.activation == 'softmax' else
             logits_s.sigmoid())
        return y.mul(logits_t.detach()).sum()

    return loss


def implementations(case: Case, with_cmkd: bool = False
                    ) -> dict[str, Callable]:
    losses = {'dist_kd_mm': DISTLoss(activation=case.activation,
                                     num_anchors=case.num_anchors)}
    if case.activation == 'softmax':
        from mmrazor.models.losses import DISTLoss as MMRazorDISTLoss
        losses['mmrazor'] = MMRazorDISTLoss()
    losses['reference'] = reference_dist(case)
    losses['floor'] = activation_floor(case)
    if with_cmkd and case.activation == 'softmax':
        losses['cmkd'] = CMKDLoss()
    return losses


def run_once(loss: Callable, student, teacher) -> float:
    """Seconds of one forward + backward; ``student`` is a tensor or a list
    of them (feature levels)."""
    students = student if isinstance(student, list) else [student]
    for tensor in students:
        tensor.grad = None
    if students[0].is_cuda:
        torch.cuda.synchronize()
    start = time.perf_counter()
    loss(student, teacher).backward()
    if students[0].is_cuda:
        torch.cuda.synchronize()
    return time.perf_counter() - start


def peak_memory(loss: Callable, student, teacher) -> int:
    """Peak bytes one forward + backward allocates."""
    for tensor in (student if isinstance(student, list) else [student]):
        tensor.grad = None
    with PeakMemoryTracker() as tracker:
        loss(student, teacher).backward()
    return tracker.peak


def benchmark(case: Case, device: str, repeats: int,
              with_cmkd: bool = False) -> dict:
    generator = torch.Generator().manual_seed(0)
    student = torch.randn(case.shape, generator=generator).mul_(3).to(device)
    teacher = torch.randn(case.shape, generator=generator).mul_(3).to(device)
    student.requires_grad_()
    losses = implementations(case, with_cmkd)
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
                        help=f'leave out {" and ".join(LARGE)}')
    parser.add_argument('--cmkd', action='store_true',
                        help='also time dist_kd_mm.CMKDLoss (default '
                        'options) and print its ratios to DISTLoss')
    parser.add_argument('--shapes', nargs='+', choices=list(CASES),
                        help='only these shapes')
    parser.add_argument('--features', action='store_true',
                        help="time DIST+'s DISTFeatureLoss instead")
    parser.add_argument('--chunk-elements', type=int,
                        help="the Pearson core's slice size (default 2^18)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.chunk_elements:
        from dist_kd_mm.models.losses import pearson
        pearson.CHUNK_ELEMENTS = args.chunk_elements
    if args.features:
        benchmark_features(args.repeats, args.device)
        return
    print(f'device {args.device}, {torch.get_num_threads()} CPU thread(s), '
          f'median of {args.repeats} interleaved rounds, forward + backward')
    header = (f'{"shape":<28}{"loss":<12}{"ms":>10}{"x floor":>9}'
              f'{"x mmrazor":>11}{"peak MB":>10}{"x logits":>10}')
    print(header)
    print('-' * len(header))
    for label, case in CASES.items():
        if (args.skip_large and label in LARGE) or (
                args.shapes and label not in args.shapes):
            continue
        results = benchmark(case, args.device, args.repeats, args.cmkd)
        floor = results['floor'][0]
        mmrazor = results['mmrazor'][0] if 'mmrazor' in results else None
        logits_bytes = 2 * torch.Size(case.shape).numel() * 4
        for name, (seconds, peak) in results.items():
            versus = (f'{seconds / mmrazor:>11.2f}' if mmrazor else
                      f'{"-":>11}')
            print(f'{label:<28}{name:<12}{seconds * 1e3:>10.2f}'
                  f'{seconds / floor:>9.2f}{versus}'
                  f'{peak / 1e6:>10.1f}{peak / logits_bytes:>10.2f}')
        if 'cmkd' in results:
            (cmkd, cmkd_peak), (dist, dist_peak) = (results['cmkd'],
                                                    results['dist_kd_mm'])
            print(f'{label:<28}CMKDLoss / DISTLoss: time {cmkd / dist:.2f}x, '
                  f'peak memory {cmkd_peak / dist_peak:.2f}x')
    print('x logits: peak memory allocated by the loss / size of the '
          'student and teacher logits together (float32)')


if __name__ == '__main__':
    main()
