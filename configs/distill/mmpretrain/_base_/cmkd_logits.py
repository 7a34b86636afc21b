# CMKD on the classifier logits (dist_kd_mm.CMKDLoss): DIST's Pearson term
# plus a Spearman term on soft ranks, mixed per sample by the teacher's
# normalized entropy (harder samples weigh the ranking more). The paper's
# exact weighting and ranking are not public: the loss's defaults are this
# project's choices. Weight 2 and tau as DIST (the leaves set tau: 1 on
# ImageNet and the digits demo, 4 on CIFAR-100: ./cmkd_logits_cifar100.py).
# Merged into a DIST leaf: the leaf replaces its distiller's losses with
# these (model = dict(distiller=_base_.cmkd_distiller)).
cmkd_distiller = dict(distill_losses=dict(
    _delete_=True,
    loss_cmkd=dict(
        type='dist_kd_mm.CMKDLoss',
        tau=1.0,
        loss_weight=2.0,
        pearson_weight=1.0,
        spearman_weight=1.0,
        intra_loss_weight=1.0,
        weighting='hard_to_rank',
        regularization_strength=0.1)),
    loss_forward_mappings=dict(
        _delete_=True,
        loss_cmkd=dict(
            logits_S=dict(from_student=True, recorder='fc'),
            logits_T=dict(from_student=False, recorder='fc'))))
