"""The teacher's records between its forward and the losses: cast back to
float32 after a half-precision forward (``teacher_autocast``), or detached
after an acclimated one.

The frozen teacher gives no gradient and DIST compares correlations, so its
forward may run under autocast while the student trains in float32: cheaper
on GPUs with fast half-precision math. Its records are cast back to float32
before any loss sees them.
"""
import contextlib
from collections.abc import Callable
from typing import Any, Optional

import torch
from torch import Tensor, nn

AUTOCAST_DTYPES = {'bfloat16': torch.bfloat16, 'float16': torch.float16}


def autocast_dtype(option: Optional[str]) -> Optional[torch.dtype]:
    """The dtype that ``teacher_autocast`` names (None: the teacher runs in
    the run's own precision)."""
    if option is None:
        return None
    if option not in AUTOCAST_DTYPES:
        raise ValueError(
            f'teacher_autocast must be one of {sorted(AUTOCAST_DTYPES)} or '
            f'None, got {option!r}')
    return AUTOCAST_DTYPES[option]


def map_tensors(value: Any, fn: Callable[[Tensor], Tensor]) -> Any:
    """``value`` with ``fn`` applied to every tensor in it (nested tuples,
    lists, dicts)."""
    if isinstance(value, Tensor):
        return fn(value)
    if isinstance(value, (tuple, list)):
        return type(value)(map_tensors(v, fn) for v in value)
    if isinstance(value, dict):
        return {k: map_tensors(v, fn) for k, v in value.items()}
    return value


def map_teacher_records(distiller: nn.Module,
                        fn: Callable[[Tensor], Tensor]) -> None:
    """Replace, in place, every teacher record by its copy with ``fn``
    applied to each tensor (a detached copy, a float32 copy)."""
    for recorder in distiller.teacher_recorders.recorders.values():
        records = recorder.data_buffer  # mmrazor's list, refilled in place
        records[:] = [map_tensors(data, fn) for data in records]


def float32_teacher_records(distiller: nn.Module) -> None:
    """Cast the half-precision tensors of every teacher record to float32."""
    map_teacher_records(
        distiller,
        lambda t: t.float() if t.dtype in AUTOCAST_DTYPES.values() else t)


@contextlib.contextmanager
def float16_overflow_hint(dtype: Optional[torch.dtype]):
    """Name ``teacher_autocast='float16'`` in the error of a non-finite
    teacher record (float16's range ends at 65504, bfloat16's is
    float32's). Under AMP the losses return NaN for the loss scaler
    instead (:func:`~dist_kd_mm.models.losses.utils.check_finite`)."""
    try:
        yield
    except FloatingPointError as error:
        if dtype is not torch.float16 or '(teacher)' not in str(error):
            raise
        raise FloatingPointError(
            f"{error}: the teacher ran under teacher_autocast='float16', "
            'whose largest value is 65504; set '
            "teacher_autocast='bfloat16' (float32's range) or None") from error
