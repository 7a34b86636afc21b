# DIST, CIFAR-100: ResNet-32x4 teacher -> ResNet-8x4 student (tau 4, loss
# weight 2): ./dist_logits_resnet56_resnet20_1xb64_cifar100.py with the student
# of configs/mmpretrain/cifar100/resnet8x4_1xb64_cifar100.py (same recipe) and
# another teacher. The teacher checkpoint: the OpenMMLab zoo has none; train it
# with tools/train.py configs/mmpretrain/cifar100/resnet32x4_1xb64_cifar100.py,
# which writes the file that teacher_ckpt names, or convert the DIST authors'
# (DIST_KD release v0.0.2, cifar_ckpts.zip) with
# tools/model_converters/authors_cifar_to_mmpretrain.py and set teacher_ckpt
# to the result.
_base_ = './dist_logits_resnet56_resnet20_1xb64_cifar100.py'

teacher_ckpt = 'work_dirs/resnet32x4_1xb64_cifar100/epoch_240.pth'

model = dict(
    architecture=dict(
        backbone=dict(depth=8, stem_channels=32, base_channels=64),
        head=dict(in_channels=256)),
    teacher=dict(
        cfg_path='dist_kd_mm::mmpretrain/cifar100/resnet32x4_1xb64_cifar100.py'),
    teacher_ckpt=teacher_ckpt)
