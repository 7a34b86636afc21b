"""Every segmentation config builds and trains one iteration."""
import copy
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope
from mmseg.registry import DATASETS
from mmseg.structures import SegDataSample

from helpers.segmentation_batches import (
    SEG_CONFIGS,
    TINY_CONFIG,
    build_small,
    cityscapes_batch,
    random_segmentation_batch,
)


@pytest.mark.parametrize('path', SEG_CONFIGS,
                         ids=[osp.basename(p) for p in SEG_CONFIGS])
def test_segmentation_config_trains_one_iteration(path, tiny_cityscapes):
    cfg, model = build_small(path)
    assert 'dist_kd_mm' in cfg.custom_imports.imports
    assert dict(type='dist_kd_mm.LeanCheckpointHook') in cfg.custom_hooks
    assert cfg.train_cfg.max_iters == 40000
    assert cfg.optim_wrapper.optimizer.lr == 0.02
    assert cfg.train_dataloader.batch_size == 2
    losses = cfg.model.distiller.distill_losses
    assert (losses.loss_dist.loss_weight, losses.loss_dist_aux.loss_weight,
            losses.loss_dist.tau) == (1.0, 0.4, 1.0)
    dist_plus = osp.basename(path).startswith('dist-plus_')
    assert ('loss_feature' in losses) == dist_plus
    if dist_plus:  # DIST+ on Cityscapes: every weight 1
        feature = losses.loss_feature
        assert (feature.channel_weight, feature.spatial_weight,
                feature.loss_weight) == (1.0, 1.0, 1.0)
    teacher_before = {k: v.clone() for k, v in model.teacher.state_dict(
    ).items() if v.is_floating_point()}
    optim_wrapper = OptimWrapper(torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad], lr=0.01))
    model.train()
    log_vars = model.train_step(cityscapes_batch(tiny_cityscapes),
                                optim_wrapper)
    values = {k: float(torch.as_tensor(v).detach())
              for k, v in log_vars.items()}
    for key in ('distill.loss_dist', 'distill.loss_dist_aux',
                'student.decode.loss_ce') + (
                    ('distill.loss_feature', ) if dist_plus else ()):
        assert np.isfinite(values[key]) and values[key] > 0, (key, values)
    assert values['distill.loss_dist_aux'] < values['distill.loss_dist']
    for key, value in model.teacher.state_dict().items():
        if key in teacher_before:
            assert torch.equal(value, teacher_before[key]), key


def test_ignore_mask_config_passes_the_student_labels(monkeypatch):
    """The recorded data samples reach DISTLoss as gt_labels."""
    from dist_kd_mm import DISTLoss
    seen = []
    original = DISTLoss.forward

    def spy(self, logits_S, logits_T, gt_labels=None):
        seen.append(gt_labels)
        return original(self, logits_S, logits_T, gt_labels)

    monkeypatch.setattr(DISTLoss, 'forward', spy)
    path = [p for p in SEG_CONFIGS if p.endswith('_ignore-mask.py')][0]
    _, model = build_small(path)
    batch = random_segmentation_batch()
    optim_wrapper = OptimWrapper(torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad], lr=0.01))
    model.train()
    model.train_step(batch, optim_wrapper)
    assert len(seen) == 2  # main and auxiliary head
    for labels in seen:
        assert len(labels) == 2
        assert all(isinstance(s, SegDataSample) for s in labels)
        assert (labels[0].gt_sem_seg.data == 255).any()


def test_cityscapes_dataset_reads_the_fixture(tiny_cityscapes):
    cfg = Config.fromfile(TINY_CONFIG)
    dataset_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    dataset_cfg.data_root = tiny_cityscapes
    with DefaultScope.overwrite_default_scope('mmseg'):
        dataset = DATASETS.build(dataset_cfg)
    assert type(dataset).__name__ == 'CityscapesDataset'
    assert len(dataset) == 4
    sample = dataset[0]
    assert sample['inputs'].shape == (3, 64, 128)
    labels = sample['data_samples'].gt_sem_seg.data
    assert labels.shape == (1, 64, 128)
    values = set(labels.unique().tolist())
    assert values <= set(range(19)) | {255}
