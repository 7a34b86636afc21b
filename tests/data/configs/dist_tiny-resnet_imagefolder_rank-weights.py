# dist_tiny-resnet_imagefolder.py, with every rank saving its student's
# weights after training (for the distributed test).
_base_ = ['./dist_tiny-resnet_imagefolder.py']

custom_imports = dict(
    imports=['dist_kd_mm', 'rank_weights_hook'], allow_failed_imports=False)
custom_hooks = [dict(type='SaveRankWeightsHook')]
