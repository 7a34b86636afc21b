"""A DIST+ run with teacher acclimation and lean checkpoints: the trained
teacher parts are checkpointed, and a resumed run ends bit-identical to an
uninterrupted one."""
import json
import os.path as osp

import torch

from helpers import TEST_CONFIGS, run_stopped_and_resumed, save_tiny_teacher

CONFIG = 'dist-plus_tiny-resnet_imagefolder.py'
LEAN = osp.join(TEST_CONFIGS, 'dist-plus_tiny-resnet_imagefolder_lean.py')
LEAN_KILLED = osp.join(
    TEST_CONFIGS, 'dist-plus_tiny-resnet_imagefolder_lean_killed-after-2.py')
PARTS = ('teacher.backbone.layer4.', 'teacher.head.')


def state(path):
    return torch.load(path, map_location='cpu')


def test_acclimated_parts_are_checkpointed_and_resume_exactly(
        tmp_path, tiny_imagefolder):
    teacher_ckpt = save_tiny_teacher(tmp_path / 'teacher.pth',
                                     config=CONFIG)
    uninterrupted, stopped, result = run_stopped_and_resumed(
        LEAN, LEAN_KILLED, tmp_path, tiny_imagefolder,
        f'model.teacher_ckpt={teacher_ckpt}')
    assert 'Iter(train) [3/4]' in result.stdout + result.stderr
    assert 'Iter(train) [1/4]' not in result.stdout + result.stderr

    reference = state(uninterrupted / 'iter_4.pth')
    resumed = state(stopped / 'iter_4.pth')
    teacher_keys = [k for k in reference['state_dict']
                    if k.startswith('teacher.')]
    assert teacher_keys and all(k.startswith(PARTS) for k in teacher_keys)
    assert reference['meta']['teacher_parts_in_checkpoint'] == list(PARTS)
    assert resumed['state_dict'].keys() == reference['state_dict'].keys()
    for key, value in reference['state_dict'].items():
        assert torch.equal(resumed['state_dict'][key], value), key
    for key, value in reference['optimizer']['state'].items():
        assert torch.equal(resumed['optimizer']['state'][key]
                           ['momentum_buffer'], value['momentum_buffer'])

    # the acclimated parts moved away from the teacher checkpoint
    initial = state(teacher_ckpt)['state_dict']
    moved = [k for k in teacher_keys if initial[k[len('teacher.'):]]
             .is_floating_point() and not torch.equal(
                 initial[k[len('teacher.'):]], reference['state_dict'][k])]
    assert any('layer4' in k for k in moved)
    assert any('head' in k for k in moved)

    records = [json.loads(line) for log in sorted(
        uninterrupted.glob('*/vis_data/scalars.json'))
        for line in log.read_text().splitlines()]
    acclimation = [r['teacher.loss_ta'] for r in records
                   if 'teacher.loss_ta' in r]
    assert len(acclimation) == 4 and all(0 < v <= 2 for v in acclimation)
    assert all('distill.loss_feature' in r for r in records if 'loss' in r)
