# MobileNet V2 (width 0.5, 0.81M parameters) trained from scratch on
# CIFAR-100: the plain baseline, and the student of the ResNet-50 teacher.
# ./resnet20_1xb64_cifar100.py with another backbone and lr 0.01, the rate
# the CIFAR-100 literature (CRD, DKD, DIST) uses for the MobileNet and
# ShuffleNet students.
_base_ = './resnet20_1xb64_cifar100.py'

model = dict(
    backbone=dict(_delete_=True, type='dist_kd_mm.CIFARMobileNetV2'),
    head=dict(in_channels=1280))
optim_wrapper = dict(optimizer=dict(lr=0.01))
