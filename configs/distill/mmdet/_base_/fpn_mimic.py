# "+mimic" of the DIST paper's COCO experiments: an MSE loss between the
# student's and the teacher's five FPN outputs, each student level through
# its own learnable 1x1 conv (an mmrazor connector, trained with the
# student). Weight 1 per level (mmdet's MSELoss, mean over elements) is this
# project's choice; the paper does not give it. Merged into a distiller of
# the other bases: a leaf merges mimic_distiller into its distiller
# (model = dict(distiller=_base_.mimic_distiller)).
FPN_LEVELS = 5
FPN_CHANNELS = 256

mimic_recorders = dict(fpn=dict(type='ModuleOutputs', source='neck'))
mimic_connectors = {
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
mimic_losses = {
    f'loss_mimic_fpn{level}': dict(type='mmdet.MSELoss', loss_weight=1.0)
    for level in range(FPN_LEVELS)
}
mimic_mappings = {
    f'loss_mimic_fpn{level}': dict(
        pred=dict(
            from_student=True,
            recorder='fpn',
            data_idx=level,
            connector=f'fpn{level}'),
        target=dict(from_student=False, recorder='fpn', data_idx=level))
    for level in range(FPN_LEVELS)
}

mimic_distiller = dict(
    student_recorders=mimic_recorders,
    teacher_recorders=mimic_recorders,
    connectors=mimic_connectors,
    distill_losses=mimic_losses,
    loss_forward_mappings=mimic_mappings)
