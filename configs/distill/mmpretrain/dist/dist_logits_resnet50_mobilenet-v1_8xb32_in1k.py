# DIST, ImageNet (B1 recipe): ResNet-50 teacher -> MobileNet V1 student:
# ./dist_logits_resnet50_resnet18_8xb32_in1k.py with the student of
# configs/mmpretrain/mobilenet_v1/mobilenet-v1_8xb32_in1k.py (the same B1
# recipe; mmpretrain has no MobileNet V1, the backbone is this package's).
_base_ = './dist_logits_resnet50_resnet18_8xb32_in1k.py'

model = dict(
    architecture=dict(
        backbone=dict(
            _delete_=True, type='dist_kd_mm.MobileNetV1', widen_factor=1.0),
        head=dict(in_channels=1024)))
