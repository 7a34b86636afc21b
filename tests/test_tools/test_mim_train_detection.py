"""`mim train dist_kd_mm` on a COCO-layout dataset: Faster R-CNN R101 ->
R50 with the teacher on the student's RoIs, validated with mmdet's
CocoMetric (pycocotools) through dist_kd_mm's SingleTeacherDistillValLoop."""
import os.path as osp
import re

from helpers import TEST_CONFIGS, mim_train, save_untrained_teacher

CONFIG = osp.join(TEST_CONFIGS, 'dist_tiny-faster-rcnn_coco.py')
TEACHER_CFG = 'mmdet::faster_rcnn/faster-rcnn_r101_fpn_2x_coco.py'


def bias_box_head_to_person(teacher) -> None:
    """Predict boxes above mmdet's score threshold (untrained heads score
    every class near 1/81)."""
    teacher.roi_head.bbox_head.fc_cls.bias[0] = 10.0


def test_mim_train_distils_and_validates_with_coco_metric(tmp_path,
                                                          tiny_coco):
    teacher_ckpt = save_untrained_teacher(TEACHER_CFG,
                                          tmp_path / 'teacher.pth',
                                          bias_box_head_to_person)
    work_dir = tmp_path / 'run'
    ann_file = osp.join(tiny_coco, 'annotations', 'instances_val2017.json')
    output, records = mim_train(CONFIG, work_dir, teacher_ckpt, tiny_coco,
                                f'val_evaluator.ann_file={ann_file}')
    train = [r for r in records if 'distill.loss_dist' in r]
    # 4 training images with objects, 2 per batch: 2 iterations
    assert [r['iter'] for r in train] == [1, 2]
    for record in train:
        assert 0.0 < record['distill.loss_dist'] < 4.0, record
        assert record['student.loss_cls'] > 0.0, record
    val = [r for r in records if 'coco/bbox_mAP' in r]
    assert len(val) == 1
    for key in ('coco/bbox_mAP', 'teacher.coco/bbox_mAP'):
        assert -1.0 <= val[0][key] <= 1.0, (key, val[0])
    assert re.search(r'Evaluating bbox', output)
    assert (work_dir / 'epoch_1.pth').exists()
