"""Checks of the student/teacher logits shared by the losses."""
import torch
from torch import Tensor


def check_logit_pair(loss: str, logits_S: Tensor,
                     logits_T: Tensor) -> None:
    """Raise with ``loss``'s name on a malformed student/teacher pair."""
    for name, logits in (('logits_S (student)', logits_S),
                         ('logits_T (teacher)', logits_T)):
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


def non_finite_message(loss: str, logits_S: Tensor,
                       logits_T: Tensor) -> str:
    """Which side of a non-finite loss held non-finite logits."""
    bad = [
        f'{name} has {int((~torch.isfinite(t)).sum())} non-finite values'
        for name, t in (('logits_S (student)', logits_S),
                        ('logits_T (teacher)', logits_T))
        if not torch.isfinite(t).all()
    ]
    detail = '; '.join(bad) or 'inputs are finite (overflow in the loss)'
    return f'{loss} is not finite: {detail}'
