"""What several losses share: argument checks, the side names of their
messages, a zero loss, and the check for non-finite losses."""
import math
import warnings

import torch
from torch import Tensor

HALF_PRECISION = (torch.float16, torch.bfloat16)


def sides(student: str, teacher: str) -> tuple[str, str]:
    """The names of a loss's two inputs as its messages give them."""
    return f'{student} (student)', f'{teacher} (teacher)'


LOGITS = sides('logits_S', 'logits_T')


def describe(value: object) -> str:
    """A tensor's dtype and shape, or another value's type, for messages."""
    if isinstance(value, Tensor):
        return f'{value.dtype} tensor of shape {tuple(value.shape)}'
    return type(value).__name__


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


def check_norm_floor(loss: str, norm_floor: float) -> None:
    """Raise unless ``norm_floor`` is a number in ``[0, 1)``."""
    if not (isinstance(norm_floor, (int, float))
            and 0 <= norm_floor < 1):
        raise ValueError(f'{loss}: norm_floor must be a number in [0, 1) '
                         f'(0: the formula\'s gradient), got {norm_floor!r}')


def check_logit_pair(loss: str, logits_S: Tensor,
                     logits_T: Tensor) -> None:
    """Raise with ``loss``'s name on a malformed student/teacher pair."""
    for name, logits in zip(LOGITS, (logits_S, logits_T)):
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
                       names: tuple[str, str] = LOGITS) -> str:
    """Which side of a non-finite loss held non-finite inputs."""
    bad = [
        f'{name} has {int((~torch.isfinite(t)).sum())} non-finite values'
        for name, t in zip(names, (logits_S, logits_T))
        if not torch.isfinite(t).all()
    ]
    detail = '; '.join(bad) or 'inputs are finite (overflow in the loss)'
    return f'{loss} is not finite: {detail}'


def check_finite(loss_name: str, loss: Tensor, logits_S: Tensor,
                 logits_T: Tensor, names: tuple[str, str] = LOGITS
                 ) -> Tensor:
    """``loss``, after checking that it and both inputs are finite
    (``-inf`` included: a non-finite logit is an error even where the loss
    would be finite).

    With half-precision logits (float16 or bfloat16, as under AMP), a
    non-finite value gives a warning that names the side and a NaN loss
    whose gradients are NaN too, so that the loss scaler of mmengine's
    ``AmpOptimWrapper`` (which inspects the gradients) skips the step and
    lowers its scale, as for any other loss.

    Raises:
        FloatingPointError: a non-finite value with float32 or float64
            inputs; the message names the side.
    """
    # a float32 sum of each input is finite iff its elements are (logits
    # summing beyond 3e38 aside): one pass each, one synchronisation
    sums = torch.stack([loss.float().reshape(()),
                        logits_S.detach().sum(dtype=torch.float32),
                        logits_T.detach().sum(dtype=torch.float32)])
    if bool(torch.isfinite(sums).all()):
        return loss
    message = non_finite_message(loss_name, logits_S, logits_T, names)
    if logits_S.dtype in HALF_PRECISION or logits_T.dtype in HALF_PRECISION:
        warnings.warn(f'{message}; the logits are half precision (AMP): '
                      'returning NaN so that the loss scaler skips this '
                      'step', RuntimeWarning, stacklevel=3)
        return loss * float('nan')
    raise FloatingPointError(message)
