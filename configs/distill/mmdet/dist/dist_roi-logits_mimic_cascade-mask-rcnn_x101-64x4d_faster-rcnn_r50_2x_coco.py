# DIST + mimic, COCO, the DIST paper's setting: the Cascade Mask R-CNN
# X101-64x4d -> Faster R-CNN R50 distillation plus an MSE loss on the five
# FPN outputs, each student level through a learnable 1x1 conv.
_base_ = [
    './dist_roi-logits_cascade-mask-rcnn_x101-64x4d_faster-rcnn_r50_2x_coco.py',  # noqa: E501
    '../_base_/fpn_features.py',
]

model = dict(distiller=_base_.mimic_distiller)
