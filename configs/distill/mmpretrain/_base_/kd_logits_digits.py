# KD on the classifier logits for the digits demo, as the DIST paper's KD
# baseline: KL divergence with tau 4 and weight 1.0, student CE 0.9.
# Used as a second base next to the student's own config.
distiller = dict(
    type='ConfigurableDistiller',
    student_recorders=dict(fc=dict(type='ModuleOutputs', source='head.fc')),
    teacher_recorders=dict(fc=dict(type='ModuleOutputs', source='head.fc')),
    distill_losses=dict(
        loss_kl=dict(type='KLDivergence', tau=4, loss_weight=1.0)),
    loss_forward_mappings=dict(
        loss_kl=dict(
            preds_S=dict(from_student=True, recorder='fc'),
            preds_T=dict(from_student=False, recorder='fc'))))

# Checkpoints leave out the frozen teacher (rebuilt from teacher_ckpt when
# resuming): about half the size for a ResNet-34 -> ResNet-18 run.
custom_hooks = [dict(type='dist_kd_mm.LeanCheckpointHook')]
