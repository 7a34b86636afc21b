# WRN-40-2 (2.26M parameters) trained from scratch on CIFAR-100:
# the plain baseline, and the teacher of the distillation configs (the
# OpenMMLab zoo has no CIFAR checkpoints of these models, so teachers are
# trained with this file). ./wrn-40-1_1xb64_cifar100.py with another width.
_base_ = './wrn-40-1_1xb64_cifar100.py'

model = dict(
    backbone=dict(widen_factor=2), head=dict(in_channels=128))
