# DIST on RetinaNet's dense classification logits, the DIST paper's COCO
# setting: sigmoid instead of softmax, beta = gamma = 1, weight 1, tau 1, one
# loss per FPN level. The shared head's retina_cls conv runs once per level
# (P3..P7), so its recorder holds five records, record_idx 0..4. As the
# authors' code flattens the (N, 9*80, H, W) map (hunto/MasKD,
# mmrazor/models/losses/dist_kd.py), each position is one instance and all
# 720 channels (9 anchors x 80 classes) are its class axis. This project's
# alternative, each anchor an instance over the 80 classes, is
# num_anchors=9 (configs/README.md, differences from the authors' code).
NUM_LEVELS = 5


def _dist_loss():
    return dict(
        type='dist_kd_mm.DISTLoss',
        inter_loss_weight=1.0,
        intra_loss_weight=1.0,
        tau=1.0,
        loss_weight=1.0,
        activation='sigmoid')


def _mapping(level):
    return dict(
        logits_S=dict(
            from_student=True, recorder='cls_logits', record_idx=level),
        logits_T=dict(
            from_student=False, recorder='cls_logits', record_idx=level))


distiller = dict(
    type='ConfigurableDistiller',
    student_recorders=dict(
        cls_logits=dict(type='ModuleOutputs', source='bbox_head.retina_cls')),
    teacher_recorders=dict(
        cls_logits=dict(type='ModuleOutputs', source='bbox_head.retina_cls')),
    distill_losses={
        f'loss_dist_p{level + 3}': _dist_loss()
        for level in range(NUM_LEVELS)
    },
    loss_forward_mappings={
        f'loss_dist_p{level + 3}': _mapping(level)
        for level in range(NUM_LEVELS)
    })

# The diagnostics hook logs each loss's terms, the teacher-student agreement
# and the gradients into the student's head (docs/training.md#diagnostics).
custom_hooks = [
    dict(type='dist_kd_mm.LeanCheckpointHook'),
    dict(type='dist_kd_mm.DistillDiagnosticsHook'),
]
