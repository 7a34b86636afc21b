# CMKD, ImageNet (B1 recipe), ResNet-34 -> ResNet-18: the DIST config
# ../dist/dist_logits_resnet34_resnet18_8xb32_in1k.py
# with dist_kd_mm.CMKDLoss (tau 1.0, weight 2) instead of DISTLoss; same
# recipe, teacher and student.
_base_ = [
    '../dist/dist_logits_resnet34_resnet18_8xb32_in1k.py',
    '../_base_/cmkd_logits.py',
]

model = dict(distiller=_base_.cmkd_distiller)
