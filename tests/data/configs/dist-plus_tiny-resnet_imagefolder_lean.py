# dist-plus_tiny-resnet_imagefolder.py with lean checkpoints: the acclimated
# teacher parts stay in them, the frozen rest of the teacher does not.
_base_ = ['./dist-plus_tiny-resnet_imagefolder.py']

custom_hooks = [dict(type='dist_kd_mm.LeanCheckpointHook')]
