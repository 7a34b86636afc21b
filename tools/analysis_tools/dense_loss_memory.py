"""Peak memory of the DIST loss (forward + backward) on segmentation maps.

    python tools/analysis_tools/dense_loss_memory.py

Prints, for logits at 1/8 of a 512x1024 crop and at full resolution (2
images, 19 classes), the peak memory that the loss allocates on top of its
inputs, in MB and as a ratio to the size of the two logits tensors, for this
package's DISTLoss and for mmrazor's. Measured with
dist_kd_mm.utils.memory.PeakMemoryTracker (works on the CPU).
"""
import argparse

import torch

import dist_kd_mm  # noqa: F401  (before mmrazor)
from dist_kd_mm import DISTLoss
from dist_kd_mm.utils.memory import PeakMemoryTracker

SHAPES = {
    'logits at 1/8 of 512x1024': (2, 19, 64, 128),
    'logits at 512x1024': (2, 19, 512, 1024),
}


def peak_bytes(loss: torch.nn.Module, shape: tuple, device: str) -> int:
    generator = torch.Generator().manual_seed(0)
    student = torch.randn(shape, generator=generator).to(device)
    teacher = torch.randn(shape, generator=generator).to(device)
    student.requires_grad_()
    with PeakMemoryTracker() as tracker:
        loss(student, teacher).backward()
    return tracker.peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args()
    from mmrazor.models.losses import DISTLoss as MMRazorDISTLoss
    losses = {'dist_kd_mm.DISTLoss': DISTLoss(),
              'mmrazor DISTLoss': MMRazorDISTLoss()}
    print(f'{"shape":<28}{"loss":<22}{"peak MB":>10}{"x logits":>10}')
    for label, shape in SHAPES.items():
        logits_bytes = 2 * torch.Size(shape).numel() * 4
        for name, loss in losses.items():
            peak = peak_bytes(loss, shape, args.device)
            print(f'{label:<28}{name:<22}{peak / 1e6:>10.1f}'
                  f'{peak / logits_bytes:>10.2f}')
    print('x logits: peak memory allocated by the loss / size of the '
          'student and teacher logits together')


if __name__ == '__main__':
    main()
