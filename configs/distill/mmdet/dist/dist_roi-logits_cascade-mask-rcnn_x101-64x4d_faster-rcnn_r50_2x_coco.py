# DIST, COCO, the DIST paper's setting: Cascade Mask R-CNN X101-64x4d-FPN
# teacher (45.6 box AP) -> Faster R-CNN R50-FPN student, 2x schedule (24
# epochs, lr steps at 16 and 22, 500-iteration linear warm-up), SGD lr 0.02
# momentum 0.9 weight decay 1e-4, 8 GPUs x 2 images, 1333x800 (mmdet's
# faster-rcnn_r50_fpn_2x_coco). DIST on the RoI class logits (81-way) with
# beta = gamma = 1, weight 1; the teacher's first cascade stage scores the
# student's 512 sampled RoIs per image (the mask head and stages 2-3 are not
# run).
_base_ = [
    'mmdet::faster_rcnn/faster-rcnn_r50_fpn_2x_coco.py',
    '../_base_/dist_roi_logits_coco.py',
]

custom_imports = dict(imports=['dist_kd_mm'], allow_failed_imports=False)

# mmdet's published cascade-mask-rcnn_x101-64x4d_fpn_20e_coco (45.6 box AP)
teacher_ckpt = 'https://download.openmmlab.com/mmdetection/v2.0/cascade_rcnn/cascade_mask_rcnn_x101_64x4d_fpn_20e_coco/cascade_mask_rcnn_x101_64x4d_fpn_20e_coco_20200512_161033-bdb5126a.pth'  # noqa: E501

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='dist_kd_mm.StudentRoIDistill',
    architecture=_base_.model,
    teacher=dict(
        cfg_path='mmdet::cascade_rcnn/cascade-mask-rcnn_x101-64x4d_fpn_20e_coco.py',  # noqa: E501
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    student_rois=_base_.student_rois,
    teacher_stage=0,
    distiller=dict(
        _base_.distiller,
        teacher_recorders=dict(
            roi_logits=dict(
                type='ModuleOutputs',
                source='roi_head.bbox_head.0.fc_cls'))))

val_cfg = dict(_delete_=True, type='dist_kd_mm.SingleTeacherDistillValLoop')
