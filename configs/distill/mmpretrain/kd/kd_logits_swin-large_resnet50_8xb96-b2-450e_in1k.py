# KD baseline of the DIST paper with a Swin-L teacher: the DIST config
# ../dist/dist_logits_swin-large_resnet50_8xb96-b2-450e_in1k.py
# with KL divergence (tau 4, weight 1.0, student CE 0.9) instead of DIST.
_base_ = [
    '../dist/dist_logits_swin-large_resnet50_8xb96-b2-450e_in1k.py',
    '../_base_/kd_logits.py',
]

model = dict(architecture=_base_.kd_student, distiller=_base_.kd_distiller)
