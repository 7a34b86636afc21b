"""DistillLossWarmupHook: DKD's linear ramp of the loss weight, by epoch,
in a real Runner, continued exactly on resume."""
import copy
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from helpers import TEST_CONFIGS

DKD = osp.join(TEST_CONFIGS, 'dkd_tiny-resnet_imagefolder.py')


def make_runner(work_dir, data_root, **train_cfg):
    cfg = Config.fromfile(DKD)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = data_root
    cfg.train_cfg.update(train_cfg)
    cfg.work_dir = str(work_dir)
    return Runner.from_cfg(cfg)


class WeightProbe:
    """Reads the DKD loss weight in use during each epoch."""

    def __init__(self):
        self.weights = []

    def after_train_epoch(self, runner):
        loss = runner.model.distiller.distill_losses.loss_dkd
        self.weights.append(loss.loss_weight)


def train_with_probe(runner):
    probe = WeightProbe()
    from mmengine.hooks import Hook

    class _Probe(Hook):
        after_train_epoch = staticmethod(
            lambda runner, *args: probe.after_train_epoch(runner))

    runner.register_hook(_Probe(), priority='LOWEST')
    runner.train()
    return probe.weights


def test_dkd_weight_ramps_by_epoch_and_resumes(tmp_path, tiny_imagefolder):
    full = make_runner(tmp_path / 'full', tiny_imagefolder)
    weights = train_with_probe(full)
    # loss_weight 2 times min(epoch / 4, 1), epochs counted from 1
    assert weights == pytest.approx([0.5, 1.0, 1.5, 2.0, 2.0])
    assert full.message_hub.get_scalar('train/distill.loss_dkd').current() > 0

    first = make_runner(tmp_path / 'resumed', tiny_imagefolder, max_epochs=2)
    assert train_with_probe(first) == pytest.approx([0.5, 1.0])
    resumed = make_runner(tmp_path / 'resumed', tiny_imagefolder)
    resumed._resume = True
    resumed._load_from = osp.join(str(tmp_path / 'resumed'), 'epoch_2.pth')
    assert train_with_probe(resumed) == pytest.approx([1.5, 2.0, 2.0])


def test_bad_uses_are_named(tmp_path, tiny_imagefolder):
    cfg = Config.fromfile(DKD)
    cfg.custom_hooks[0].loss_names = ['loss_kd']
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = tiny_imagefolder
    cfg.work_dir = str(tmp_path / 'wrong_name')
    with pytest.raises(KeyError, match="'loss_kd'.*\\['loss_dkd'\\]"):
        Runner.from_cfg(copy.deepcopy(cfg)).train()
    cfg.custom_hooks[0].loss_names = ['loss_dkd']
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2)
    cfg.work_dir = str(tmp_path / 'by_iter')
    with pytest.raises(TypeError, match='ramps by epoch.*IterBasedTrainLoop'):
        Runner.from_cfg(cfg).train()
    from dist_kd_mm.engine import DistillLossWarmupHook
    with pytest.raises(ValueError, match='warmup_epochs'):
        DistillLossWarmupHook(warmup_epochs=0)
    with pytest.raises(TypeError, match='loss_names'):
        DistillLossWarmupHook(loss_names='loss_dkd')
