# DIST, CIFAR-100: ResNet-50 teacher -> MobileNet V2 student (tau 4, loss
# weight 2, lr 0.01 as the paper's MobileNet and ShuffleNet students):
# ./dist_logits_resnet56_resnet20_1xb64_cifar100.py with the student of
# configs/mmpretrain/cifar100/mobilenet-v2_1xb64_cifar100.py (same recipe) and
# another teacher. The teacher checkpoint: the OpenMMLab zoo has none; train it
# with tools/train.py configs/mmpretrain/cifar100/resnet50_1xb64_cifar100.py,
# which writes the file that teacher_ckpt names, or convert the DIST authors'
# (DIST_KD release v0.0.2, cifar_ckpts.zip) with
# tools/model_converters/authors_cifar_to_mmpretrain.py and set teacher_ckpt
# to the result.
_base_ = './dist_logits_resnet56_resnet20_1xb64_cifar100.py'

teacher_ckpt = 'work_dirs/resnet50_1xb64_cifar100/epoch_240.pth'

model = dict(
    architecture=dict(
        backbone=dict(_delete_=True, type='dist_kd_mm.CIFARMobileNetV2'),
        head=dict(in_channels=1280)),
    teacher=dict(
        cfg_path='dist_kd_mm::mmpretrain/cifar100/resnet50_1xb64_cifar100.py'),
    teacher_ckpt=teacher_ckpt)
optim_wrapper = dict(optimizer=dict(lr=0.01))
