# DIST+ (Huang et al., TPAMI 2025) on top of a DIST classification config:
# a leaf lists its DIST sibling and this file as bases and merges
#   model = dict(distiller=_base_.dist_plus_distiller,
#                teacher_acclimation=_base_.teacher_acclimation)
#   optim_wrapper = dict(paramwise_cfg=_base_.acclimation_paramwise_cfg)
# What follows the paper: CE 1, inter 2, intra 2 (the DIST base), channel 1
# and spatial 1 on the student's aligned map (../../_base_/
# dist_plus_feature.py), and acclimation of the teacher's last stage and
# head. This project's choices (the paper leaves them open): the last
# stage's output as the feature (ResNet-34 -> ResNet-18: 512 -> 512
# channels), the teacher's learning rate at 0.1 x the student's, its
# BatchNorm statistics frozen, tau 1 in the acclimation loss, and the
# teacher's own CE next to it (weight 1: without it the digits demo's
# acclimated teacher fell from 89% to 26% top-1, docs/losses.md).
_base_ = '../../_base_/dist_plus_feature.py'

teacher_acclimation = dict(
    parts=('backbone.layer4', 'head'),
    loss=dict(type='dist_kd_mm.AcclimationLoss', tau=1.0, loss_weight=1.0),
    teacher_recorder='fc',
    student_recorder='fc',
    norm_eval=True,
    task_loss_weight=1.0)
# Only the acclimated parts of the teacher have requires_grad (the frozen
# rest is left out of the optimizer), so one key sets the learning rate of
# whichever parts a leaf names.
acclimation_paramwise_cfg = dict(custom_keys={'teacher.': dict(lr_mult=0.1)})
