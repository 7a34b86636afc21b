# EfficientNet-B0 with the B2 recipe (78.0 in the paper), at 224 pixels as
# the other B2 students: ./resnet18_8xb96-b2-450e_in1k.py with mmpretrain's
# EfficientNet-B0 (TensorFlow's padding and BN eps, as timm's
# tf_efficientnet_b0 of the authors' runs, which they built without dropout).
_base_ = './resnet18_8xb96-b2-450e_in1k.py'

model = dict(
    backbone=dict(_delete_=True, type='EfficientNet', arch='b0'),
    head=dict(in_channels=1280))
