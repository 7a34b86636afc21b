"""Runner extensions of dist_kd_mm: hooks, loops and optimizers."""
from .hooks import DistillLossWarmupHook, LeanCheckpointHook
from .optimizers import RMSpropTF
from .runner import SingleTeacherDistillValLoop

__all__ = [
    'DistillLossWarmupHook', 'LeanCheckpointHook', 'RMSpropTF',
    'SingleTeacherDistillValLoop'
]
