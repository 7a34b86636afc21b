# DIST, CIFAR-100: ResNet-32x4 teacher -> ShuffleNet V1 student (tau 4, loss
# weight 2, lr 0.01): ./dist_logits_resnet50_mobilenet-v2_1xb64_cifar100.py
# with the student of configs/mmpretrain/cifar100/shufflenet-v1_1xb64_cifar100.py
# and the teacher of ./dist_logits_resnet32x4_resnet8x4_1xb64_cifar100.py.
_base_ = './dist_logits_resnet50_mobilenet-v2_1xb64_cifar100.py'

teacher_ckpt = 'work_dirs/resnet32x4_1xb64_cifar100/epoch_240.pth'

model = dict(
    architecture=dict(
        backbone=dict(_delete_=True, type='dist_kd_mm.CIFARShuffleNetV1'),
        head=dict(in_channels=960)),
    teacher=dict(
        cfg_path='dist_kd_mm::mmpretrain/cifar100/resnet32x4_1xb64_cifar100.py'),
    teacher_ckpt=teacher_ckpt)
