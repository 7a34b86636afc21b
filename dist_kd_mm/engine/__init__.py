"""Runner extensions (hooks) of dist_kd_mm."""
from .hooks import DistillLossWarmupHook, LeanCheckpointHook

__all__ = ['DistillLossWarmupHook', 'LeanCheckpointHook']
