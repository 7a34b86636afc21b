# DIST+, ImageNet (B1 recipe): ResNet-50 teacher -> MobileNet V1 student, the
# DIST config plus ../_base_/dist_plus.py; the student's last layer (1024
# channels) maps to the teacher's layer4 (2048).
_base_ = [
    '../dist/dist_logits_resnet50_mobilenet-v1_8xb32_in1k.py',
    '../_base_/dist_plus.py',
]

model = dict(
    distiller=dict(
        _base_.dist_plus_distiller,
        student_recorders=dict(
            feature=dict(type='ModuleOutputs', source='backbone.layers.12')),
        connectors=dict(
            feature_s=dict(
                _base_.dist_plus_distiller.connectors.feature_s,
                in_channel=1024,
                out_channel=2048))),
    teacher_acclimation=_base_.teacher_acclimation)
optim_wrapper = dict(paramwise_cfg=_base_.acclimation_paramwise_cfg)
