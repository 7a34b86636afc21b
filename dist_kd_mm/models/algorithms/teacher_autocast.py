"""The frozen teacher's forward in bfloat16 or float16 (``teacher_autocast``
of :class:`~dist_kd_mm.SingleTeacherDistill`).

The teacher gives no gradient and DIST compares correlations, so its forward
may run under autocast while the student trains in float32: cheaper on GPUs
with fast half-precision math. Its records are cast back to float32 before
any loss sees them.
"""
from typing import Optional

import torch
from torch import nn

from .teacher_records import map_teacher_records

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


def float32_teacher_records(distiller: nn.Module) -> None:
    """Replace every teacher record by its copy with half-precision tensors
    cast to float32."""
    map_teacher_records(
        distiller,
        lambda t: t.float() if t.dtype in DTYPES.values() else t)
