# The run of dist-plus_tiny-resnet_imagefolder_lean.py, but the process dies
# right after iteration 2 (its checkpoint written).
_base_ = ['./dist-plus_tiny-resnet_imagefolder_lean.py']

custom_imports = dict(
    imports=['dist_kd_mm', 'stop_training_hook'], allow_failed_imports=False)
custom_hooks = [
    dict(type='dist_kd_mm.LeanCheckpointHook'),
    dict(type='StopTrainingHook', stop_after_iter=2),
]
