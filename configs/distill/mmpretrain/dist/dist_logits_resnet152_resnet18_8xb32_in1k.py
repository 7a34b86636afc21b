# DIST, ImageNet (stronger teacher): ResNet-152 teacher -> ResNet-18 student;
# the ResNet-34 -> ResNet-18 config with another teacher.
_base_ = './dist_logits_resnet34_resnet18_8xb32_in1k.py'

teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet152_8xb32_in1k_20210901-4d7582fa.pth'  # noqa: E501

model = dict(
    teacher=dict(cfg_path='mmpretrain::resnet/resnet152_8xb32_in1k.py'),
    teacher_ckpt=teacher_ckpt)
