# ResNet-8x4 (1.23M parameters) trained from scratch on CIFAR-100:
# the plain baseline, and the student of the ResNet-32x4 teacher.
# ./resnet20_1xb64_cifar100.py with depth 8 and four times the width.
_base_ = './resnet20_1xb64_cifar100.py'

model = dict(
    backbone=dict(depth=8, stem_channels=32, base_channels=64),
    head=dict(in_channels=256))
