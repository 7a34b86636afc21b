"""Runner extensions (hooks) of dist_kd_mm."""
from .hooks import LeanCheckpointHook

__all__ = ['LeanCheckpointHook']
