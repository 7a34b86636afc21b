# ResNet-50 (23.71M parameters) trained from scratch on CIFAR-100: the
# plain baseline, and the teacher of the MobileNet V2 student. The CIFAR
# ResNet-50 of the distillation literature is mmpretrain's ResNet_CIFAR
# (a 3x3 stride-1 stem, no max pooling, bottleneck stages 3-4-6-3).
# ./resnet20_1xb64_cifar100.py with another backbone.
_base_ = './resnet20_1xb64_cifar100.py'

model = dict(
    backbone=dict(_delete_=True, type='mmpretrain.ResNet_CIFAR', depth=50),
    head=dict(in_channels=2048))
