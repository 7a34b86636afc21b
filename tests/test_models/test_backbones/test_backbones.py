"""The classification backbones this package adds to mmpretrain."""
import pytest
import torch
from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS

from dist_kd_mm.models import (
    CIFARMobileNetV2,
    CIFARResNet,
    CIFARShuffleNetV1,
    CIFARShuffleNetV2,
    MobileNetV1,
    WideResNet,
)
from dist_kd_mm.models.backbones.cifar_shufflenet import channel_shuffle


def num_parameters(module):
    return sum(p.numel() for p in module.parameters())


# Parameter counts of the networks with their 100-way classifier as reported
# in the distillation literature (CRD's and DKD's tables), in millions,
# rounded to 0.01M.
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
    ('resnet50', dict(type='mmpretrain.ResNet_CIFAR', depth=50), 2048, 23.71),
    ('mobilenet-v2', dict(type='dist_kd_mm.CIFARMobileNetV2'), 1280, 0.81),
    ('shufflenet-v1', dict(type='dist_kd_mm.CIFARShuffleNetV1'), 960, 0.95),
    ('shufflenet-v2', dict(type='dist_kd_mm.CIFARShuffleNetV2'), 1024, 1.36),
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
    assert num_parameters(model) / 1e6 == pytest.approx(millions, abs=0.006)


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


def test_mobile_cifar_backbones_stage_outputs():
    x = torch.randn(1, 3, 32, 32)
    outputs = CIFARMobileNetV2(out_indices=(1, 5, 7))(x)
    assert [tuple(o.shape) for o in outputs] == [(1, 12, 16, 16),
                                                 (1, 80, 2, 2),
                                                 (1, 1280, 2, 2)]
    outputs = CIFARShuffleNetV1(out_indices=(0, 1, 2))(x)
    assert [tuple(o.shape) for o in outputs] == [(1, 240, 16, 16),
                                                 (1, 480, 8, 8),
                                                 (1, 960, 4, 4)]
    outputs = CIFARShuffleNetV2(out_indices=(0, 1, 2))(x)
    assert [tuple(o.shape) for o in outputs] == [(1, 116, 16, 16),
                                                 (1, 232, 8, 8),
                                                 (1, 1024, 4, 4)]


def test_channel_shuffle_interleaves_the_groups():
    x = torch.arange(6.).view(1, 6, 1, 1)
    # groups [0 1 2] and [3 4 5] -> one channel of each in turn
    assert channel_shuffle(x, 2).flatten().tolist() == [0, 3, 1, 4, 2, 5]
    assert channel_shuffle(x, 3).flatten().tolist() == [0, 2, 4, 1, 3, 5]


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
    with pytest.raises(ValueError, match='CIFARMobileNetV2: out_indices'):
        CIFARMobileNetV2(out_indices=(8, ))
    with pytest.raises(ValueError, match='CIFARShuffleNetV2: out_indices'):
        CIFARShuffleNetV2(out_indices=(3, ))
