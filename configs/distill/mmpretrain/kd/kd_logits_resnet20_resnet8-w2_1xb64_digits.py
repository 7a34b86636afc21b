# KD baseline of the DIST paper: the DIST config
# ../dist/dist_logits_resnet20_resnet8-w2_1xb64_digits.py
# with KL divergence (tau 4, weight 1.0, student CE 0.9) instead of DIST.
_base_ = [
    '../dist/dist_logits_resnet20_resnet8-w2_1xb64_digits.py',
    '../_base_/kd_logits.py',
]

model = dict(architecture=_base_.kd_student, distiller=_base_.kd_distiller)
