# DIST, CIFAR-100: ResNet-56 teacher -> ResNet-20 student (tau 4, loss weight
# 2). The teacher checkpoint: the OpenMMLab zoo has none; train it with
# tools/train.py configs/mmpretrain/cifar100/resnet56_1xb64_cifar100.py, which
# writes the file that teacher_ckpt names, or convert the DIST authors'
# (DIST_KD release v0.0.2, cifar_ckpts.zip) with
# tools/model_converters/authors_cifar_to_mmpretrain.py and set teacher_ckpt
# to the result.
_base_ = [
    '../../../mmpretrain/cifar100/resnet20_1xb64_cifar100.py',
    '../_base_/dist_logits_cifar100.py',
]

custom_imports = dict(imports=['dist_kd_mm'], allow_failed_imports=False)

teacher_ckpt = 'work_dirs/resnet56_1xb64_cifar100/epoch_240.pth'

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='dist_kd_mm.SingleTeacherDistill',
    data_preprocessor=_base_.distill_data_preprocessor,
    architecture=_base_.model,
    teacher=dict(
        cfg_path='dist_kd_mm::mmpretrain/cifar100/resnet56_1xb64_cifar100.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=_base_.distiller)

find_unused_parameters = True
val_cfg = dict(_delete_=True, type='dist_kd_mm.SingleTeacherDistillValLoop')
