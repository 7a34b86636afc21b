# DIST+'s feature relations (Huang et al., TPAMI 2025) on one feature map of
# each network, for the classification and segmentation DIST+ bases: the
# last backbone stage (backbone.layer4), the student's map through a 1x1
# conv with bias and no norm (the paper's alignment, used also where the
# channel counts agree; bias and no norm are this project's choice), and
# dist_kd_mm.DISTFeatureLoss with channel and spatial weight 1 (the paper's,
# on every task). A base that inherits this file sets the connector's
# channels; a leaf merges dist_plus_distiller into its distiller.
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
