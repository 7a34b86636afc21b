"""Two-process CPU training (gloo, loopback) through tools/dist_train.sh."""
import json
import os
import os.path as osp
import socket

import torch

from helpers import (
    REPO_ROOT,
    TEST_CONFIGS,
    VENV_BIN,
    data_root_options,
    run_command,
)

CONFIG = osp.join(TEST_CONFIGS,
                  'dist_tiny-resnet_imagefolder_rank-weights.py')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_two_processes_train_the_same_student_parameters(
        tmp_path, tiny_imagefolder, monkeypatch):
    monkeypatch.setenv('PORT', str(free_port()))
    monkeypatch.setenv('MASTER_ADDR', '127.0.0.1')
    monkeypatch.setenv('PYTHON', osp.join(VENV_BIN, 'python'))
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
    work_dir = tmp_path / 'dist'
    result = run_command([
        'bash', osp.join(REPO_ROOT, 'tools', 'dist_train.sh'), CONFIG, '2',
        '--work-dir', str(work_dir), '--cfg-options',
        *data_root_options(tiny_imagefolder)
    ], cwd=str(tmp_path))
    output = result.stdout + result.stderr
    assert 'Distributed training: True' in output
    assert 'MMDistributedDataParallel' in output

    ranks = [torch.load(work_dir / f'student_rank{r}.pth') for r in (0, 1)]
    assert ranks[0].keys() == ranks[1].keys() and len(ranks[0]) > 0
    for key in ranks[0]:
        torch.testing.assert_close(ranks[0][key], ranks[1][key], rtol=0,
                                   atol=0, msg=key)

    records = [
        json.loads(line) for log in work_dir.glob('*/vis_data/scalars.json')
        for line in log.read_text().splitlines()
    ]
    train = [r for r in records if 'distill.loss_dist' in r]
    assert [r['iter'] for r in train] == [1, 2, 3, 4]
    assert all(0 < r['distill.loss_dist'] < 8 for r in train)
    assert os.path.exists(work_dir / 'iter_4.pth')
