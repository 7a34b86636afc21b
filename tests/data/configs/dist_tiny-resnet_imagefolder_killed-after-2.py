# The same run as dist_tiny-resnet_imagefolder.py, but the process dies right
# after iteration 2 (its checkpoint written), as an interrupted job would.
_base_ = ['./dist_tiny-resnet_imagefolder.py']

custom_imports = dict(
    imports=['dist_kd_mm', 'stop_training_hook'], allow_failed_imports=False)
custom_hooks = [dict(type='StopTrainingHook', stop_after_iter=2)]
