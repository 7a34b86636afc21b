# dist_tiny-resnet_imagefolder.py with lean checkpoints (no teacher).
_base_ = ['./dist_tiny-resnet_imagefolder.py']

custom_hooks = [dict(type='dist_kd_mm.LeanCheckpointHook')]
