# ShuffleNet V1 (3 groups, 0.95M parameters) trained from scratch on
# CIFAR-100: the plain baseline, and a student of the ResNet-32x4 teacher.
# ./mobilenet-v2_1xb64_cifar100.py (lr 0.01) with another backbone.
_base_ = './mobilenet-v2_1xb64_cifar100.py'

model = dict(
    backbone=dict(_delete_=True, type='dist_kd_mm.CIFARShuffleNetV1'),
    head=dict(in_channels=960))
