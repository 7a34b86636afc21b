"""Models of dist_kd_mm (registered in :data:`dist_kd_mm.registry.MODELS`)."""
from .algorithms import SingleTeacherDistill, StudentRoIDistill
from .backbones import (
    CIFARMobileNetV2,
    CIFARResNet,
    CIFARShuffleNetV1,
    CIFARShuffleNetV2,
    MobileNetV1,
    WideResNet,
)
from .heads import DropoutLinearClsHead
from .losses import AcclimationLoss, CMKDLoss, DISTFeatureLoss, DISTLoss

__all__ = [
    'AcclimationLoss', 'CIFARMobileNetV2', 'CIFARResNet',
    'CIFARShuffleNetV1', 'CIFARShuffleNetV2', 'CMKDLoss', 'DISTFeatureLoss',
    'DISTLoss', 'DropoutLinearClsHead', 'MobileNetV1', 'SingleTeacherDistill',
    'StudentRoIDistill', 'WideResNet'
]
