# ResNet-34 with the B2 recipe (76.8 in the paper):
# ./resnet18_8xb96-b2-450e_in1k.py with another depth.
_base_ = './resnet18_8xb96-b2-450e_in1k.py'

model = dict(backbone=dict(depth=34))
