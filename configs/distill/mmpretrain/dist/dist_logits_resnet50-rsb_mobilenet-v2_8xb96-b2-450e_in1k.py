# DIST, B2: the RSB ResNet-50 teaches MobileNet V2:
# ./dist_logits_resnet50-rsb_resnet18_8xb96-b2-450e_in1k.py with the student
# of configs/mmpretrain/in1k_b2/mobilenet-v2_8xb96-b2-450e_in1k.py.
_base_ = './dist_logits_resnet50-rsb_resnet18_8xb96-b2-450e_in1k.py'

model = dict(
    architecture=dict(
        backbone=dict(_delete_=True, type='MobileNetV2', widen_factor=1.0),
        head=dict(type='dist_kd_mm.DropoutLinearClsHead', dropout_rate=0.2,
                  in_channels=1280)))
