# ResNet-18 trained alone with the DIST paper's strong recipe (B2,
# ./_base_/b2_8xb96-450e_in1k.py): the plain baseline (73.4 in the paper)
# and the student of the B2 distillation configs. mmpretrain's ResNet-18
# with label smoothing 0.1 and no dropout: the authors' students are
# torchvision's and timm's models, built without the recipe's `drop: 0.2`;
# only torchvision's MobileNet V2 has its own dropout 0.2.
_base_ = [
    'mmpretrain::_base_/models/resnet18.py',
    './_base_/b2_8xb96-450e_in1k.py',
]

model = dict(
    head=dict(
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1,
                  mode='original')))
