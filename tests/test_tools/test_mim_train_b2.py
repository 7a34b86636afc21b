"""`mim train dist_kd_mm` of the shipped strong-recipe (B2) config, RSB
ResNet-50 -> ResNet-18, on an ImageNet-layout dataset: the recipe's real
pipeline (RandAugment, random erasing), RMSpropTF, the per-epoch warm-up,
label smoothing and EMA, with a lean checkpoint."""
import os.path as osp

import torch

from dist_kd_mm.engine import RMSpropTF
from helpers import (
    ONE_SMALL_EPOCH,
    REPO_ROOT,
    mim_train,
    save_untrained_teacher,
)

CONFIG = osp.join(REPO_ROOT, 'configs', 'distill', 'mmpretrain', 'dist',
                  'dist_logits_resnet50-rsb_resnet18_8xb96-b2-450e_in1k.py')
TEACHER_CFG = 'mmpretrain::resnet/resnet50_8xb256-rsb-a1-600e_in1k.py'
SMALL = ONE_SMALL_EPOCH + ['default_hooks.checkpoint.interval=1']


def test_mim_train_b2_recipe(tmp_path, tiny_imagenet):
    teacher_ckpt = save_untrained_teacher(TEACHER_CFG,
                                          tmp_path / 'teacher.pth')
    work_dir = tmp_path / 'run'
    output, records = mim_train(CONFIG, work_dir, teacher_ckpt,
                                tiny_imagenet, *SMALL)
    assert 'RMSpropTF' in output
    train = [r for r in records if 'distill.loss_dist' in r]
    assert len(train) == 3  # 12 images, 4 per batch, one epoch
    # the first of 3 warm-up epochs, stepped per epoch as the authors' is:
    # 1e-6 at every iteration
    assert [r['lr'] for r in train] == [1e-6] * 3
    for record in train:
        assert 0.0 <= record['distill.loss_dist'] <= 8.0, record
    val = [r for r in records if 'accuracy/top1' in r]
    assert len(val) == 1 and 'teacher.accuracy/top1' in val[0]

    state = torch.load(work_dir / 'epoch_1.pth', map_location='cpu')
    assert not any(k.startswith('teacher.') for k in state['state_dict'])
    ema = state['ema_state_dict']
    assert any(k.startswith('module.architecture.head.fc') for k in ema)
    assert not any(k.startswith('module.teacher.') for k in ema)
    optimizer_state = state['optimizer']['state']
    assert all('square_avg' in s for s in optimizer_state.values())
    assert RMSpropTF.__name__ in output
