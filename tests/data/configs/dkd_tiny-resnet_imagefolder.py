# DKD (mmrazor's DKDLoss, labels recorded at the student's loss module) on
# the tiny run of dist_tiny-resnet_imagefolder.py, by epoch, with its loss
# ramped up over 4 epochs by dist_kd_mm.DistillLossWarmupHook.
_base_ = ['./dist_tiny-resnet_imagefolder.py']

model = dict(
    distiller=dict(
        student_recorders=dict(
            gt_labels=dict(type='ModuleInputs', source='head.loss_module')),
        distill_losses=dict(
            _delete_=True,
            loss_dkd=dict(type='DKDLoss', tau=4.0, alpha=1.0, beta=8.0,
                          loss_weight=2.0)),
        loss_forward_mappings=dict(
            _delete_=True,
            loss_dkd=dict(
                preds_S=dict(from_student=True, recorder='fc'),
                preds_T=dict(from_student=False, recorder='fc'),
                gt_labels=dict(from_student=True, recorder='gt_labels',
                               data_idx=1)))))

train_cfg = dict(
    _delete_=True, type='EpochBasedTrainLoop', max_epochs=5, val_interval=10)
param_scheduler = []
default_hooks = dict(checkpoint=dict(interval=1, by_epoch=True))
log_processor = dict(by_epoch=True)
custom_hooks = [
    dict(type='dist_kd_mm.DistillLossWarmupHook', loss_names=['loss_dkd'],
         warmup_epochs=4)
]
