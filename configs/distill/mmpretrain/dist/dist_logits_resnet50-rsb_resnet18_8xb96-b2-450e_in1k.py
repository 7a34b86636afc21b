# DIST, ImageNet with the strong recipe (B2): the ResNet-50 of "ResNet
# strikes back" (A1, 600 epochs; 80.12 top-1 in mmpretrain's zoo, 80.1 in
# the paper) teaches ResNet-18, trained as
# configs/mmpretrain/in1k_b2/resnet18_8xb96-b2-450e_in1k.py (RMSpropTF,
# 450 epochs, RandAugment, random erasing, dropout, EMA, label smoothing).
# DIST tau 1, loss weight 2, CE 1 (label-smoothed, as the recipe's). The
# teacher sees the student's 224-pixel crops with the same normalization.
_base_ = [
    '../../../mmpretrain/in1k_b2/resnet18_8xb96-b2-450e_in1k.py',
    '../_base_/dist_logits_in1k.py',
]

teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet50_8xb256-rsb-a1-600e_in1k_20211228-20e21305.pth'  # noqa: E501

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='dist_kd_mm.SingleTeacherDistill',
    data_preprocessor=_base_.distill_data_preprocessor,
    architecture=_base_.model,
    teacher=dict(
        cfg_path='mmpretrain::resnet/resnet50_8xb256-rsb-a1-600e_in1k.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=_base_.distiller)

find_unused_parameters = True
val_cfg = dict(_delete_=True, type='dist_kd_mm.SingleTeacherDistillValLoop')
