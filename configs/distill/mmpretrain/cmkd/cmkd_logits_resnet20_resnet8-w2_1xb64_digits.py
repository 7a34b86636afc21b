# CMKD, the make demo run on digits (ResNet-20 -> narrow ResNet-8): the DIST
# config
# ../dist/dist_logits_resnet20_resnet8-w2_1xb64_digits.py
# with dist_kd_mm.CMKDLoss (tau 1.0, weight 2) instead of DISTLoss; same
# recipe, teacher and student.
_base_ = [
    '../dist/dist_logits_resnet20_resnet8-w2_1xb64_digits.py',
    '../_base_/cmkd_logits.py',
]

model = dict(distiller=_base_.cmkd_distiller)
