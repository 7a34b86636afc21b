# DKD on CIFAR-100 with DKD's published defaults: tau 4, alpha 1, beta 8
# (leaves set the pairs' own beta: 2 for ResNet-56 -> ResNet-20, 6 for
# WRN-40-2 -> WRN-40-1), CE 1, and the loss ramped up linearly over the
# first 20 epochs (dkd_warmup_hook; a leaf appends it to custom_hooks).
_base_ = './dkd_logits.py'

dkd_loss = dict(tau=4.0, beta=8.0)
dkd_distiller = dict(distill_losses=dict(loss_dkd=dkd_loss))
dkd_warmup_hook = dict(
    type='dist_kd_mm.DistillLossWarmupHook',
    loss_names=['loss_dkd'],
    warmup_epochs=20)
