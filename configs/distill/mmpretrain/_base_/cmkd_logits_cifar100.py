# CMKD on CIFAR-100: ./cmkd_logits.py with tau 4, as DIST's CIFAR setting.
_base_ = './cmkd_logits.py'

cmkd_distiller = dict(distill_losses=dict(loss_cmkd=dict(tau=4.0)))
