"""`mim train dist_kd_mm` and `mim test dist_kd_mm` with the real mim CLI."""
import json
import os.path as osp
import re

from helpers import (
    REPO_ROOT,
    TEST_CONFIGS,
    VENV_BIN,
    data_root_options,
    run_command,
)

CONFIG = osp.join(TEST_CONFIGS, 'dist_tiny-resnet_imagefolder.py')
MIM = osp.join(VENV_BIN, 'mim')


def test_mim_finds_the_packaged_tools():
    tools = osp.join(REPO_ROOT, 'dist_kd_mm', '.mim', 'tools')
    assert osp.isfile(osp.join(tools, 'train.py'))
    assert osp.isfile(osp.join(tools, 'test.py'))


def test_mim_train_then_mim_test(tmp_path, tiny_imagefolder):
    work_dir = tmp_path / 'mim_run'
    data = data_root_options(tiny_imagefolder)
    result = run_command([
        MIM, 'train', 'dist_kd_mm', CONFIG, '--work-dir', str(work_dir),
        '--cfg-options', *data, 'train_cfg.max_iters=2'
    ], cwd=str(tmp_path))
    assert re.search(r'Training command is .*\.mim/tools/train\.py',
                     result.stdout)
    checkpoint = work_dir / 'iter_2.pth'
    assert checkpoint.exists()
    logged = [
        json.loads(line) for log in work_dir.glob('*/vis_data/scalars.json')
        for line in log.read_text().splitlines()
    ]
    assert any('distill.loss_dist' in record for record in logged)

    test_cfg = data_root_options(tiny_imagefolder, ('test_dataloader', ))
    result = run_command([
        MIM, 'test', 'dist_kd_mm', CONFIG, '--checkpoint', str(checkpoint),
        '--work-dir', str(tmp_path / 'mim_test'), '--cfg-options',
        *test_cfg
    ], cwd=str(tmp_path))
    output = result.stdout + result.stderr
    assert re.search(r'Testing command is .*\.mim/tools/test\.py', output)
    match = re.search(r'Iter\(test\).*accuracy/top1: ([\d.]+)', output)
    assert match, output[-3000:]
    assert 0.0 <= float(match.group(1)) <= 100.0
