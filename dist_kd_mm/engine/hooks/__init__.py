"""Hooks, registered in :data:`dist_kd_mm.registry.HOOKS`."""
from .lean_checkpoint_hook import LeanCheckpointHook
from .loss_warmup_hook import DistillLossWarmupHook

__all__ = ['DistillLossWarmupHook', 'LeanCheckpointHook']
