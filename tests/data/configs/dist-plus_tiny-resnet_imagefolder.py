# dist_tiny-resnet_imagefolder.py with DIST+: the feature relations on the
# last stage (through a 1x1 connector) and teacher acclimation of the
# teacher's last stage and head at a tenth of the student's learning rate.
# The heads have 10 outputs for the 3 classes of the data, so that the
# acclimation loss has more than two non-target classes to correlate.
_base_ = ['./dist_tiny-resnet_imagefolder.py']

width = 16
model = dict(
    architecture=dict(head=dict(num_classes=10)),
    teacher=dict(head=dict(num_classes=10)),
    teacher_acclimation=dict(parts=('backbone.layer4', 'head')),
    distiller=dict(
        student_recorders=dict(
            layer4=dict(type='ModuleOutputs', source='backbone.layer4')),
        teacher_recorders=dict(
            layer4=dict(type='ModuleOutputs', source='backbone.layer4')),
        distill_losses=dict(
            loss_feature=dict(type='dist_kd_mm.DISTFeatureLoss')),
        connectors=dict(
            layer4_s=dict(
                type='ConvModuleConnector',
                in_channel=width * 8,
                out_channel=width * 8,
                kernel_size=1,
                norm_cfg=None,
                act_cfg=None)),
        loss_forward_mappings=dict(
            loss_feature=dict(
                preds_S=dict(
                    from_student=True, recorder='layer4',
                    connector='layer4_s'),
                preds_T=dict(from_student=False, recorder='layer4')))))

optim_wrapper = dict(
    paramwise_cfg=dict(
        custom_keys={
            'teacher.backbone.layer4': dict(lr_mult=0.1),
            'teacher.head': dict(lr_mult=0.1),
        }))
