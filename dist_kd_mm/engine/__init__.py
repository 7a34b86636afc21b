"""Runner extensions of dist_kd_mm: hooks, loops and optimizers."""
from .hooks import (
    DistillDiagnosticsHook,
    DistillLossWarmupHook,
    LeanCheckpointHook,
)
from .optimizers import RMSpropTF
from .runner import SingleTeacherDistillValLoop

__all__ = [
    'DistillDiagnosticsHook', 'DistillLossWarmupHook', 'LeanCheckpointHook',
    'RMSpropTF', 'SingleTeacherDistillValLoop'
]
