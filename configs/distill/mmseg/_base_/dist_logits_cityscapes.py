# DIST on per-pixel logits, the DIST paper's Cityscapes setting: tau 1,
# beta = gamma = 1, weight 1 on the main head's logits (decode_head.conv_seg,
# before upsampling) and 0.4 on the auxiliary FCN head's. Every pixel is an
# instance; the intra-class relation runs over all pixels of the batch.
# Used as a second base next to the student's own mmseg config.
def _dist_loss(weight):
    return dict(
        type='dist_kd_mm.DISTLoss',
        inter_loss_weight=1.0,
        intra_loss_weight=1.0,
        tau=1.0,
        loss_weight=weight)


def _mapping(recorder):
    return dict(
        logits_S=dict(from_student=True, recorder=recorder),
        logits_T=dict(from_student=False, recorder=recorder))


distiller = dict(
    type='ConfigurableDistiller',
    student_recorders=dict(
        logits=dict(type='ModuleOutputs', source='decode_head.conv_seg'),
        aux_logits=dict(
            type='ModuleOutputs', source='auxiliary_head.conv_seg')),
    teacher_recorders=dict(
        logits=dict(type='ModuleOutputs', source='decode_head.conv_seg'),
        aux_logits=dict(
            type='ModuleOutputs', source='auxiliary_head.conv_seg')),
    distill_losses=dict(
        loss_dist=_dist_loss(1.0), loss_dist_aux=_dist_loss(0.4)),
    loss_forward_mappings=dict(
        loss_dist=_mapping('logits'), loss_dist_aux=_mapping('aux_logits')))

# Checkpoints leave out the frozen teacher (rebuilt from teacher_ckpt when
# resuming): the DeepLabV3-R101 teacher holds 87.2M of the two networks'
# 101.2M parameters and buffers.
# The diagnostics hook logs each loss's terms, the teacher-student agreement
# and the gradients into the student's head (docs/training.md#diagnostics).
custom_hooks = [
    dict(type='dist_kd_mm.LeanCheckpointHook'),
    dict(type='dist_kd_mm.DistillDiagnosticsHook'),
]
