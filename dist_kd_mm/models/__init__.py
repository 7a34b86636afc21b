"""Models of dist_kd_mm (registered in :data:`dist_kd_mm.registry.MODELS`)."""
from .losses import DISTLoss

__all__ = ['DISTLoss']
