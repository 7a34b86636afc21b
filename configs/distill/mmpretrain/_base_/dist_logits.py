# DIST on the classifier logits (the paper's ImageNet setting): tau 1,
# beta = gamma = 1 with loss weight 2 (i.e. beta = gamma = 2), CE 1.
# Used as a second base next to the student's own config; it only defines
# keys that mmpretrain configs do not have (configs set custom_imports).
distiller = dict(
    type='ConfigurableDistiller',
    student_recorders=dict(fc=dict(type='ModuleOutputs', source='head.fc')),
    teacher_recorders=dict(fc=dict(type='ModuleOutputs', source='head.fc')),
    distill_losses=dict(
        loss_dist=dict(
            type='dist_kd_mm.DISTLoss',
            inter_loss_weight=1.0,
            intra_loss_weight=1.0,
            tau=1.0,
            loss_weight=2.0)),
    loss_forward_mappings=dict(
        loss_dist=dict(
            logits_S=dict(from_student=True, recorder='fc'),
            logits_T=dict(from_student=False, recorder='fc'))))

# Checkpoints leave out the frozen teacher (rebuilt from teacher_ckpt when
# resuming): about half the size for a ResNet-34 -> ResNet-18 run.
# The diagnostics hook logs each loss's terms, the teacher-student agreement
# and the gradients into the student's head (docs/training.md#diagnostics).
custom_hooks = [
    dict(type='dist_kd_mm.LeanCheckpointHook'),
    dict(type='dist_kd_mm.DistillDiagnosticsHook'),
]
