# DIST, B2: the RSB ResNet-50 teaches EfficientNet-B0:
# ./dist_logits_resnet50-rsb_resnet18_8xb96-b2-450e_in1k.py with the student
# of configs/mmpretrain/in1k_b2/efficientnet-b0_8xb96-b2-450e_in1k.py.
_base_ = './dist_logits_resnet50-rsb_resnet18_8xb96-b2-450e_in1k.py'

model = dict(
    architecture=dict(
        backbone=dict(_delete_=True, type='EfficientNet', arch='b0'),
        head=dict(in_channels=1280)))
