# DIST, B2: the RSB ResNet-50 teaches ResNet-34:
# ./dist_logits_resnet50-rsb_resnet18_8xb96-b2-450e_in1k.py with the student
# of configs/mmpretrain/in1k_b2/resnet34_8xb96-b2-450e_in1k.py.
_base_ = './dist_logits_resnet50-rsb_resnet18_8xb96-b2-450e_in1k.py'

model = dict(architecture=dict(backbone=dict(depth=34)))
