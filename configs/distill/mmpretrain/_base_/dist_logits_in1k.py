# DIST on ImageNet (B1 recipe): ./dist_logits.py and the input
# normalization that teacher and student share.
_base_ = './dist_logits.py'

distill_data_preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor',
    num_classes=1000,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)
