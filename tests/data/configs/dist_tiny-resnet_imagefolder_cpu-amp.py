# dist_tiny-resnet_imagefolder.py under emulated AMP on the CPU (dynamic
# loss scale, bf16 autocast), with the teacher's logits overflowing at the
# second iteration; a checkpoint after every iteration.
_base_ = ['./dist_tiny-resnet_imagefolder.py']

custom_imports = dict(
    imports=['dist_kd_mm', 'cpu_amp'], allow_failed_imports=False)
optim_wrapper = dict(type='CPUAmpOptimWrapper')
custom_hooks = [dict(type='TeacherOverflowHook', at_iter=1)]
default_hooks = dict(checkpoint=dict(interval=1))
