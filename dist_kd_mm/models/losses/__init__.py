"""Distillation losses of dist_kd_mm."""
from .acclimation_loss import AcclimationLoss
from .cmkd_loss import CMKDLoss
from .dist_feature_loss import DISTFeatureLoss
from .dist_loss import DISTLoss

__all__ = ['AcclimationLoss', 'CMKDLoss', 'DISTFeatureLoss', 'DISTLoss']
