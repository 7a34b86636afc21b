"""Distillation losses of dist_kd_mm."""
from .dist_loss import DISTLoss

__all__ = ['DISTLoss']
