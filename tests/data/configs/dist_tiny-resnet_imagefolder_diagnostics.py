# dist_tiny-resnet_imagefolder.py with the diagnostics hook of the shipped
# configs (the base config is the same run without it).
_base_ = ['./dist_tiny-resnet_imagefolder.py']

custom_hooks = [dict(type='dist_kd_mm.DistillDiagnosticsHook')]
