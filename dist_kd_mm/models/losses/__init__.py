"""Distillation losses of dist_kd_mm."""
from .cmkd_loss import CMKDLoss
from .dist_feature_loss import DISTFeatureLoss
from .dist_loss import DISTLoss

__all__ = ['CMKDLoss', 'DISTFeatureLoss', 'DISTLoss']
