# CMKD, CIFAR-100, ResNet-56 -> ResNet-20: the DIST config
# ../dist/dist_logits_resnet56_resnet20_1xb64_cifar100.py
# with dist_kd_mm.CMKDLoss (tau 4.0, weight 2) instead of DISTLoss; same
# recipe, teacher and student.
_base_ = [
    '../dist/dist_logits_resnet56_resnet20_1xb64_cifar100.py',
    '../_base_/cmkd_logits_cifar100.py',
]

model = dict(distiller=_base_.cmkd_distiller)
