# ResNet-32x4 (7.43M parameters) trained from scratch on CIFAR-100:
# the plain baseline, and the teacher of the distillation configs (the
# OpenMMLab zoo has no CIFAR checkpoints of these models, so teachers are
# trained with this file). ./resnet8x4_1xb64_cifar100.py with another depth.
_base_ = './resnet8x4_1xb64_cifar100.py'

model = dict(backbone=dict(depth=32))
