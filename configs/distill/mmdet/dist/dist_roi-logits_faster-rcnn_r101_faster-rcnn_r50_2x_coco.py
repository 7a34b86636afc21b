# DIST, COCO: Faster R-CNN R101-FPN teacher (39.8 box AP) -> Faster R-CNN
# R50-FPN student, the paper's detection recipe (2x schedule, SGD lr 0.02,
# 8 GPUs x 2 images, 1333x800; DIST on the RoI class logits with
# beta = gamma = 1, weight 1). The teacher's box head scores the student's
# sampled RoIs.
_base_ = [
    'mmdet::faster_rcnn/faster-rcnn_r50_fpn_2x_coco.py',
    '../_base_/dist_roi_logits_coco.py',
]

custom_imports = dict(imports=['dist_kd_mm'], allow_failed_imports=False)

# mmdet's published faster-rcnn_r101_fpn_2x_coco (39.8 box AP)
teacher_ckpt = 'https://download.openmmlab.com/mmdetection/v2.0/faster_rcnn/faster_rcnn_r101_fpn_2x_coco/faster_rcnn_r101_fpn_2x_coco_bbox_mAP-0.398_20200504_210455-1d2dac9c.pth'  # noqa: E501

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='dist_kd_mm.StudentRoIDistill',
    architecture=_base_.model,
    teacher=dict(
        cfg_path='mmdet::faster_rcnn/faster-rcnn_r101_fpn_2x_coco.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    student_rois=_base_.student_rois,
    distiller=_base_.distiller)

val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
