# The run of dist_tiny-resnet_imagefolder_lean_ema.py, but the process dies
# right after iteration 2 (its checkpoint written).
_base_ = ['./dist_tiny-resnet_imagefolder_lean_ema.py']

custom_imports = dict(
    imports=['dist_kd_mm', 'stop_training_hook'], allow_failed_imports=False)
custom_hooks = [
    dict(type='dist_kd_mm.LeanCheckpointHook'),
    dict(type='EMAHook', momentum=0.1, update_buffers=True,
         priority='ABOVE_NORMAL'),
    dict(type='StopTrainingHook', stop_after_iter=2),
]
