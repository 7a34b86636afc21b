"""Backbones that mmpretrain lacks, for the classification configs.

Use them in mmpretrain model configs as ``type='dist_kd_mm.<Name>'``.
"""
from .cifar_mobilenet_v2 import CIFARMobileNetV2
from .cifar_resnet import CIFARResNet
from .cifar_shufflenet import CIFARShuffleNetV1, CIFARShuffleNetV2
from .mobilenet_v1 import MobileNetV1
from .wide_resnet import WideResNet

__all__ = [
    'CIFARMobileNetV2', 'CIFARResNet', 'CIFARShuffleNetV1',
    'CIFARShuffleNetV2', 'MobileNetV1', 'WideResNet'
]
