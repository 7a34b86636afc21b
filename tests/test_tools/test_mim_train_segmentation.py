"""`mim train dist_kd_mm` on a Cityscapes-layout dataset, validated with
mmseg's IoUMetric through dist_kd_mm's SingleTeacherDistillValLoop."""
import os.path as osp
import re

from helpers import TEST_CONFIGS, mim_train, save_untrained_teacher

CONFIG = osp.join(TEST_CONFIGS, 'dist_tiny-deeplabv3-r18_cityscapes.py')
TEACHER_CFG = 'mmseg::deeplabv3/deeplabv3_r101-d8_4xb2-80k_cityscapes-512x1024.py'  # noqa: E501


def test_mim_train_distils_and_validates_with_iou(tmp_path, tiny_cityscapes):
    teacher_ckpt = save_untrained_teacher(TEACHER_CFG,
                                          tmp_path / 'teacher.pth')
    work_dir = tmp_path / 'run'
    output, records = mim_train(CONFIG, work_dir, teacher_ckpt,
                                tiny_cityscapes)
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
