# The DIST paper's KD baseline: KL divergence with tau 4 and weight 1.0 on
# the classifier logits, the student's cross-entropy weight 0.9. Merged into
# a DIST leaf: the leaf replaces its distiller's losses with these.
kd_student = dict(head=dict(loss=dict(loss_weight=0.9)))
kd_distiller = dict(
    distill_losses=dict(
        _delete_=True,
        loss_kl=dict(type='KLDivergence', tau=4, loss_weight=1.0)),
    loss_forward_mappings=dict(
        _delete_=True,
        loss_kl=dict(
            preds_S=dict(from_student=True, recorder='fc'),
            preds_T=dict(from_student=False, recorder='fc'))))
