"""The frozen teacher's forward in bfloat16 or float16 (``teacher_autocast``
of :class:`~dist_kd_mm.SingleTeacherDistill`).

The teacher gives no gradient and DIST compares correlations, so its forward
may run under autocast while the student trains in float32: cheaper on GPUs
with fast half-precision math. Its records are cast back to float32 before
any loss sees them.
"""
from typing import Any, Optional

import torch
from torch import Tensor, nn

DTYPES = {'bfloat16': torch.bfloat16, 'float16': torch.float16}


def autocast_dtype(option: Optional[str]) -> Optional[torch.dtype]:
    """The dtype that ``teacher_autocast`` names (None: the teacher runs in
    the run's own precision)."""
    if option is None:
        return None
    if option not in DTYPES:
        raise ValueError(f'teacher_autocast must be one of {sorted(DTYPES)} '
                         f'or None, got {option!r}')
    return DTYPES[option]


def to_float32(value: Any) -> Any:
    """``value`` with every half-precision tensor in it (nested tuples,
    lists, dicts) cast to float32."""
    if isinstance(value, Tensor):
        return value.float() if value.dtype in DTYPES.values() else value
    if isinstance(value, (tuple, list)):
        return type(value)(to_float32(v) for v in value)
    if isinstance(value, dict):
        return {k: to_float32(v) for k, v in value.items()}
    return value


def float32_teacher_records(distiller: nn.Module) -> None:
    """Replace every teacher record by its float32 copy."""
    for recorder in distiller.teacher_recorders.recorders.values():
        recorder._data_buffer = [to_float32(d) for d in recorder.data_buffer]
