# DIST+, ImageNet (B1 recipe): ResNet-34 teacher -> ResNet-18 student, the
# DIST config plus the feature relations on layer4 (512 -> 512 channels) and
# teacher acclimation (../_base_/dist_plus.py).
_base_ = [
    '../dist/dist_logits_resnet34_resnet18_8xb32_in1k.py',
    '../_base_/dist_plus.py',
]

model = dict(
    distiller=_base_.dist_plus_distiller,
    teacher_acclimation=_base_.teacher_acclimation)
optim_wrapper = dict(paramwise_cfg=_base_.acclimation_paramwise_cfg)
