# DIST, Cityscapes: DeepLabV3-R101-D8 teacher -> DeepLabV3-R18-D8 student,
# the DIST paper's setting: 512x1024 crops, random scale 0.5-2.0 and flip
# (mmseg's pipeline), 8 GPUs x 2 images, 40k iterations, SGD lr 0.02 momentum
# 0.9 weight decay 5e-4, poly decay to 1e-4, SyncBN student (mmseg's config).
_base_ = [
    'mmseg::deeplabv3/deeplabv3_r18-d8_4xb2-80k_cityscapes-512x1024.py',
    '../_base_/dist_logits_cityscapes.py',
]

custom_imports = dict(imports=['dist_kd_mm'], allow_failed_imports=False)

# mmseg's published DeepLabV3-R101-D8 (80k schedule, 80.20 mIoU)
teacher_ckpt = 'https://download.openmmlab.com/mmsegmentation/v0.5/deeplabv3/deeplabv3_r101-d8_512x1024_80k_cityscapes/deeplabv3_r101-d8_512x1024_80k_cityscapes_20200606_113503-9e428899.pth'  # noqa: E501

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='dist_kd_mm.SingleTeacherDistill',
    data_preprocessor=_base_.data_preprocessor,
    architecture=_base_.model,
    teacher=dict(
        cfg_path='mmseg::deeplabv3/deeplabv3_r101-d8_4xb2-80k_cityscapes-512x1024.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=_base_.distiller)

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=5e-4))
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-4,
        power=0.9,
        begin=0,
        end=40000,
        by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=40000, val_interval=4000)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=4000))
find_unused_parameters = True
val_cfg = dict(_delete_=True, type='dist_kd_mm.SingleTeacherDistillValLoop')
