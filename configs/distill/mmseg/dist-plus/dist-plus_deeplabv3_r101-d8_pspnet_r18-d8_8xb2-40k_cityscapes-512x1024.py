# DIST+, Cityscapes: DeepLabV3-R101-D8 teacher -> PSPNet-R18-D8 student, the
# DIST config plus the feature relations of ../_base_/dist_plus_cityscapes.py.
_base_ = [
    '../dist/dist_logits_deeplabv3_r101-d8_pspnet_r18-d8_8xb2-40k_cityscapes-512x1024.py',  # noqa: E501
    '../_base_/dist_plus_cityscapes.py',
]

model = dict(distiller=_base_.dist_plus_distiller)
