# DIST, COCO, the DIST paper's setting: RetinaNet X101-64x4d-FPN teacher
# (41.0 box AP, mmdet's 1x checkpoint) -> RetinaNet R50-FPN student, 2x
# schedule (24 epochs, steps at 16 and 22), SGD lr 0.01 momentum 0.9 weight
# decay 1e-4, 8 GPUs x 2 images, 1333x800 (mmdet's retinanet_r50_fpn_2x_coco).
# DIST with sigmoid on retina_cls, one loss per FPN level, weight 1.
_base_ = [
    'mmdet::retinanet/retinanet_r50_fpn_2x_coco.py',
    '../_base_/dist_cls_logits_retinanet_coco.py',
]

custom_imports = dict(imports=['dist_kd_mm'], allow_failed_imports=False)

# mmdet's published retinanet_x101-64x4d_fpn_1x_coco (41.0 box AP, the
# teacher AP the paper reports)
teacher_ckpt = 'https://download.openmmlab.com/mmdetection/v2.0/retinanet/retinanet_x101_64x4d_fpn_1x_coco/retinanet_x101_64x4d_fpn_1x_coco_20200130-366f5af1.pth'  # noqa: E501

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='dist_kd_mm.SingleTeacherDistill',
    architecture=_base_.model,
    teacher=dict(
        cfg_path='mmdet::retinanet/retinanet_x101-64x4d_fpn_1x_coco.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=_base_.distiller)

val_cfg = dict(_delete_=True, type='dist_kd_mm.SingleTeacherDistillValLoop')
