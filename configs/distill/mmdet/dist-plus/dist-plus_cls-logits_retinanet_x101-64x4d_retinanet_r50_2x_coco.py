# DIST+, COCO: RetinaNet X101-64x4d teacher -> RetinaNet R50 student, the
# DIST config (sigmoid logits per level) plus DIST+'s channel and spatial
# relations on the five FPN outputs, all weights 1 (dist_plus_distiller of
# ../_base_/fpn_features.py). No teacher acclimation (see docs/losses.md).
_base_ = [
    '../dist/dist_cls-logits_retinanet_x101-64x4d_retinanet_r50_2x_coco.py',
    '../_base_/fpn_features.py',
]

model = dict(distiller=_base_.dist_plus_distiller)
