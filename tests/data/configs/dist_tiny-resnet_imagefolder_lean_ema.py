# dist_tiny-resnet_imagefolder_lean.py with an EMA of the weights (mmengine's
# EMAHook, as the strong ImageNet recipe uses): lean checkpoints leave the
# teacher out of the EMA copy too.
_base_ = ['./dist_tiny-resnet_imagefolder_lean.py']

custom_hooks = [
    dict(type='dist_kd_mm.LeanCheckpointHook'),
    dict(type='EMAHook', momentum=0.1, update_buffers=True,
         priority='ABOVE_NORMAL'),
]
