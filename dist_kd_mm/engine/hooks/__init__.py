"""Hooks, registered in :data:`dist_kd_mm.registry.HOOKS`."""
from .diagnostics_hook import DistillDiagnosticsHook
from .lean_checkpoint_hook import LeanCheckpointHook
from .loss_warmup_hook import DistillLossWarmupHook

__all__ = [
    'DistillDiagnosticsHook', 'DistillLossWarmupHook', 'LeanCheckpointHook'
]
