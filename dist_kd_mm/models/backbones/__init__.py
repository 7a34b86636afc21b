"""Backbones that mmpretrain lacks, for the classification configs.

Use them in mmpretrain model configs as ``type='dist_kd_mm.<Name>'``.
"""
from .cifar_resnet import CIFARResNet
from .mobilenet_v1 import MobileNetV1
from .wide_resnet import WideResNet

__all__ = ['CIFARResNet', 'MobileNetV1', 'WideResNet']
