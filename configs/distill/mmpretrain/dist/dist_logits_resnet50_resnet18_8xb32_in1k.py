# DIST, ImageNet (stronger teacher): ResNet-50 teacher -> ResNet-18 student;
# the ResNet-34 -> ResNet-18 config with another teacher.
_base_ = './dist_logits_resnet34_resnet18_8xb32_in1k.py'

teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet50_8xb32_in1k_20210831-ea4938fc.pth'  # noqa: E501

model = dict(
    teacher=dict(cfg_path='mmpretrain::resnet/resnet50_8xb32_in1k.py'),
    teacher_ckpt=teacher_ckpt)
