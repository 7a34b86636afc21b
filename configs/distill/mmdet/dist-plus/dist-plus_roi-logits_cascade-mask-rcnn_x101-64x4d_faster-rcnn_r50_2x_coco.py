# DIST+, COCO: Cascade Mask R-CNN X101-64x4d teacher -> Faster R-CNN R50
# student, the DIST config (RoI logits through StudentRoIDistill) plus DIST+'s
# channel and spatial relations on the five FPN outputs, all weights 1
# (dist_plus_distiller of ../_base_/fpn_features.py). No teacher acclimation
# (see docs/losses.md).
_base_ = [
    '../dist/dist_roi-logits_cascade-mask-rcnn_x101-64x4d_faster-rcnn_r50_2x_coco.py',  # noqa: E501
    '../_base_/fpn_features.py',
]

model = dict(distiller=_base_.dist_plus_distiller)
