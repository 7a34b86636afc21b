# KD baseline on CIFAR-100 as CRD (Tian et al., ICLR 2020) published it and
# DKD's code runs it: KL divergence with tau 4 and weight 0.9, the
# student's cross-entropy weight 0.1 (the DIST paper's CIFAR-100 KD column
# comes from that line of work). ./kd_logits.py with these weights.
_base_ = './kd_logits.py'

kd_student = dict(head=dict(loss=dict(loss_weight=0.1)))
kd_distiller = dict(distill_losses=dict(loss_kl=dict(loss_weight=0.9)))
