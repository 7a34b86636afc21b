"""Rewriting the teacher's records between its forward and the losses."""
from collections.abc import Callable
from typing import Any

from torch import Tensor, nn


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
    """Replace every teacher record by its copy with ``fn`` applied to each
    tensor (a detached copy, a float32 copy)."""
    for recorder in distiller.teacher_recorders.recorders.values():
        recorder._data_buffer = [
            map_tensors(data, fn) for data in recorder.data_buffer
        ]
