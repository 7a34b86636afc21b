# DKD next to DIST: ../dist/dist_logits_resnet34_resnet18_8xb32_in1k.py
# (the B1 recipe, Nesterov SGD lr 0.1 for 8 x 32 images; DKD's own run used
# batch 512 with lr 0.2, the same rate per image, without Nesterov) with
# DKD's ImageNet loss (tau 1, alpha 1, beta 0.5, CE 1) instead of DIST.
_base_ = [
    '../dist/dist_logits_resnet34_resnet18_8xb32_in1k.py',
    '../_base_/dkd_logits.py',
]

model = dict(distiller=_base_.dkd_distiller)
