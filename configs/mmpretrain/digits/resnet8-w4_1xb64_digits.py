# Digits (8x8 grey, 10 classes) with a narrow CIFAR ResNet-8 (4/4/8/16
# channels): the student of the digits demo (`make demo`), trained alone.
# ./resnet20_1xb64_digits.py with depth 8 and a quarter of the width.
_base_ = './resnet20_1xb64_digits.py'

model = dict(
    backbone=dict(depth=8, stem_channels=4, base_channels=4),
    head=dict(in_channels=16))
