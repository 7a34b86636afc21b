# DIST, CIFAR-100: WRN-40-2 teacher -> WRN-40-1 student (tau 4, loss weight 2):
# ./dist_logits_resnet56_resnet20_1xb64_cifar100.py with the student of
# configs/mmpretrain/cifar100/wrn-40-1_1xb64_cifar100.py (same recipe) and
# another teacher. The teacher checkpoint: the OpenMMLab zoo has none; train it
# with tools/train.py configs/mmpretrain/cifar100/wrn-40-2_1xb64_cifar100.py,
# which writes the file that teacher_ckpt names, or convert the DIST authors'
# (DIST_KD release v0.0.2, cifar_ckpts.zip) with
# tools/model_converters/authors_cifar_to_mmpretrain.py and set teacher_ckpt
# to the result.
_base_ = './dist_logits_resnet56_resnet20_1xb64_cifar100.py'

teacher_ckpt = 'work_dirs/wrn-40-2_1xb64_cifar100/epoch_240.pth'

model = dict(
    architecture=dict(
        backbone=dict(
            _delete_=True, type='dist_kd_mm.WideResNet', depth=40,
            widen_factor=1)),
    teacher=dict(
        cfg_path='dist_kd_mm::mmpretrain/cifar100/wrn-40-2_1xb64_cifar100.py'),
    teacher_ckpt=teacher_ckpt)
