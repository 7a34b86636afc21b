"""DISTLoss's dense inputs: maps of another size, anchor-head channels,
and the pixels whose label is ignored."""
import math
from collections.abc import Sequence
from typing import Any, Union

import torch
import torch.nn.functional as F
from torch import Tensor

Labels = Union[Tensor, Sequence[Any]]


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
    if not spatial:
        raise ValueError(
            'DISTLoss: gt_labels (ignored pixels) apply to dense maps (N, C, '
            f'H, W) only; the logits have shape {tuple(logits_shape)}: '
            'leave gt_labels out of the loss_forward_mappings')
    if labels.dim() - 1 != len(spatial):
        raise ValueError(
            f'DISTLoss: gt_labels need one label per pixel, shape (N, '
            f'{", ".join("HWD"[i] for i in range(len(spatial)))}) for logits '
            f'of shape {tuple(logits_shape)}, got {labels.dim()} dims: shape '
            f'{tuple(labels.shape)}')
    if tuple(labels.shape[1:]) != spatial:
        labels = F.interpolate(labels[:, None].float(), size=spatial,
                               mode='nearest')[:, 0]
    mask = (labels != ignore_index).float()
    return mask.reshape(logits_shape[0], 1, 1, -1)


def valid_groups(shape: torch.Size, dims: tuple[int, ...],
                 mask: Tensor) -> Tensor:
    """Number of the groups (one per index of the dims not in ``dims``)
    that hold at least one element where ``mask`` is 1."""
    with_data = (mask.sum(dims, keepdim=True) > 0).sum()
    repeated = math.prod(size for d, size in enumerate(shape)
                         if d not in dims and mask.shape[d] == 1)
    return with_data * repeated
