"""`mim train dist_kd_mm` on a COCO-layout dataset: Faster R-CNN R101 ->
R50 with the teacher on the student's RoIs, validated with mmdet's
CocoMetric (pycocotools) through mmrazor's SingleTeacherDistillValLoop."""
import json
import os.path as osp
import re

import torch
from conftest import TEST_CONFIGS, VENV_BIN, data_root_options, run_command
from mmengine.hub import get_model

CONFIG = osp.join(TEST_CONFIGS, 'dist_tiny-faster-rcnn_coco.py')
TEACHER_CFG = 'mmdet::faster_rcnn/faster-rcnn_r101_fpn_2x_coco.py'


def test_mim_train_distils_and_validates_with_coco_metric(tmp_path,
                                                          tiny_coco):
    # A local teacher checkpoint stands in for the published URL; its box
    # head is biased to 'person' so that it predicts boxes above mmdet's
    # score threshold.
    teacher = get_model(TEACHER_CFG, pretrained=False)
    with torch.no_grad():
        teacher.roi_head.bbox_head.fc_cls.bias[0] = 10.0
    teacher_ckpt = tmp_path / 'teacher.pth'
    torch.save({'state_dict': teacher.state_dict()}, teacher_ckpt)
    del teacher

    work_dir = tmp_path / 'run'
    ann_file = osp.join(tiny_coco, 'annotations', 'instances_val2017.json')
    result = run_command([
        osp.join(VENV_BIN, 'mim'), 'train', 'dist_kd_mm', CONFIG,
        '--work-dir', str(work_dir), '--cfg-options',
        f'model.teacher_ckpt={teacher_ckpt}',
        f'val_evaluator.ann_file={ann_file}',
        *data_root_options(tiny_coco)
    ], cwd=str(tmp_path), timeout=900)
    output = result.stdout + result.stderr
    assert str(teacher_ckpt) in output  # the teacher was loaded

    records = [
        json.loads(line) for log in work_dir.glob('*/vis_data/scalars.json')
        for line in log.read_text().splitlines()
    ]
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
