# ResNet-32x4 (7.43M parameters) trained from scratch on CIFAR-100:
# the plain baseline, and the teacher of the distillation configs (the
# OpenMMLab zoo has no CIFAR checkpoints of these models, so teachers are
# trained with this file).
_base_ = ['./_base_/cifar100_1xb64_240e.py']

custom_imports = dict(imports=['dist_kd_mm'], allow_failed_imports=False)

model = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    backbone=dict(
        type='dist_kd_mm.CIFARResNet',
        depth=32,
        stem_channels=32,
        base_channels=64),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=100,
        in_channels=256,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))
