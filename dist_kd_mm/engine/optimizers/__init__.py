"""Optimizers, registered in :data:`dist_kd_mm.registry.OPTIMIZERS`."""
from .rmsprop_tf import RMSpropTF

__all__ = ['RMSpropTF']
