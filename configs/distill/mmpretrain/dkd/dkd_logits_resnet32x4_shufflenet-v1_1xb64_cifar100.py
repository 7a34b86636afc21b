# DKD next to DIST: the DIST config of the same pair
# ../dist/dist_logits_resnet32x4_shufflenet-v1_1xb64_cifar100.py
# with DKD (tau 4, alpha 1, beta 8, 20-epoch warm-up) instead of DIST.
_base_ = [
    '../dist/dist_logits_resnet32x4_shufflenet-v1_1xb64_cifar100.py',
    '../_base_/dkd_logits_cifar100.py',
]

model = dict(distiller=_base_.dkd_distiller)
custom_hooks = [*_base_.custom_hooks, _base_.dkd_warmup_hook]
