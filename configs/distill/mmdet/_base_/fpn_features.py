# Distillation on the five FPN outputs, merged into a distiller of the other
# bases (model = dict(distiller=_base_.<name>)). Each student level goes
# through its own learnable 1x1 conv with bias (an mmrazor connector, trained
# with the student); one loss per level, weight 1 each, summed.
# - mimic_distiller: "+mimic" of the DIST paper's COCO experiments, mmdet's
#   MSELoss (mean over elements), weight 1 per FPN level as the authors'
#   configs set it (the paper's text does not give it).
# - dist_plus_distiller: DIST+'s channel and spatial relations
#   (dist_kd_mm.DISTFeatureLoss, weights 1, the paper's COCO setting). The
#   paper leaves open whether the levels share a connector and are summed or
#   averaged: one connector per level and the sum are this project's choice.
FPN_LEVELS = 5
FPN_CHANNELS = 256

fpn_recorders = dict(fpn=dict(type='ModuleOutputs', source='neck'))
fpn_connectors = {
    f'fpn{level}': dict(
        type='ConvModuleConnector',
        in_channel=FPN_CHANNELS,
        out_channel=FPN_CHANNELS,
        kernel_size=1,
        bias=True,
        norm_cfg=None,
        act_cfg=None)
    for level in range(FPN_LEVELS)
}


def _fpn_distiller(name, loss, student_key, teacher_key):
    """Recorders, connectors, one ``loss`` per level and its mappings."""
    return dict(
        student_recorders=fpn_recorders,
        teacher_recorders=fpn_recorders,
        connectors=fpn_connectors,
        distill_losses={
            f'{name}{level}': loss
            for level in range(FPN_LEVELS)
        },
        loss_forward_mappings={
            f'{name}{level}': {
                student_key:
                dict(
                    from_student=True,
                    recorder='fpn',
                    data_idx=level,
                    connector=f'fpn{level}'),
                teacher_key:
                dict(from_student=False, recorder='fpn', data_idx=level)
            }
            for level in range(FPN_LEVELS)
        })


mimic_distiller = _fpn_distiller(
    'loss_mimic_fpn', dict(type='mmdet.MSELoss', loss_weight=1.0), 'pred',
    'target')
dist_plus_distiller = _fpn_distiller(
    'loss_feature_fpn',
    dict(
        type='dist_kd_mm.DISTFeatureLoss',
        channel_weight=1.0,
        spatial_weight=1.0,
        loss_weight=1.0), 'preds_S', 'preds_T')
