"""The classification backbones this package adds to mmpretrain."""
import pytest
import torch
from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS

from dist_kd_mm.models import CIFARResNet, MobileNetV1, WideResNet


def num_parameters(module):
    return sum(p.numel() for p in module.parameters())


# Parameter counts of the networks with their 100-way classifier as reported
# in the distillation literature (CRD's table), in millions.
CIFAR_MODELS = [
    ('resnet20', dict(type='dist_kd_mm.CIFARResNet', depth=20), 64, 0.28),
    ('resnet56', dict(type='dist_kd_mm.CIFARResNet', depth=56), 64, 0.86),
    ('resnet8x4', dict(type='dist_kd_mm.CIFARResNet', depth=8,
                       stem_channels=32, base_channels=64), 256, 1.23),
    ('resnet32x4', dict(type='dist_kd_mm.CIFARResNet', depth=32,
                        stem_channels=32, base_channels=64), 256, 7.43),
    ('wrn-40-1', dict(type='dist_kd_mm.WideResNet', depth=40,
                      widen_factor=1), 64, 0.57),
    ('wrn-40-2', dict(type='dist_kd_mm.WideResNet', depth=40,
                      widen_factor=2), 128, 2.25),
]


@pytest.mark.parametrize('name,backbone,channels,millions', CIFAR_MODELS,
                         ids=[m[0] for m in CIFAR_MODELS])
def test_cifar_classifier_shapes_and_size(name, backbone, channels,
                                          millions):
    model = MMPRETRAIN_MODELS.build(
        dict(type='ImageClassifier', backbone=backbone,
             neck=dict(type='GlobalAveragePooling'),
             head=dict(type='LinearClsHead', num_classes=100,
                       in_channels=channels)))
    features = model.extract_feat(torch.randn(2, 3, 32, 32))
    assert features[-1].shape == (2, channels)
    assert num_parameters(model) / 1e6 == pytest.approx(millions, abs=0.015)


def test_stage_outputs_and_strides():
    backbone = CIFARResNet(depth=20, out_indices=(0, 1, 2))
    outputs = backbone(torch.randn(1, 3, 32, 32))
    assert [tuple(o.shape) for o in outputs] == [(1, 16, 32, 32),
                                                 (1, 32, 16, 16),
                                                 (1, 64, 8, 8)]
    wide = WideResNet(depth=16, widen_factor=4, out_indices=(0, -1))
    outputs = wide(torch.randn(1, 3, 32, 32))
    assert [tuple(o.shape) for o in outputs] == [(1, 64, 32, 32),
                                                 (1, 256, 8, 8)]


def test_mobilenet_v1_imagenet_size():
    model = MMPRETRAIN_MODELS.build(
        dict(type='ImageClassifier',
             backbone=dict(type='dist_kd_mm.MobileNetV1'),
             neck=dict(type='GlobalAveragePooling'),
             head=dict(type='LinearClsHead', num_classes=1000,
                       in_channels=1024)))
    # 4.2M parameters for MobileNet V1 1.0 (Howard et al. 2017, Table 8)
    assert num_parameters(model) / 1e6 == pytest.approx(4.23, abs=0.02)
    backbone = MobileNetV1(widen_factor=0.5, out_indices=(4, 12))
    low, high = backbone(torch.randn(1, 3, 224, 224))
    assert low.shape == (1, 128, 28, 28) and high.shape == (1, 512, 7, 7)


def test_norm_eval_keeps_batch_norm_statistics():
    backbone = CIFARResNet(depth=8, norm_eval=True)
    backbone.train()
    before = backbone.stem.bn.running_mean.clone()
    backbone(torch.randn(4, 3, 32, 32) * 5 + 3)
    assert torch.equal(backbone.stem.bn.running_mean, before)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match='6n \\+ 2'):
        CIFARResNet(depth=21)
    with pytest.raises(ValueError, match='6n \\+ 4'):
        WideResNet(depth=41)
    with pytest.raises(ValueError, match='widen_factor'):
        WideResNet(depth=40, widen_factor=0)
    with pytest.raises(ValueError, match='out_indices'):
        CIFARResNet(depth=20, out_indices=(3, ))
    with pytest.raises(ValueError, match='widen_factor'):
        MobileNetV1(widen_factor=0)
