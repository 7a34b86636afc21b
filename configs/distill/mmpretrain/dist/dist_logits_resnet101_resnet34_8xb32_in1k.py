# DIST, ImageNet (stronger teacher): ResNet-101 teacher -> ResNet-34 student;
# the ResNet-101 -> ResNet-18 config with a ResNet-34 student (mmpretrain's
# resnet34_8xb32_in1k differs from resnet18_8xb32_in1k only in depth).
_base_ = './dist_logits_resnet101_resnet18_8xb32_in1k.py'

model = dict(architecture=dict(backbone=dict(depth=34)))
