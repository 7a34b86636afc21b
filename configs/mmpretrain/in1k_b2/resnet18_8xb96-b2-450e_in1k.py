# ResNet-18 trained alone with the DIST paper's strong recipe (B2,
# ./_base_/b2_8xb96-450e_in1k.py): the plain baseline (73.4 in the paper)
# and the student of the B2 distillation configs. mmpretrain's ResNet-18
# with dropout 0.2 before the classifier and label smoothing 0.1.
_base_ = [
    'mmpretrain::_base_/models/resnet18.py',
    './_base_/b2_8xb96-450e_in1k.py',
]

model = dict(
    head=dict(
        type='dist_kd_mm.DropoutLinearClsHead',
        dropout_rate=0.2,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1,
                  mode='original')))
