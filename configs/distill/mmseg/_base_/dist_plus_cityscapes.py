# DIST+ (Huang et al., TPAMI 2025) on top of a DIST Cityscapes config: a
# leaf lists its DIST sibling and this file as bases and merges
#   model = dict(distiller=_base_.dist_plus_distiller)
# The paper's segmentation setting: every weight 1 (channel and spatial
# relations on raw features; the DIST base keeps its logit losses). The
# feature tap is this project's choice, the paper does not name one: the
# output of the backbone's last stage (layer4, 1/8 resolution in the -D8
# models), the student's 512 channels mapped to the teacher's 2048 by a 1x1
# conv with bias and no norm. No teacher acclimation (see docs/losses.md).
dist_plus_distiller = dict(
    student_recorders=dict(
        feature=dict(type='ModuleOutputs', source='backbone.layer4')),
    teacher_recorders=dict(
        feature=dict(type='ModuleOutputs', source='backbone.layer4')),
    connectors=dict(
        feature_s=dict(
            type='ConvModuleConnector',
            in_channel=512,
            out_channel=2048,
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
