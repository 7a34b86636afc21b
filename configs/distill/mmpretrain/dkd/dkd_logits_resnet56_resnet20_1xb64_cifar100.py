# DKD next to DIST: the DIST config of the same pair
# ../dist/dist_logits_resnet56_resnet20_1xb64_cifar100.py
# with DKD (tau 4, alpha 1, beta 2.0 as DKD publishes for this pair,
# 20-epoch warm-up) instead of DIST.
_base_ = [
    '../dist/dist_logits_resnet56_resnet20_1xb64_cifar100.py',
    '../_base_/dkd_logits_cifar100.py',
]

model = dict(
    distiller=dict(
        _base_.dkd_distiller,
        distill_losses=dict(
            _delete_=True, loss_dkd=dict(_base_.dkd_loss, beta=2.0))))
custom_hooks = [*_base_.custom_hooks, _base_.dkd_warmup_hook]
