# ResNet-20 (0.27M parameters) trained from scratch on CIFAR-100:
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
        depth=20,
        stem_channels=16,
        base_channels=16),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=100,
        in_channels=64,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))
