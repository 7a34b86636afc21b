# MobileNet V2 1.0 with the B2 recipe (73.6 in the paper):
# ./resnet18_8xb96-b2-450e_in1k.py with mmpretrain's MobileNet V2 and, as
# torchvision's MobileNet V2 of the authors' runs, dropout 0.2 before the
# classifier.
_base_ = './resnet18_8xb96-b2-450e_in1k.py'

model = dict(
    backbone=dict(_delete_=True, type='MobileNetV2', widen_factor=1.0),
    head=dict(type='dist_kd_mm.DropoutLinearClsHead', dropout_rate=0.2,
              in_channels=1280))
