# DIST, CIFAR-100: ResNet-32x4 teacher -> ShuffleNet V2 student (tau 4, loss
# weight 2, lr 0.01): ./dist_logits_resnet32x4_shufflenet-v1_1xb64_cifar100.py
# with the student of configs/mmpretrain/cifar100/shufflenet-v2_1xb64_cifar100.py.
_base_ = './dist_logits_resnet32x4_shufflenet-v1_1xb64_cifar100.py'

model = dict(
    architecture=dict(
        backbone=dict(_delete_=True, type='dist_kd_mm.CIFARShuffleNetV2'),
        head=dict(in_channels=1024)))
