# A small but complete DIST distillation run for tests: mmpretrain ResNet-18
# layouts at 1/4 width on 32x32 images from an ImageNet-style folder
# (data_root/{train,val}/<class>/<image>.png), mmrazor SingleTeacherDistill,
# ConfigurableDistiller with ModuleOutputs recorders on head.fc, and
# dist_kd_mm's DISTLoss. Set data_root and the loop lengths with
# --cfg-options.
custom_imports = dict(imports=['dist_kd_mm'], allow_failed_imports=False)
default_scope = 'mmrazor'

data_root = 'data/tiny_imagefolder'
num_classes = 3
width = 16  # base channels; the head sees width * 8 features


def classifier(depth):
    return dict(
        _scope_='mmpretrain',
        type='ImageClassifier',
        backbone=dict(
            type='ResNet',
            depth=depth,
            stem_channels=width,
            base_channels=width,
            num_stages=4,
            out_indices=(3, )),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(
            type='LinearClsHead',
            num_classes=num_classes,
            in_channels=width * 8,
            loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))


model = dict(
    _scope_='mmrazor',
    type='SingleTeacherDistill',
    data_preprocessor=dict(
        type='ImgDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    architecture=classifier(18),
    teacher=classifier(34),
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc')),
        distill_losses=dict(
            loss_dist=dict(
                type='dist_kd_mm.DISTLoss',
                inter_loss_weight=1.0,
                intra_loss_weight=1.0,
                tau=1.0,
                loss_weight=2.0)),
        loss_forward_mappings=dict(
            loss_dist=dict(
                logits_S=dict(from_student=True, recorder='fc'),
                logits_T=dict(from_student=False, recorder='fc')))))

pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(32, 32)),
    dict(type='PackInputs'),
]


def dataloader(split, shuffle):
    return dict(
        batch_size=4,
        num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=shuffle),
        dataset=dict(
            _scope_='mmpretrain',
            type='CustomDataset',
            data_root=data_root,
            data_prefix=split,
            pipeline=pipeline))


train_dataloader = dataloader('train', shuffle=True)
val_dataloader = dataloader('val', shuffle=False)
test_dataloader = val_dataloader
val_evaluator = dict(_scope_='mmpretrain', type='Accuracy', topk=(1, ))
test_evaluator = val_evaluator

train_cfg = dict(type='IterBasedTrainLoop', max_iters=4, val_interval=2)
val_cfg = dict(type='mmrazor.SingleTeacherDistillValLoop')
test_cfg = dict(type='TestLoop')  # evaluates the student

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4))
param_scheduler = dict(type='MultiStepLR', by_epoch=False, milestones=[3])

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=1),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=2, by_epoch=False),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)
log_processor = dict(by_epoch=False)
env_cfg = dict(
    cudnn_benchmark=False, dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0, deterministic=False)
log_level = 'INFO'
load_from = None
resume = False
