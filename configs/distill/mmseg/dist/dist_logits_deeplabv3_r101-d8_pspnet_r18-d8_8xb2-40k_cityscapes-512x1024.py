# DIST, Cityscapes: DeepLabV3-R101-D8 teacher -> PSPNet-R18-D8 student: the
# DeepLabV3-R18-D8 student's config with the decode head of mmseg's
# pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py (dataset, pipeline,
# schedule, backbone and auxiliary head are the same in both mmseg configs).
_base_ = './dist_logits_deeplabv3_r101-d8_deeplabv3_r18-d8_8xb2-40k_cityscapes-512x1024.py'  # noqa: E501

model = dict(
    architecture=dict(
        decode_head=dict(
            _delete_=True,
            type='PSPHead',
            in_channels=512,
            in_index=3,
            channels=128,
            pool_scales=(1, 2, 3, 6),
            dropout_ratio=0.1,
            num_classes=19,
            norm_cfg=dict(type='SyncBN', requires_grad=True),
            align_corners=False,
            loss_decode=dict(
                type='CrossEntropyLoss', use_sigmoid=False,
                loss_weight=1.0))))
