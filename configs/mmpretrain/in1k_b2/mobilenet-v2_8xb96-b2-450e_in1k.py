# MobileNet V2 1.0 with the B2 recipe (73.6 in the paper):
# ./resnet18_8xb96-b2-450e_in1k.py with mmpretrain's MobileNet V2.
_base_ = './resnet18_8xb96-b2-450e_in1k.py'

model = dict(
    backbone=dict(_delete_=True, type='MobileNetV2', widen_factor=1.0),
    head=dict(in_channels=1280))
