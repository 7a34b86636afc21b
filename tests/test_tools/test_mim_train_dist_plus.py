"""`mim train dist_kd_mm` of the shipped DIST+ ResNet-34 -> ResNet-18 config
(feature relations and teacher acclimation) on an ImageNet-layout dataset,
validated with mmpretrain's Accuracy through SingleTeacherDistillValLoop."""
import os.path as osp

import torch

from helpers import (
    ONE_SMALL_EPOCH,
    REPO_ROOT,
    mim_train,
    save_untrained_teacher,
)

CONFIG = osp.join(REPO_ROOT, 'configs', 'distill', 'mmpretrain', 'dist-plus',
                  'dist-plus_resnet34_resnet18_8xb32_in1k.py')
TEACHER_CFG = 'mmpretrain::resnet/resnet34_8xb32_in1k.py'
SMALL = ONE_SMALL_EPOCH


def test_mim_train_dist_plus_acclimates_and_validates(tmp_path,
                                                      tiny_imagenet):
    teacher_ckpt = save_untrained_teacher(TEACHER_CFG,
                                          tmp_path / 'teacher.pth')
    work_dir = tmp_path / 'run'
    output, records = mim_train(CONFIG, work_dir, teacher_ckpt,
                                tiny_imagenet, *SMALL)
    assert 'teacher_acclimation: training teacher.backbone.layer4, ' \
           'teacher.head' in output
    train = [r for r in records if 'teacher.loss_ta' in r]
    assert len(train) == 3  # 12 images, 4 per batch, one epoch
    for record in train:
        assert 0.0 < record['teacher.loss_ta'] <= 2.0, record
        assert 0.0 < record['distill.loss_feature'] <= 4.0, record
        assert 0.0 < record['distill.loss_dist'] <= 8.0, record
    val = [r for r in records if 'accuracy/top1' in r]
    assert len(val) == 1
    assert 0.0 <= val[0]['teacher.accuracy/top1'] <= 100.0

    # lean checkpoint: the acclimated parts, not the frozen rest
    state = torch.load(work_dir / 'epoch_1.pth', map_location='cpu')
    teacher_keys = [k for k in state['state_dict'] if k.startswith('teacher.')]
    assert any(k.startswith('teacher.backbone.layer4.') for k in teacher_keys)
    assert any(k.startswith('teacher.head.') for k in teacher_keys)
    assert all(k.startswith(('teacher.backbone.layer4.', 'teacher.head.'))
               for k in teacher_keys)
    initial = torch.load(teacher_ckpt, map_location='cpu')['state_dict']
    key = 'teacher.head.fc.weight'
    assert not torch.equal(state['state_dict'][key],
                           initial[key[len('teacher.'):]])
