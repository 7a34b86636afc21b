# DIST+, CIFAR-100: WRN-40-2 teacher -> WRN-40-1 student (tau 4), the DIST
# config plus ../_base_/dist_plus.py, with the wide ResNets' last stage:
# the backbone's output after its final BatchNorm (64 -> 128 channels), and
# acclimation of the teacher's last stage, final norm and head.
_base_ = [
    '../dist/dist_logits_wrn-40-2_wrn-40-1_1xb64_cifar100.py',
    '../_base_/dist_plus.py',
]

feature = dict(feature=dict(type='ModuleOutputs', source='backbone'))
model = dict(
    distiller=dict(
        _base_.dist_plus_distiller,
        student_recorders=feature,
        teacher_recorders=feature,
        connectors=dict(
            feature_s=dict(
                _base_.dist_plus_distiller.connectors.feature_s,
                in_channel=64,
                out_channel=128)),
        loss_forward_mappings=dict(
            loss_feature=dict(
                preds_S=dict(
                    from_student=True,
                    recorder='feature',
                    data_idx=0,
                    connector='feature_s'),
                preds_T=dict(
                    from_student=False, recorder='feature', data_idx=0)))),
    teacher_acclimation=dict(
        _base_.teacher_acclimation,
        parts=('backbone.stages.2', 'backbone.final_norm', 'head')))
optim_wrapper = dict(paramwise_cfg=_base_.acclimation_paramwise_cfg)
