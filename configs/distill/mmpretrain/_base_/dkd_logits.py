# DKD (Zhao et al., CVPR 2022) on the classifier logits with mmrazor's
# DKDLoss: alpha * TCKD + beta * NCKD, both KL terms times tau^2 and averaged
# over the batch (reduction 'batchmean', as DKD's code; mmrazor's own DKD
# config sets 'mean', which torch turns into a sum over the batch with the
# loss's legacy size_average=False: batch-size times larger). The labels
# are recorded at the student's loss module. DKD's ImageNet setting: tau 1,
# alpha 1, beta 0.5, CE 1 (its 1-epoch warm-up is no ramp at all).
# Merged into a DIST leaf: model = dict(distiller=_base_.dkd_distiller).
dkd_loss = dict(
    type='mmrazor.DKDLoss',
    tau=1.0,
    alpha=1.0,
    beta=0.5,
    reduction='batchmean',
    loss_weight=1.0)
dkd_distiller = dict(
    student_recorders=dict(
        gt_labels=dict(type='ModuleInputs', source='head.loss_module')),
    distill_losses=dict(_delete_=True, loss_dkd=dkd_loss),
    loss_forward_mappings=dict(
        _delete_=True,
        loss_dkd=dict(
            preds_S=dict(from_student=True, recorder='fc'),
            preds_T=dict(from_student=False, recorder='fc'),
            gt_labels=dict(from_student=True, recorder='gt_labels',
                           data_idx=1))))
