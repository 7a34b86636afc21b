"""Hooks, registered in :data:`dist_kd_mm.registry.HOOKS`."""
from .lean_checkpoint_hook import LeanCheckpointHook

__all__ = ['LeanCheckpointHook']
