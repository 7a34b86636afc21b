# Digits (8x8 grey, 10 classes) with a narrow CIFAR ResNet-8 (4/4/8/16
# channels): the student of the digits demo (`make demo`), trained alone.
_base_ = ['./_base_/digits_1xb64_30e.py']

custom_imports = dict(imports=['dist_kd_mm'], allow_failed_imports=False)

model = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    data_preprocessor=_base_.digits_data_preprocessor,
    backbone=dict(
        type='dist_kd_mm.CIFARResNet',
        depth=8,
        stem_channels=4,
        base_channels=4,
        in_channels=1),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=16,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
