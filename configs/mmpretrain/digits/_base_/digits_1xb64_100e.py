# scikit-learn's handwritten digits (8x8 grey, 10 classes) as an image folder
# (tools/dataset_converters/export_digits.py writes it; `make demo` keeps 10
# training images per class), batch 64 on one device, SGD lr 0.1 with cosine
# decay over 100 epochs, validation every 10. Used by `make demo`.
default_scope = 'mmpretrain'

data_root = 'data/digits'
pipeline = [
    dict(type='LoadImageFromFile', color_type='grayscale'),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        _scope_='mmpretrain',
        type='CustomDataset',
        data_root=data_root,
        data_prefix='train',
        pipeline=pipeline))
val_dataloader = dict(
    batch_size=128,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        _scope_='mmpretrain',
        type='CustomDataset',
        data_root=data_root,
        data_prefix='val',
        pipeline=pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(_scope_='mmpretrain', type='Accuracy', topk=(1, ))
test_evaluator = val_evaluator

digits_data_preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor',
    num_classes=10,
    mean=[85.0],
    std=[100.0])

train_cfg = dict(by_epoch=True, max_epochs=100, val_interval=10)
val_cfg = dict()
test_cfg = dict()
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4))
param_scheduler = dict(type='CosineAnnealingLR', by_epoch=True, T_max=100)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=10),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=100, max_keep_ckpts=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0, deterministic=False)
log_level = 'INFO'
load_from = None
resume = False
