# Digits (8x8 grey, 10 classes) with a CIFAR ResNet-20 (0.27M parameters):
# the teacher of the digits demo (`make demo`).
_base_ = ['./_base_/digits_1xb64_100e.py']

custom_imports = dict(imports=['dist_kd_mm'], allow_failed_imports=False)

model = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    data_preprocessor=_base_.digits_data_preprocessor,
    backbone=dict(
        type='dist_kd_mm.CIFARResNet',
        depth=20,
        stem_channels=16,
        base_channels=16,
        in_channels=1),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=64,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
