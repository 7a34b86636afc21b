# DIST, CIFAR-100: WRN-40-2 teacher -> WRN-40-1 student (tau 4, loss weight 2).
# No CIFAR checkpoints of the teacher exist: train it first with
#   tools/train.py configs/mmpretrain/cifar100/wrn-40-2_1xb64_cifar100.py
# which writes the checkpoint that teacher_ckpt names (or set your own).
_base_ = [
    '../../../mmpretrain/cifar100/wrn-40-1_1xb64_cifar100.py',
    '../_base_/dist_logits_cifar100.py',
]

custom_imports = dict(imports=['dist_kd_mm'], allow_failed_imports=False)

teacher_ckpt = 'work_dirs/wrn-40-2_1xb64_cifar100/epoch_240.pth'

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='SingleTeacherDistill',
    data_preprocessor=_base_.distill_data_preprocessor,
    architecture=_base_.model,
    teacher=dict(
        cfg_path='dist_kd_mm::mmpretrain/cifar100/wrn-40-2_1xb64_cifar100.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=_base_.distiller)

find_unused_parameters = True
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
