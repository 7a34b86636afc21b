# MobileNet V1 (1.0, 224) on ImageNet with the DIST paper's B1 recipe
# (SGD lr 0.1 momentum 0.9 Nesterov, weight decay 1e-4, 100 epochs, x0.1 at
# 30/60/90, 8 GPUs x 32 images). mmpretrain has no MobileNet V1; the backbone
# is dist_kd_mm.MobileNetV1.
_base_ = [
    'mmpretrain::_base_/datasets/imagenet_bs32.py',
    'mmpretrain::_base_/schedules/imagenet_bs256.py',
    'mmpretrain::_base_/default_runtime.py',
]

custom_imports = dict(imports=['dist_kd_mm'], allow_failed_imports=False)

model = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    backbone=dict(type='dist_kd_mm.MobileNetV1', widen_factor=1.0),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=1024,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))

# no weight decay on 1-D parameters and biases, as the DIST authors' B1
optim_wrapper = dict(
    optimizer=dict(nesterov=True),
    paramwise_cfg=dict(
        norm_decay_mult=0.0, bias_decay_mult=0.0, flat_decay_mult=0.0))
