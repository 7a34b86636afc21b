# A small but complete DIST distillation run for tests: the student of
# tiny-resnet18_imagefolder.py learns from a ResNet-34 layout of the same
# width, with mmrazor's SingleTeacherDistill, ConfigurableDistiller,
# ModuleOutputs recorders on head.fc and dist_kd_mm's DISTLoss. Set data_root
# with --cfg-options.
_base_ = ['./tiny-resnet18_imagefolder.py']

custom_imports = dict(imports=['dist_kd_mm'], allow_failed_imports=False)
default_scope = 'mmrazor'

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='dist_kd_mm.SingleTeacherDistill',
    data_preprocessor=_base_.model.data_preprocessor,
    architecture=_base_.model,
    teacher=dict(
        _base_.model, backbone=dict(_base_.model.backbone, depth=34)),
    teacher_ckpt=None,  # tests set a local file with --cfg-options
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc')),
        distill_losses=dict(
            loss_dist=dict(
                type='dist_kd_mm.DISTLoss',
                inter_loss_weight=1.0,
                intra_loss_weight=1.0,
                tau=1.0,
                loss_weight=2.0)),
        loss_forward_mappings=dict(
            loss_dist=dict(
                logits_S=dict(from_student=True, recorder='fc'),
                logits_T=dict(from_student=False, recorder='fc')))))

val_cfg = dict(_delete_=True, type='dist_kd_mm.SingleTeacherDistillValLoop')
