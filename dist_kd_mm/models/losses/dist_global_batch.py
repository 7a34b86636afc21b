"""DISTLoss's intra-class relation over the instances of all processes
(``global_intra``)."""
from typing import Optional

import torch
import torch.distributed as dist
from torch import Tensor


def world_size() -> int:
    """Processes in the default group; 1 without torch.distributed."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size()
    return 1


def _padded(x: Tensor, rows: int) -> Tensor:
    """``x`` with zero rows appended along dim 0 up to ``rows``."""
    if x.shape[0] == rows:
        return x
    pad = x.new_zeros((rows - x.shape[0], *x.shape[1:]))
    return torch.cat([x, pad])


def gather_instances(x_s: Tensor, x_t: Tensor, mask: Optional[Tensor]
                     ) -> tuple[Tensor, Tensor, Tensor]:
    """Student and teacher logits of every process, stacked along dim 0.

    The paper computes DIST per GPU; this lets the intra-class relation run
    over the global batch. Processes may hold different ``N`` (e.g. RoI
    counts): the rows are padded to the largest ``N`` and the padding is
    masked out. The other dims must agree across processes. Other
    processes' rows arrive detached; the local rows keep their gradient.

    Args:
        x_s: local ``(N, ...)`` student logits (keep their gradient).
        x_t: local teacher logits of the same shape.
        mask: local mask broadcastable to ``x_s`` (size 1 in every dim but
            the first and the last) or ``None``.

    Returns:
        ``(R * N_max, ...)`` student and teacher logits, and the mask of
        their real, valid positions.
    """
    shape = torch.tensor(x_s.shape, dtype=torch.long, device=x_s.device)
    shapes = [torch.empty_like(shape) for _ in range(world_size())]
    dist.all_gather(shapes, shape)
    shapes = [tuple(int(v) for v in s) for s in shapes]
    if any(s[1:] != shapes[0][1:] for s in shapes):
        raise ValueError(
            'DISTLoss(global_intra=True): the (N, anchors, classes, '
            'positions) shapes of the logits differ across processes beyond '
            f'N: {shapes}')
    rows = max(s[0] for s in shapes)
    if mask is None:
        mask = x_s.new_ones((x_s.shape[0], *[1] * (x_s.dim() - 2),
                             x_s.shape[-1]))
    locals_ = [_padded(x_s, rows), _padded(x_t.detach(), rows),
               _padded(mask.to(x_s.dtype), rows)]
    rank = dist.get_rank()
    gathered = []
    for local in locals_:
        parts = [torch.empty_like(local) for _ in shapes]
        dist.all_gather(parts, local.detach().contiguous())
        parts[rank] = local  # the local rows keep their gradient
        gathered.append(torch.cat(parts))
    return gathered[0], gathered[1], gathered[2]


def scale_gradient(term: Tensor, factor: float) -> Tensor:
    """``term``'s value with ``factor`` times its gradient.

    DDP averages gradients over the ``R`` processes; a term computed on the
    global batch, whose gradient each process holds only for its own rows,
    needs ``factor = R`` so that the average is the global batch's gradient.
    """
    return factor * term - ((factor - 1) * term).detach()
