# DIST, ImageNet (B1 recipe): ResNet-34 teacher -> ResNet-18 student.
_base_ = [
    'mmpretrain::resnet/resnet18_8xb32_in1k.py',
    '../_base_/dist_logits_in1k.py',
]

custom_imports = dict(imports=['dist_kd_mm'], allow_failed_imports=False)

teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet34_8xb32_in1k_20210831-f257d4e6.pth'  # noqa: E501

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='dist_kd_mm.SingleTeacherDistill',
    data_preprocessor=_base_.distill_data_preprocessor,
    architecture=_base_.model,
    teacher=dict(
        cfg_path='mmpretrain::resnet/resnet34_8xb32_in1k.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=_base_.distiller)

# B1 recipe: SGD lr 0.1 momentum 0.9 weight decay 1e-4 (from the student's
# config) with Nesterov momentum, 100 epochs, x0.1 at 30/60/90, 8 GPUs x 32.
# No weight decay on 1-D parameters and biases (BN weights and biases, the fc
# bias), as the authors' optimizer builder does by default
# (filter_bias_and_bn in hunto/image_classification_sota lib/utils/optim.py).
optim_wrapper = dict(
    optimizer=dict(nesterov=True),
    paramwise_cfg=dict(
        norm_decay_mult=0.0, bias_decay_mult=0.0, flat_decay_mult=0.0))
find_unused_parameters = True
val_cfg = dict(_delete_=True, type='dist_kd_mm.SingleTeacherDistillValLoop')
