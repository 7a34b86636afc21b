"""Checkpoints without the teacher: smaller, and resume still exact."""
import os.path as osp

import pytest
import torch

from helpers import TEST_CONFIGS, run_train, save_tiny_teacher

DEFAULT = osp.join(TEST_CONFIGS, 'dist_tiny-resnet_imagefolder.py')
LEAN = osp.join(TEST_CONFIGS, 'dist_tiny-resnet_imagefolder_lean.py')
LEAN_KILLED = osp.join(TEST_CONFIGS,
                       'dist_tiny-resnet_imagefolder_lean_killed-after-2.py')


@pytest.fixture(scope='module')
def teacher_ckpt(tmp_path_factory):
    """A checkpoint of the tiny ResNet-34 teacher (random weights)."""
    path = tmp_path_factory.mktemp('teacher') / 'teacher.pth'
    save_tiny_teacher(path)
    return path


def train(config, work_dir, data_root, teacher, resume=False,
          expected_returncode=0):
    return run_train(config, work_dir, data_root,
                     f'model.teacher_ckpt={teacher}', resume=resume,
                     expected_returncode=expected_returncode)


def state(path):
    return torch.load(path, map_location='cpu')


def test_lean_checkpoints_are_smaller_and_resume_exactly(
        tmp_path, tiny_imagefolder, teacher_ckpt):
    runs = {name: tmp_path / name for name in ('default', 'lean', 'resumed')}
    for work_dir in runs.values():
        work_dir.mkdir()
    train(DEFAULT, runs['default'], tiny_imagefolder, teacher_ckpt)
    train(LEAN, runs['lean'], tiny_imagefolder, teacher_ckpt)
    train(LEAN_KILLED, runs['resumed'], tiny_imagefolder, teacher_ckpt,
          expected_returncode=3)
    result = train(LEAN, runs['resumed'], tiny_imagefolder, teacher_ckpt,
                   resume=True)
    assert 'Iter(train) [3/4]' in result.stdout + result.stderr

    default = state(runs['default'] / 'iter_4.pth')
    lean = state(runs['lean'] / 'iter_4.pth')
    assert any(k.startswith('teacher.') for k in default['state_dict'])
    assert not any(k.startswith('teacher.') for k in lean['state_dict'])
    assert lean['meta']['teacher_in_checkpoint'] is False
    assert 'optimizer' in lean and 'message_hub' in lean
    default_size = (runs['default'] / 'iter_4.pth').stat().st_size
    lean_size = (runs['lean'] / 'iter_4.pth').stat().st_size
    assert lean_size <= 0.6 * default_size, (lean_size, default_size)

    resumed = state(runs['resumed'] / 'iter_4.pth')
    assert resumed['meta']['iter'] == 4
    assert resumed['state_dict'].keys() == lean['state_dict'].keys()
    for key, value in lean['state_dict'].items():
        torch.testing.assert_close(resumed['state_dict'][key], value,
                                   rtol=1e-6, atol=1e-7, msg=key)
    # the lean and the default run trained the same student
    for key, value in lean['state_dict'].items():
        torch.testing.assert_close(default['state_dict'][key], value,
                                   rtol=1e-6, atol=1e-7, msg=key)


def test_teacher_is_kept_without_a_teacher_checkpoint(tmp_path,
                                                      tiny_imagefolder):
    work_dir = tmp_path / 'no_teacher_ckpt'
    work_dir.mkdir()
    result = run_train(LEAN, work_dir, tiny_imagefolder,
                       'train_cfg.max_iters=2')
    assert 'checkpoints keep the teacher' in result.stdout + result.stderr
    checkpoint = state(work_dir / 'iter_2.pth')
    assert any(k.startswith('teacher.') for k in checkpoint['state_dict'])


def another_teacher(path):
    """A teacher checkpoint of the same architecture, other weights."""
    checkpoint = state(path)
    changed = {k: v + 1 if v.is_floating_point() else v
               for k, v in checkpoint['state_dict'].items()}
    return {'state_dict': changed}


def test_lean_resume_refuses_another_or_no_teacher(tmp_path,
                                                   tiny_imagefolder,
                                                   teacher_ckpt):
    teacher = tmp_path / 'teacher.pth'
    teacher.write_bytes(teacher_ckpt.read_bytes())
    work_dir = tmp_path / 'run'
    work_dir.mkdir()
    train(LEAN_KILLED, work_dir, tiny_imagefolder, teacher,
          expected_returncode=3)
    meta = state(work_dir / 'iter_2.pth')['meta']
    assert meta['teacher_in_checkpoint'] is False and meta['teacher_digest']

    torch.save(another_teacher(teacher), teacher)  # the file was replaced
    result = train(LEAN, work_dir, tiny_imagefolder, teacher, resume=True,
                   expected_returncode=1)
    assert 'is not the one this checkpoint was trained with' in result.stderr
    assert 'Iter(train) [3/4]' not in result.stdout + result.stderr

    teacher.write_bytes(teacher_ckpt.read_bytes())
    result = train(LEAN, work_dir, tiny_imagefolder, 'None', resume=True,
                   expected_returncode=1)
    assert 'saved without its teacher' in result.stderr
    assert str(teacher) in result.stderr  # the file to set
    assert 'Iter(train) [3/4]' not in result.stdout + result.stderr

    # the right teacher again: resumes
    result = train(LEAN, work_dir, tiny_imagefolder, teacher, resume=True)
    assert 'Iter(train) [3/4]' in result.stdout + result.stderr


def test_a_truncated_latest_checkpoint_resumes_from_the_previous_one(
        tmp_path, tiny_imagefolder, teacher_ckpt):
    work_dir = tmp_path / 'run'
    work_dir.mkdir()
    train(LEAN, work_dir, tiny_imagefolder, teacher_ckpt)
    uninterrupted = state(work_dir / 'iter_4.pth')
    latest = work_dir / 'iter_4.pth'
    data = latest.read_bytes()
    latest.write_bytes(data[:len(data) // 2])  # cut short during the write
    result = train(LEAN, work_dir, tiny_imagefolder, teacher_ckpt,
                   resume=True)
    output = result.stdout + result.stderr
    assert f'the latest checkpoint {latest} cannot be read' in output
    assert f'resuming from {work_dir / "iter_2.pth"}' in output
    assert 'Iter(train) [3/4]' in output
    resumed = state(latest)
    assert resumed['meta']['iter'] == 4
    for key, value in uninterrupted['state_dict'].items():
        assert torch.equal(resumed['state_dict'][key], value), key


LEAN_EMA = osp.join(TEST_CONFIGS, 'dist_tiny-resnet_imagefolder_lean_ema.py')
LEAN_EMA_KILLED = osp.join(
    TEST_CONFIGS, 'dist_tiny-resnet_imagefolder_lean_ema_killed-after-2.py')


def test_lean_checkpoints_with_ema_leave_out_its_teacher_and_resume(
        tmp_path, tiny_imagefolder, teacher_ckpt):
    """mmengine's EMAHook copies the whole model, teacher included; a lean
    checkpoint leaves the teacher out of that copy as well, and resuming
    swaps the EMA weights back without the teacher's keys."""
    runs = {name: tmp_path / name for name in ('whole', 'resumed')}
    for work_dir in runs.values():
        work_dir.mkdir()
    train(LEAN_EMA, runs['whole'], tiny_imagefolder, teacher_ckpt)
    train(LEAN_EMA_KILLED, runs['resumed'], tiny_imagefolder, teacher_ckpt,
          expected_returncode=3)
    train(LEAN_EMA, runs['resumed'], tiny_imagefolder, teacher_ckpt,
          resume=True)
    whole = state(runs['whole'] / 'iter_4.pth')
    resumed = state(runs['resumed'] / 'iter_4.pth')
    for checkpoint in (whole, resumed):
        ema = checkpoint['ema_state_dict']
        assert not any(k.startswith('module.teacher.') for k in ema)
        assert any(k.startswith('module.architecture.') for k in ema)
    for field in ('state_dict', 'ema_state_dict'):
        assert resumed[field].keys() == whole[field].keys()
        for key, value in whole[field].items():
            torch.testing.assert_close(resumed[field][key], value, rtol=1e-6,
                                       atol=1e-7, msg=key)
