# DIST+ on scikit-learn's digits (the `make demo` run): the DIST digits
# config plus ../_base_/dist_plus.py, on the CIFAR ResNets' last stage
# (backbone.stages.2: the student's 8 channels mapped to the teacher's 64)
# with acclimation of the teacher's last stage and head.
_base_ = [
    '../dist/dist_logits_resnet20_resnet8-w2_1xb64_digits.py',
    '../_base_/dist_plus.py',
]

feature = dict(feature=dict(type='ModuleOutputs', source='backbone.stages.2'))
model = dict(
    distiller=dict(
        _base_.dist_plus_distiller,
        student_recorders=feature,
        teacher_recorders=feature,
        connectors=dict(
            feature_s=dict(
                _base_.dist_plus_distiller.connectors.feature_s,
                in_channel=8,
                out_channel=64))),
    teacher_acclimation=dict(
        _base_.teacher_acclimation,
        parts=('backbone.stages.2', 'head')))
optim_wrapper = dict(paramwise_cfg=_base_.acclimation_paramwise_cfg)
