# The RetinaNet X101-64x4d -> R50 class-logits distillation config at a
# test's size: COCO-layout images resized to 320x256, no download (student
# backbone not pretrained; pass model.teacher_ckpt, data_root and
# val_evaluator.ann_file).
_base_ = ['../../../configs/distill/mmdet/dist/dist_cls-logits_retinanet_x101-64x4d_retinanet_r50_2x_coco.py']  # noqa: E501

data_root = 'data/coco/'
scale = (320, 256)

model = dict(architecture=dict(backbone=dict(init_cfg=None)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor')),
]
train_dataloader = dict(
    batch_size=2,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader

param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=2)
]
optim_wrapper = dict(optimizer=dict(lr=0.002))
train_cfg = dict(max_epochs=1, val_interval=1)
default_hooks = dict(logger=dict(interval=1))
