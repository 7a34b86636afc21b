# DIST, ImageNet, transformer teacher: Swin-L (ImageNet-21k pre-trained,
# 224 pixels; 86.24 top-1 in mmpretrain's zoo, 86.3 in the paper) teaches
# Swin-T with Swin-T's own recipe, mmpretrain's
# swin_transformer/swin-tiny_16xb64_in1k.py (AdamW lr 1e-3 for 16 x 64
# images, 300 epochs, cosine after 20 warm-up epochs, RandAugment, random
# erasing, Mixup and CutMix, label smoothing; 81.3 top-1 alone, as in the
# paper). The paper does not give its Swin-T recipe; using the student's own
# is this project's choice. DIST tau 1, loss weight 2, CE 1.
_base_ = [
    'mmpretrain::swin_transformer/swin-tiny_16xb64_in1k.py',
    '../_base_/dist_logits_in1k.py',
]

custom_imports = dict(imports=['dist_kd_mm'], allow_failed_imports=False)

teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/swin-transformer/convert/swin_large_patch4_window7_224_22kto1k-5f0996db.pth'  # noqa: E501

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='dist_kd_mm.SingleTeacherDistill',
    # the algorithm's preprocessor runs for teacher and student, so it
    # carries the student's Mixup and CutMix (the teacher sees the mixed
    # images too)
    data_preprocessor=dict(
        _base_.distill_data_preprocessor,
        batch_augments=_base_.model.train_cfg),
    architecture=_base_.model,
    teacher=dict(
        cfg_path='mmpretrain::swin_transformer/swin-large_16xb64_in1k.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=_base_.distiller)

find_unused_parameters = True
val_cfg = dict(_delete_=True, type='dist_kd_mm.SingleTeacherDistillValLoop')
