"""`mim train dist_kd_mm` on a Cityscapes-layout dataset, validated with
mmseg's IoUMetric through mmrazor's SingleTeacherDistillValLoop."""
import json
import os.path as osp
import re

import torch
from conftest import TEST_CONFIGS, VENV_BIN, data_root_options, run_command
from mmengine.hub import get_model

CONFIG = osp.join(TEST_CONFIGS, 'dist_tiny-deeplabv3-r18_cityscapes.py')
TEACHER_CFG = 'mmseg::deeplabv3/deeplabv3_r101-d8_4xb2-80k_cityscapes-512x1024.py'  # noqa: E501


def test_mim_train_distils_and_validates_with_iou(tmp_path, tiny_cityscapes):
    # A local teacher checkpoint stands in for the published URL.
    teacher = get_model(TEACHER_CFG, pretrained=False)
    teacher_ckpt = tmp_path / 'teacher.pth'
    torch.save({'state_dict': teacher.state_dict()}, teacher_ckpt)
    del teacher

    work_dir = tmp_path / 'run'
    result = run_command([
        osp.join(VENV_BIN, 'mim'), 'train', 'dist_kd_mm', CONFIG,
        '--work-dir', str(work_dir), '--cfg-options',
        f'model.teacher_ckpt={teacher_ckpt}',
        *data_root_options(tiny_cityscapes)
    ], cwd=str(tmp_path), timeout=900)
    output = result.stdout + result.stderr
    assert str(teacher_ckpt) in output  # the teacher was loaded

    records = [
        json.loads(line) for log in work_dir.glob('*/vis_data/scalars.json')
        for line in log.read_text().splitlines()
    ]
    train = [r for r in records if 'distill.loss_dist' in r]
    assert [r['iter'] for r in train] == [1, 2]
    for record in train:
        for key in ('distill.loss_dist', 'distill.loss_dist_aux'):
            assert 0.0 < record[key] < 4.0, (key, record)
    val = [r for r in records if 'mIoU' in r]
    assert len(val) == 1
    assert 0.0 <= val[0]['mIoU'] <= 100.0
    assert 0.0 <= val[0]['teacher.mIoU'] <= 100.0
    assert re.search(r'Iter\(val\).*mIoU', output)
    assert (work_dir / 'iter_2.pth').exists()
