# ResNet-50 with the B2 recipe (78.5 in the paper, the student of its
# Swin-L teacher): ./resnet18_8xb96-b2-450e_in1k.py with mmpretrain's
# ResNet-50.
_base_ = './resnet18_8xb96-b2-450e_in1k.py'

model = dict(backbone=dict(depth=50), head=dict(in_channels=2048))
