# CMKD, CIFAR-100, ResNet-32x4 -> ResNet-8x4: the DIST config
# ../dist/dist_logits_resnet32x4_resnet8x4_1xb64_cifar100.py
# with dist_kd_mm.CMKDLoss (tau 4.0, weight 2) instead of DISTLoss; same
# recipe, teacher and student.
_base_ = [
    '../dist/dist_logits_resnet32x4_resnet8x4_1xb64_cifar100.py',
    '../_base_/cmkd_logits_cifar100.py',
]

model = dict(distiller=_base_.cmkd_distiller)
