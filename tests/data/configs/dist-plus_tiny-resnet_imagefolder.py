# dist_tiny-resnet_imagefolder.py with the shipped DIST+ base: the feature
# relations on layer4 (through a 1x1 connector) and teacher acclimation of
# the teacher's last stage and head at a tenth of the student's learning
# rate. The heads have 10 outputs for the 3 classes of the data, so that the
# acclimation loss has more than two non-target classes to correlate.
_base_ = [
    './dist_tiny-resnet_imagefolder.py',
    '../../../configs/distill/mmpretrain/_base_/dist_plus.py',
]

width = 16
model = dict(
    architecture=dict(head=dict(num_classes=10)),
    teacher=dict(head=dict(num_classes=10)),
    teacher_acclimation=_base_.teacher_acclimation,
    distiller=dict(
        _base_.dist_plus_distiller,
        connectors=dict(
            feature_s=dict(
                _base_.dist_plus_distiller.connectors.feature_s,
                in_channel=width * 8,
                out_channel=width * 8))))
optim_wrapper = dict(paramwise_cfg=_base_.acclimation_paramwise_cfg)
