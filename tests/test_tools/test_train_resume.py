"""A real SingleTeacherDistill run: train, validate, stop, resume.

tools/train.py runs as a subprocess, as a user would run it, on the tiny
image folder; the student weights of a stopped-and-resumed run must equal
those of an uninterrupted run.
"""
import json
import os.path as osp

import pytest
import torch

from helpers import TEST_CONFIGS, run_train

CONFIG = osp.join(TEST_CONFIGS, 'dist_tiny-resnet_imagefolder.py')
KILLED_CONFIG = osp.join(TEST_CONFIGS,
                         'dist_tiny-resnet_imagefolder_killed-after-2.py')


def train(work_dir, data_root, config=CONFIG, resume=False,
          expected_returncode=0):
    return run_train(config, work_dir, data_root, resume=resume,
                     expected_returncode=expected_returncode)


def load_student(path):
    checkpoint = torch.load(path, map_location='cpu')  # weights_only=True
    return checkpoint, {
        key: value
        for key, value in checkpoint['state_dict'].items()
        if key.startswith('architecture.')
    }


def scalars(work_dir):
    logs = sorted(work_dir.glob('*/vis_data/scalars.json'))
    records = []
    for log in logs:
        records += [json.loads(line) for line in log.read_text().splitlines()]
    return records


@pytest.fixture(scope='module')
def uninterrupted(tmp_path_factory, tiny_imagefolder):
    work_dir = tmp_path_factory.mktemp('runs') / 'uninterrupted'
    work_dir.mkdir()
    train(work_dir, tiny_imagefolder)
    return work_dir


def test_trains_with_distill_loss_and_validates(uninterrupted):
    records = scalars(uninterrupted)
    train_records = [r for r in records if 'distill.loss_dist' in r]
    assert [r['iter'] for r in train_records] == [1, 2, 3, 4]
    for record in train_records:
        assert 0.0 < record['distill.loss_dist'] < 8.0
        assert record['loss'] > record['distill.loss_dist']
    val_records = [r for r in records if 'accuracy/top1' in r]
    assert len(val_records) == 2  # val_interval=2 over 4 iterations
    for record in val_records:
        assert 0.0 <= record['accuracy/top1'] <= 100.0
        assert 0.0 <= record['teacher.accuracy/top1'] <= 100.0


def test_resume_continues_at_the_right_iteration_with_same_weights(
        uninterrupted, tiny_imagefolder):
    work_dir = uninterrupted.parent / 'stopped_and_resumed'
    work_dir.mkdir()
    train(work_dir, tiny_imagefolder, config=KILLED_CONFIG,
          expected_returncode=3)
    assert (work_dir / 'iter_2.pth').exists()
    assert not (work_dir / 'iter_4.pth').exists()
    result = train(work_dir, tiny_imagefolder, resume=True)
    log = result.stdout + result.stderr
    assert 'resumed' in log.lower() and 'iter_2.pth' in log
    assert 'Iter(train) [1/4]' not in log
    assert 'Iter(train) [3/4]' in log

    resumed_ckpt, resumed = load_student(work_dir / 'iter_4.pth')
    reference_ckpt, reference = load_student(uninterrupted / 'iter_4.pth')
    assert resumed_ckpt['meta']['iter'] == 4
    assert resumed.keys() == reference.keys() and len(resumed) > 0
    for key in reference:
        torch.testing.assert_close(resumed[key], reference[key],
                                   rtol=1e-6, atol=1e-7, msg=key)
    initial_ckpt, initial = load_student(work_dir / 'iter_2.pth')
    changed = [
        key for key in initial if initial[key].is_floating_point()
        and not torch.equal(initial[key], reference[key])
    ]
    assert changed, 'iterations 3-4 did not change the student'
