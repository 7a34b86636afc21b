# DIST+ (Huang et al., TPAMI 2025) on top of a DIST classification config:
# a leaf lists its DIST sibling and this file as bases and merges
#   model = dict(distiller=_base_.dist_plus_distiller,
#                teacher_acclimation=_base_.teacher_acclimation)
#   optim_wrapper = dict(paramwise_cfg=_base_.acclimation_paramwise_cfg)
# What follows the paper: CE 1, inter 2, intra 2 (the DIST base), channel 1,
# spatial 1 on raw features, the student's map through a 1x1 conv (also
# where the channel counts agree), and acclimation of the teacher's last
# stage and head. This project's choices (the paper leaves them open): the
# last stage's output as the feature (backbone.layer4 of a ResNet), a 1x1
# conv with bias and no norm, the teacher's learning rate at 0.1 x the
# student's, its BatchNorm statistics frozen, tau 1 in the acclimation loss.
dist_plus_distiller = dict(
    student_recorders=dict(
        feature=dict(type='ModuleOutputs', source='backbone.layer4')),
    teacher_recorders=dict(
        feature=dict(type='ModuleOutputs', source='backbone.layer4')),
    connectors=dict(
        feature_s=dict(
            type='ConvModuleConnector',
            in_channel=512,
            out_channel=512,
            kernel_size=1,
            bias=True,
            norm_cfg=None,
            act_cfg=None)),
    distill_losses=dict(
        loss_feature=dict(
            type='dist_kd_mm.DISTFeatureLoss',
            channel_weight=1.0,
            spatial_weight=1.0,
            loss_weight=1.0)),
    loss_forward_mappings=dict(
        loss_feature=dict(
            preds_S=dict(
                from_student=True, recorder='feature', connector='feature_s'),
            preds_T=dict(from_student=False, recorder='feature'))))

teacher_acclimation = dict(
    parts=('backbone.layer4', 'head'),
    loss=dict(type='dist_kd_mm.AcclimationLoss', tau=1.0, loss_weight=1.0),
    teacher_recorder='fc',
    student_recorder='fc',
    norm_eval=True)
acclimation_paramwise_cfg = dict(
    custom_keys={
        'teacher.backbone.layer4': dict(lr_mult=0.1),
        'teacher.head': dict(lr_mult=0.1),
    })
