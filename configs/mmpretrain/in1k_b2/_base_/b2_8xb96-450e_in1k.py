# The DIST paper's strong ImageNet recipe (B2, after EfficientNet's):
# RMSpropTF, 450 epochs, RandAugment, random erasing, EMA. What the paper
# gives and what is this project's choice: configs/mmpretrain/README.md.
# The model side (dropout before the classifier, label smoothing) is in each
# student's leaf, which lists a model base (mmpretrain::_base_/models/...)
# next to this file.
_base_ = ['mmpretrain::_base_/default_runtime.py']

custom_imports = dict(imports=['dist_kd_mm'], allow_failed_imports=False)

data_preprocessor = dict(
    num_classes=1000,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)
bgr_mean = data_preprocessor['mean'][::-1]
bgr_std = data_preprocessor['std'][::-1]

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224, backend='pillow',
         interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandAugment', policies='timm_increasing', num_policies=2,
         total_level=10, magnitude_level=9, magnitude_std=0.5,
         hparams=dict(pad_val=[round(x) for x in bgr_mean],
                      interpolation='bicubic')),
    dict(type='RandomErasing', erase_prob=0.2, mode='rand',
         min_area_ratio=0.02, max_area_ratio=1 / 3, fill_color=bgr_mean,
         fill_std=bgr_std),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short', backend='pillow',
         interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=96,
    num_workers=8,
    dataset=dict(type='ImageNet', data_root='data/imagenet', split='train',
                 pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=96,
    num_workers=8,
    dataset=dict(type='ImageNet', data_root='data/imagenet', split='val',
                 pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator

optim_wrapper = dict(
    optimizer=dict(type='dist_kd_mm.RMSpropTF', lr=0.048, alpha=0.9,
                   eps=1e-3, momentum=0.9, weight_decay=1e-5),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0))
# x0.97 at every epoch e with floor(e / 2.4) > floor((e - 1) / 2.4), i.e. at
# ceil(2.4 k) = 3, 5, 8, 10, 12, ... 449, as timm's step schedule decays.
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6 / 0.048, by_epoch=True, begin=0,
         end=3, convert_to_iter_based=True),
    dict(type='MultiStepLR', by_epoch=True, gamma=0.97,
         milestones=[-(-24 * k // 10) for k in range(1, 188)]),
]
train_cfg = dict(by_epoch=True, max_epochs=450, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=768)
# in default_hooks (not custom_hooks), so that a distillation leaf can add
# its own custom_hooks from a second base; BN statistics averaged too, as the
# authors' EMA does (update_buffers)
default_hooks = dict(
    ema=dict(type='EMAHook', momentum=1e-4, update_buffers=True,
             priority='ABOVE_NORMAL'),
    checkpoint=dict(interval=10, max_keep_ckpts=3))
