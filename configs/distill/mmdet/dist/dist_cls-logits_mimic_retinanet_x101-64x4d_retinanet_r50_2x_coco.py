# DIST + mimic, COCO, the DIST paper's setting: the RetinaNet X101-64x4d ->
# RetinaNet R50 distillation plus an MSE loss on the five FPN outputs, each
# student level through a learnable 1x1 conv.
_base_ = [
    './dist_cls-logits_retinanet_x101-64x4d_retinanet_r50_2x_coco.py',
    '../_base_/fpn_features.py',
]

model = dict(distiller=_base_.mimic_distiller)
