# DIST on the per-RoI class logits of two-stage detectors, the DIST paper's
# COCO setting: beta = gamma = 1, weight 1, tau 1, on the box head's fc_cls
# output (num_rois, 80 + 1). The teacher scores the student's sampled RoIs
# (dist_kd_mm.StudentRoIDistill): the student's RoI extractor inputs are
# recorded (data_idx=1 is the (num_rois, 5) RoI tensor) and the teacher's
# first box head runs on them, so row k of both logits is the same box.
# Used as a second base next to the student's own mmdet config.
dist_loss = dict(
    type='dist_kd_mm.DISTLoss',
    inter_loss_weight=1.0,
    intra_loss_weight=1.0,
    tau=1.0,
    loss_weight=1.0)

distiller = dict(
    type='ConfigurableDistiller',
    student_recorders=dict(
        rois=dict(type='ModuleInputs', source='roi_head.bbox_roi_extractor'),
        roi_logits=dict(
            type='ModuleOutputs', source='roi_head.bbox_head.fc_cls')),
    teacher_recorders=dict(
        # a Cascade teacher's first stage: 'roi_head.bbox_head.0.fc_cls'
        roi_logits=dict(
            type='ModuleOutputs', source='roi_head.bbox_head.fc_cls')),
    distill_losses=dict(loss_dist=dist_loss),
    loss_forward_mappings=dict(
        loss_dist=dict(
            logits_S=dict(from_student=True, recorder='roi_logits'),
            logits_T=dict(from_student=False, recorder='roi_logits'))))

student_rois = dict(recorder='rois', data_idx=1)

# Checkpoints leave out the frozen teacher (rebuilt from teacher_ckpt when
# resuming).
# The diagnostics hook logs each loss's terms, the teacher-student agreement
# and the gradients into the student's head (docs/training.md#diagnostics).
custom_hooks = [
    dict(type='dist_kd_mm.LeanCheckpointHook'),
    dict(type='dist_kd_mm.DistillDiagnosticsHook'),
]
