# KD baseline of the DIST paper on CIFAR-100: the DIST config
# ../dist/dist_logits_resnet32x4_shufflenet-v1_1xb64_cifar100.py
# with KL divergence (tau 4, weight 0.9, student CE 0.1) instead of DIST.
_base_ = [
    '../dist/dist_logits_resnet32x4_shufflenet-v1_1xb64_cifar100.py',
    '../_base_/kd_logits_cifar100.py',
]

model = dict(architecture=_base_.kd_student, distiller=_base_.kd_distiller)
