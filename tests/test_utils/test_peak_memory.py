"""PeakMemoryTracker counts what a block allocates, not views or inputs."""
import torch

from dist_kd_mm.utils import PeakMemoryTracker

MB = 1000 * 1000


def test_peak_and_current_of_known_allocations():
    x = torch.randn(1000, 1000)  # 4 MB, before the block: not counted
    with PeakMemoryTracker() as tracker:
        view = x.view(-1)  # no new memory
        doubled = x * 2  # +4 MB
        shifted = doubled + 1  # +4 MB -> peak 8 MB
        del doubled  # -4 MB
        shifted.add_(1)  # in place: no new memory
        _ = view.sum()
    assert tracker.peak == 8 * MB
    assert abs(tracker.current - 4 * MB) <= 16


def test_backward_is_counted():
    weight = torch.randn(1000, 1000, requires_grad=True)
    with PeakMemoryTracker() as tracker:
        (weight * 3).sum().backward()
    assert tracker.peak >= 4 * MB  # the product, or the gradient
    assert weight.grad is not None
