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
WITH_DIAGNOSTICS = osp.join(
    TEST_CONFIGS, 'dist_tiny-resnet_imagefolder_rank-weights_diagnostics.py')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def dist_train(config, work_dir, data_root, monkeypatch):
    """tools/dist_train.sh with 2 CPU processes; returns its output."""
    monkeypatch.setenv('PORT', str(free_port()))
    monkeypatch.setenv('MASTER_ADDR', '127.0.0.1')
    monkeypatch.setenv('PYTHON', osp.join(VENV_BIN, 'python'))
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
    result = run_command([
        'bash', osp.join(REPO_ROOT, 'tools', 'dist_train.sh'), config, '2',
        '--work-dir', str(work_dir), '--cfg-options',
        *data_root_options(data_root)
    ], cwd=str(work_dir.parent))
    return result.stdout + result.stderr


def rank_weights(work_dir):
    return [torch.load(work_dir / f'student_rank{r}.pth') for r in (0, 1)]


def train_records(work_dir):
    records = [
        json.loads(line) for log in work_dir.glob('*/vis_data/scalars.json')
        for line in log.read_text().splitlines()
    ]
    return [r for r in records if 'distill.loss_dist' in r]


def test_two_processes_train_the_same_student_parameters(
        tmp_path, tiny_imagefolder, monkeypatch):
    work_dir = tmp_path / 'dist'
    output = dist_train(CONFIG, work_dir, tiny_imagefolder, monkeypatch)
    assert 'Distributed training: True' in output
    assert 'MMDistributedDataParallel' in output

    ranks = rank_weights(work_dir)
    assert ranks[0].keys() == ranks[1].keys() and len(ranks[0]) > 0
    for key in ranks[0]:
        torch.testing.assert_close(ranks[0][key], ranks[1][key], rtol=0,
                                   atol=0, msg=key)

    train = train_records(work_dir)
    assert [r['iter'] for r in train] == [1, 2, 3, 4]
    assert all(0 < r['distill.loss_dist'] < 8 for r in train)
    assert os.path.exists(work_dir / 'iter_4.pth')


def test_the_diagnostics_hook_measures_each_rank_and_changes_nothing(
        tmp_path, tiny_imagefolder, monkeypatch):
    """DistillDiagnosticsHook under DDP: process 0's series are logged at
    every iteration, and both processes train the weights of the run
    without the hook."""
    runs = {}
    for name, config in (('off', CONFIG), ('on', WITH_DIAGNOSTICS)):
        runs[name] = tmp_path / name
        dist_train(config, runs[name], tiny_imagefolder, monkeypatch)
    train = train_records(runs['on'])
    assert [r['iter'] for r in train] == [1, 2, 3, 4]
    for record in train:
        assert 0 <= record['diag/dist.agreement'] <= 1
        assert record['diag/grad.fc.distill'] > 0
        assert record['diag/grad.fc.task'] > 0
    for off, on in zip(rank_weights(runs['off']), rank_weights(runs['on'])):
        for key in off:
            assert torch.equal(off[key], on[key]), key
