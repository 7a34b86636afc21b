# DIST + mimic, COCO, the DIST paper's setting: the RetinaNet X101-64x4d ->
# RetinaNet R50 distillation plus an MSE loss on the five FPN outputs, each
# student level through a learnable 1x1 conv.
_base_ = [
    './dist_cls-logits_retinanet_x101-64x4d_retinanet_r50_2x_coco.py',
    '../_base_/fpn_mimic.py',
]

model = dict(
    distiller=dict(
        student_recorders=_base_.mimic_recorders,
        teacher_recorders=_base_.mimic_recorders,
        connectors=_base_.mimic_connectors,
        distill_losses=_base_.mimic_losses,
        loss_forward_mappings=_base_.mimic_mappings))
