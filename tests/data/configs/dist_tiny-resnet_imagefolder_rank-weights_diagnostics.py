# dist_tiny-resnet_imagefolder_rank-weights.py with the diagnostics hook.
_base_ = ['./dist_tiny-resnet_imagefolder_rank-weights.py']

custom_hooks = [
    dict(type='SaveRankWeightsHook'),
    dict(type='dist_kd_mm.DistillDiagnosticsHook'),
]
