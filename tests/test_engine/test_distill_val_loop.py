"""dist_kd_mm.SingleTeacherDistillValLoop calls each epoch hook once per
validation (mmrazor's calls before_val_epoch twice), so an EMA run keeps
training its own weights after validating the averaged ones."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from helpers import TEST_CONFIGS

CONFIG = osp.join(TEST_CONFIGS, 'dist_tiny-resnet_imagefolder.py')


class CallCounter(Hook):

    def __init__(self):
        self.calls = []

    def before_val_epoch(self, runner):
        self.calls.append('before')

    def after_val_epoch(self, runner, metrics=None):
        self.calls.append('after')
        self.metrics = metrics


@pytest.mark.parametrize('loop,calls', [
    ('dist_kd_mm.SingleTeacherDistillValLoop', ['before', 'after']),
    ('mmrazor.SingleTeacherDistillValLoop', ['before', 'before', 'after']),
])
def test_epoch_hooks_are_paired(tmp_path, tiny_imagefolder, loop, calls):
    cfg = Config.fromfile(CONFIG)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = tiny_imagefolder
    cfg.val_cfg = dict(type=loop)
    cfg.work_dir = str(tmp_path)
    runner = Runner.from_cfg(cfg)
    counter = CallCounter()
    runner.register_hook(counter)
    runner.val()
    assert counter.calls == calls
    assert {'accuracy/top1', 'teacher.accuracy/top1'} <= set(counter.metrics)


def test_ema_validation_leaves_the_trained_weights(tmp_path,
                                                   tiny_imagefolder):
    cfg = Config.fromfile(CONFIG)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = tiny_imagefolder
    cfg.custom_hooks = [dict(type='EMAHook', momentum=0.1)]
    cfg.train_cfg.max_iters = 2
    cfg.train_cfg.val_interval = 10
    cfg.work_dir = str(tmp_path)
    runner = Runner.from_cfg(cfg)
    runner.train()
    student = runner.model.architecture
    before = {k: v.clone() for k, v in student.state_dict().items()}
    runner.val_loop.run()
    for key, value in student.state_dict().items():
        assert torch.equal(value, before[key]), key
