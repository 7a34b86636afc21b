# Digits (8x8 grey, 10 classes) with a narrow CIFAR ResNet-8 (2/2/4/8
# channels, about 1k parameters): the student of the digits demo
# (`make demo`), trained alone. ./resnet20_1xb64_digits.py with depth 8 and
# an eighth of the width.
_base_ = './resnet20_1xb64_digits.py'

model = dict(
    backbone=dict(depth=8, stem_channels=2, base_channels=2),
    head=dict(in_channels=8))
