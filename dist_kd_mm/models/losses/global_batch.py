"""Instances of all processes for the intra-class relation.

The paper computes DIST per GPU. With a few images per GPU the intra-class
relation (a correlation over the instances of the batch) rests on few rows;
this gathers the rows of every process so that it runs over the global
batch. Other processes' rows arrive detached; the local rows keep their
gradient.
"""
from typing import Optional

import torch
import torch.distributed as dist
from torch import Tensor


def world_size() -> int:
    """Processes in the default group; 1 without torch.distributed."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size()
    return 1


def _gathered_shapes(local: Tensor) -> list[tuple[int, ...]]:
    shape = torch.tensor(local.shape, dtype=torch.long, device=local.device)
    shapes = [torch.empty_like(shape) for _ in range(world_size())]
    dist.all_gather(shapes, shape)
    return [tuple(int(v) for v in s) for s in shapes]


def _padded(x: Tensor, rows: int) -> Tensor:
    """``x`` with zero rows appended along dim 0 up to ``rows``."""
    if x.shape[0] == rows:
        return x
    pad = x.new_zeros((rows - x.shape[0], *x.shape[1:]))
    return torch.cat([x, pad])


def gather_instances(logits_s: Tensor, logits_t: Tensor,
                     mask: Optional[Tensor]
                     ) -> tuple[Tensor, Tensor, Tensor]:
    """``(N, C, P)`` student and teacher logits of every process, stacked.

    Processes may hold different ``N`` (e.g. RoI counts): the rows are
    padded to the largest ``N`` and the padding is masked out. ``C`` and
    ``P`` must agree across processes.

    Args:
        logits_s: local ``(N, C, P)`` student logits (keep their gradient).
        logits_t: local ``(N, C, P)`` teacher logits.
        mask: local ``(N, 1, P)`` valid-position mask or ``None``.

    Returns:
        ``(R * N_max, C, P)`` student and teacher logits, and the
        ``(R * N_max, 1, P)`` mask of real, valid positions.
    """
    shapes = _gathered_shapes(logits_s)
    if any(s[1:] != shapes[0][1:] for s in shapes):
        raise ValueError(
            'DISTLoss(global_intra=True): the (N, C, positions) shapes of '
            f'the logits differ across processes beyond N: {shapes}')
    rows = max(s[0] for s in shapes)
    if mask is None:
        mask = logits_s.new_ones((logits_s.shape[0], 1, logits_s.shape[2]))
    locals_ = [_padded(logits_s, rows), _padded(logits_t.detach(), rows),
               _padded(mask.to(logits_s.dtype), rows)]
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
