"""The student of a distillation run, converted and evaluated on its own."""
import os.path as osp
import re
import sys

import pytest
import torch

from helpers import (
    REPO_ROOT,
    TEST_CONFIGS,
    data_root_options,
    load_tool,
    run_command,
    run_train,
)

student_checkpoint = load_tool(
    'model_converters/convert_kd_ckpt_to_student.py').student_checkpoint

DISTILL_CONFIG = osp.join(TEST_CONFIGS, 'dist_tiny-resnet_imagefolder.py')
STUDENT_CONFIG = osp.join(TEST_CONFIGS, 'tiny-resnet18_imagefolder.py')
TOOLS = osp.join(REPO_ROOT, 'tools')


def test_converted_student_evaluates_like_the_distilled_student(
        tmp_path, tiny_imagefolder):
    work_dir = tmp_path / 'distill'
    run_train(DISTILL_CONFIG, work_dir, tiny_imagefolder,
              'train_cfg.max_iters=2')
    distill_ckpt = work_dir / 'iter_2.pth'
    out = tmp_path / 'student.pth'
    result = run_command([
        sys.executable,
        osp.join(TOOLS, 'model_converters', 'convert_kd_ckpt_to_student.py'),
        str(distill_ckpt), '--out', str(out)
    ], cwd=str(tmp_path))
    assert 'student tensors' in result.stdout

    original = torch.load(distill_ckpt, map_location='cpu')['state_dict']
    converted = torch.load(out, map_location='cpu')
    assert set(converted) == {'meta', 'state_dict'}
    assert converted['meta']['iter'] == 2
    assert not any(k.startswith('teacher.') for k in converted['state_dict'])
    for key, value in converted['state_dict'].items():
        assert torch.equal(value, original['architecture.' + key]), key

    test_data = data_root_options(tiny_imagefolder, ('test_dataloader', ))
    # the distilled student evaluated by the distillation config ...
    distill_test = run_command([
        sys.executable, osp.join(TOOLS, 'test.py'), DISTILL_CONFIG,
        str(distill_ckpt), '--work-dir', str(tmp_path / 'test_distill'),
        '--cfg-options', *test_data
    ], cwd=str(tmp_path))
    # ... and the converted checkpoint in the plain student config
    plain_test = run_command([
        sys.executable, osp.join(TOOLS, 'test.py'), STUDENT_CONFIG,
        str(out), '--work-dir', str(tmp_path / 'test_plain'),
        '--cfg-options', *test_data
    ], cwd=str(tmp_path))

    def accuracy(result):
        output = result.stdout + result.stderr
        match = re.search(r'Iter\(test\).*accuracy/top1: ([\d.]+)', output)
        assert match, output[-3000:]
        return float(match.group(1))

    assert accuracy(plain_test) == pytest.approx(accuracy(distill_test))
    plain_log = plain_test.stdout + plain_test.stderr
    assert 'Load checkpoint from' in plain_log
    assert 'missing keys' not in plain_log.lower()
    assert 'unexpected key' not in plain_log.lower()


def test_a_plain_checkpoint_is_refused_with_a_clear_error():
    with pytest.raises(KeyError, match='is it a distillation checkpoint'):
        student_checkpoint({'state_dict': {'backbone.conv1.weight': 1}})
    with pytest.raises(KeyError, match='no "state_dict" key'):
        student_checkpoint({'weights': {}})
