"""Helpers shared by the losses: checks of the arguments and logits,
dense-map inputs (sizes, anchors, ignored pixels) and the instances of all
processes."""
import math
import warnings
from collections.abc import Sequence
from typing import Any, Optional, Union

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import Tensor

Labels = Union[Tensor, Sequence[Any]]
SIDES = ('logits_S (student)', 'logits_T (teacher)')
HALF_PRECISION = (torch.float16, torch.bfloat16)


def zero_loss(like: Tensor) -> Tensor:
    """A zero loss (float32, or float64 for float64 input) that keeps
    ``like`` in the graph, e.g. for a batch without instances."""
    return like.to(torch.promote_types(like.dtype, torch.float32)).sum() * 0.0


def check_temperature(loss: str, tau: float) -> None:
    """Raise unless ``tau`` is a finite number > 0."""
    if not (isinstance(tau, (int, float)) and math.isfinite(tau)
            and tau > 0):
        raise ValueError(f'{loss}: tau must be a finite number > 0, got '
                         f'{tau!r}')


def check_logit_pair(loss: str, logits_S: Tensor,
                     logits_T: Tensor) -> None:
    """Raise with ``loss``'s name on a malformed student/teacher pair."""
    for name, logits in zip(SIDES, (logits_S, logits_T)):
        if not isinstance(logits, Tensor):
            raise TypeError(f'{loss}: {name} must be a Tensor, got '
                            f'{type(logits).__name__}')
        if logits.dim() < 2:
            raise ValueError(
                f'{loss}: {name} must have shape (N, C) or '
                f'(N, C, *spatial), got {tuple(logits.shape)}')
        if not logits.is_floating_point():
            raise TypeError(f'{loss}: {name} must be floating point, '
                            f'got {logits.dtype}')
        if logits.shape[1] == 0:
            raise ValueError(f'{loss}: {name} has no classes, shape '
                             f'{tuple(logits.shape)}')
    if (logits_S.dim() != logits_T.dim()
            or logits_S.shape[:2] != logits_T.shape[:2]
            or (logits_S.dim() != 4
                and logits_S.shape != logits_T.shape)):
        raise ValueError(
            f'{loss}: student and teacher logits differ in shape: '
            f'logits_S {tuple(logits_S.shape)} vs logits_T '
            f'{tuple(logits_T.shape)}; check that both recorders record '
            'the same head output (only (N, C, H, W) maps may differ in '
            'H and W)')


def non_finite_message(loss: str, logits_S: Tensor, logits_T: Tensor,
                       sides: tuple[str, str] = SIDES) -> str:
    """Which side of a non-finite loss held non-finite inputs."""
    bad = [
        f'{name} has {int((~torch.isfinite(t)).sum())} non-finite values'
        for name, t in zip(sides, (logits_S, logits_T))
        if not torch.isfinite(t).all()
    ]
    detail = '; '.join(bad) or 'inputs are finite (overflow in the loss)'
    return f'{loss} is not finite: {detail}'


def finite_or_flagged(loss_name: str, loss: Tensor, logits_S: Tensor,
                      logits_T: Tensor, sides: tuple[str, str] = SIDES
                      ) -> Tensor:
    """``loss`` if it and both logits are finite (``-inf`` included: a
    non-finite logit is an error even where the loss would be finite).

    Otherwise, with half-precision logits (float16 or bfloat16, as under
    AMP), a warning that names the side and a NaN loss whose gradients are
    NaN too, so that the loss scaler of mmengine's ``AmpOptimWrapper``
    (which inspects the gradients) skips the step and lowers its scale, as
    for any other loss; with float32 or float64 logits,
    ``FloatingPointError``.
    """
    finite = (torch.isfinite(loss) & torch.isfinite(logits_S).all()
              & torch.isfinite(logits_T).all())
    if bool(finite):  # one synchronisation
        return loss
    message = non_finite_message(loss_name, logits_S, logits_T, sides)
    if logits_S.dtype in HALF_PRECISION or logits_T.dtype in HALF_PRECISION:
        warnings.warn(f'{message}; the logits are half precision (AMP): '
                      'returning NaN so that the loss scaler skips this '
                      'step', RuntimeWarning, stacklevel=3)
        return loss * float('nan')
    raise FloatingPointError(message)


def resize_student_to_teacher(logits_s: Tensor, logits_t: Tensor,
                              mode: str, align_corners: bool) -> Tensor:
    """Bring student maps ``(N, C, h, w)`` to the teacher's ``(H, W)``.

    The student side is resized (``F.interpolate``, in float32 or wider;
    gradients flow back through it), so the teacher's maps stay the exact
    target. ``check_logit_pair`` has checked that only the spatial size of
    ``(N, C, H, W)`` maps may differ.
    """
    if logits_s.shape[2:] == logits_t.shape[2:]:
        return logits_s
    corners = None if mode in ('nearest', 'area') else align_corners
    dtype = torch.promote_types(logits_s.dtype, torch.float32)
    return F.interpolate(logits_s.to(dtype), size=logits_t.shape[2:],
                         mode=mode, align_corners=corners)


def as_instances(logits: Tensor, num_anchors: int) -> Tensor:
    """``(N, A*C, *spatial)`` logits as the view ``(N, A, C, P)``.

    mmdet's anchor heads (e.g. RetinaNet's ``retina_cls``) put anchor ``a``,
    class ``c`` in channel ``a*C + c``; each anchor at each of the ``P``
    positions is one instance over the ``C`` classes. ``(N, C)`` logits
    are ``(N, 1, C, 1)``. No copy is made of contiguous logits.
    """
    channels = logits.shape[1]
    if channels % num_anchors:
        raise ValueError(
            f'DISTLoss: num_anchors={num_anchors} does not divide the '
            f'{channels} channels of logits {tuple(logits.shape)}')
    return logits.reshape(logits.shape[0], num_anchors,
                          channels // num_anchors, -1)


def labels_as_tensor(gt_labels: Labels) -> Tensor:
    """``(N, H, W)`` (or ``(N,)``) labels from a tensor or data samples.

    Accepts a tensor ``(N, H, W)``, ``(N, 1, H, W)`` or ``(N,)``, or a
    sequence of mmseg ``SegDataSample`` (their ``gt_sem_seg.data``, as
    recorded from the student's ``EncoderDecoder.loss`` inputs).
    """
    if isinstance(gt_labels, Tensor):
        labels = gt_labels
    elif isinstance(gt_labels, Sequence) and len(gt_labels) > 0 and all(
            hasattr(sample, 'gt_sem_seg') for sample in gt_labels):
        labels = torch.stack(
            [sample.gt_sem_seg.data for sample in gt_labels])
    else:
        raise TypeError(
            'DISTLoss: gt_labels must be a label tensor or a list of mmseg '
            f'SegDataSample with gt_sem_seg, got {type(gt_labels).__name__}')
    if labels.dim() == 4 and labels.shape[1] == 1:
        labels = labels[:, 0]
    return labels


def valid_mask(gt_labels: Labels, logits_shape: torch.Size,
               ignore_index: int) -> Tensor:
    """``(N, 1, 1, P)`` float mask, 1 where the label is not
    ``ignore_index``.

    Label maps are brought to the logits' spatial size by nearest
    interpolation.
    """
    labels = labels_as_tensor(gt_labels)
    if labels.shape[0] != logits_shape[0]:
        raise ValueError(
            f'DISTLoss: gt_labels hold {labels.shape[0]} images, the logits '
            f'{logits_shape[0]} (shape {tuple(logits_shape)})')
    spatial = tuple(logits_shape[2:])
    if labels.dim() - 1 != len(spatial):
        raise ValueError(
            f'DISTLoss: gt_labels of shape {tuple(labels.shape)} do not fit '
            f'logits of shape {tuple(logits_shape)}')
    if tuple(labels.shape[1:]) != spatial:
        labels = F.interpolate(labels[:, None].float(), size=spatial,
                               mode='nearest')[:, 0]
    mask = (labels != ignore_index).float()
    return mask.reshape(logits_shape[0], 1, 1, -1)


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
