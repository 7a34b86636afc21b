# KD baseline of the DIST paper with a Swin-L teacher: the DIST config
# ../dist/dist_logits_swin-large_swin-tiny_16xb64_in1k.py
# with KL divergence (tau 4, weight 1.0, student CE 0.9) instead of DIST.
_base_ = [
    '../dist/dist_logits_swin-large_swin-tiny_16xb64_in1k.py',
    '../_base_/kd_logits.py',
]

model = dict(architecture=_base_.kd_student, distiller=_base_.kd_distiller)
