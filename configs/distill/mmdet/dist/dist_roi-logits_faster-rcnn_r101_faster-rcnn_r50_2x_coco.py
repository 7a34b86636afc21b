# DIST, COCO: Faster R-CNN R101-FPN teacher (39.8 box AP) -> Faster R-CNN
# R50-FPN student: the Cascade Mask R-CNN X101 -> Faster R-CNN R50 config
# (the paper's detection recipe: 2x schedule, SGD lr 0.02, 8 GPUs x 2
# images, 1333x800; DIST on the RoI class logits with beta = gamma = 1,
# weight 1) with another teacher, whose single box head scores the
# student's sampled RoIs.
_base_ = './dist_roi-logits_cascade-mask-rcnn_x101-64x4d_faster-rcnn_r50_2x_coco.py'  # noqa: E501

# mmdet's published faster-rcnn_r101_fpn_2x_coco (39.8 box AP)
teacher_ckpt = 'https://download.openmmlab.com/mmdetection/v2.0/faster_rcnn/faster_rcnn_r101_fpn_2x_coco/faster_rcnn_r101_fpn_2x_coco_bbox_mAP-0.398_20200504_210455-1d2dac9c.pth'  # noqa: E501

model = dict(
    teacher=dict(cfg_path='mmdet::faster_rcnn/faster-rcnn_r101_fpn_2x_coco.py'),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        teacher_recorders=dict(
            roi_logits=dict(source='roi_head.bbox_head.fc_cls'))))
