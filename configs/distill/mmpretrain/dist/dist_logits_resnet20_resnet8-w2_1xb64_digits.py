# DIST on scikit-learn's digits (the `make demo` run): ResNet-20 teacher ->
# narrow ResNet-8 student. teacher_ckpt is the teacher's own run
# (configs/mmpretrain/digits/resnet20_1xb64_digits.py); `make demo` trains it
# first and passes its checkpoint.
_base_ = [
    '../../../mmpretrain/digits/resnet8-w2_1xb64_digits.py',
    '../_base_/dist_logits.py',
]

custom_imports = dict(imports=['dist_kd_mm'], allow_failed_imports=False)

teacher_ckpt = 'work_dirs/resnet20_1xb64_digits/epoch_100.pth'

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='dist_kd_mm.SingleTeacherDistill',
    data_preprocessor=_base_.model.data_preprocessor,
    architecture=_base_.model,
    teacher=dict(
        cfg_path='dist_kd_mm::mmpretrain/digits/resnet20_1xb64_digits.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=_base_.distiller)

find_unused_parameters = True
val_cfg = dict(_delete_=True, type='dist_kd_mm.SingleTeacherDistillValLoop')
