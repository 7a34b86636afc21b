# WRN-40-1 (0.57M parameters) trained from scratch on CIFAR-100:
# the plain baseline, and the student of the WRN-40-2 teacher.
# ./resnet20_1xb64_cifar100.py with a wide ResNet backbone.
_base_ = './resnet20_1xb64_cifar100.py'

model = dict(
    backbone=dict(
        _delete_=True, type='dist_kd_mm.WideResNet', depth=40,
        widen_factor=1))
