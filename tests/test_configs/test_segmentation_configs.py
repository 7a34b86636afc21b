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


PAPER_PIPELINE = [p for p in SEG_CONFIGS if p.endswith('_paper-pipeline.py')]
# CIRKD's Cityscapes loader: BGR images minus this mean, no std
CIRKD_BGR_MEAN = np.array([104.00698793, 116.66876762, 122.67891434])


def test_paper_pipeline_augments_as_the_authors_code(tmp_path):
    """The `_paper-pipeline` variant read through CityscapesDataset: 16
    scales r / 10 (r = 5..20) of a 2048x1024 image, a 512x1024 crop, no
    photometric distortion and no cat_max_ratio."""
    from mmengine.registry import init_default_scope

    from helpers.datasets import write_cityscapes_pair
    assert len(PAPER_PIPELINE) == 1
    cfg = Config.fromfile(PAPER_PIPELINE[0])
    pipeline = cfg.train_dataloader.dataset.pipeline
    assert [t.type for t in pipeline] == [
        'LoadImageFromFile', 'LoadAnnotations', 'RandomChoiceResize',
        'RandomCrop', 'RandomFlip', 'PackSegInputs']
    assert 'cat_max_ratio' not in pipeline[3]
    write_cityscapes_pair(str(tmp_path), 'train', 'aachen', 0,
                          np.random.default_rng(0), size=(1024, 2048))
    dataset_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    dataset_cfg.data_root = str(tmp_path)
    init_default_scope('mmseg')
    dataset = DATASETS.build(dataset_cfg)
    factors = set()
    for seed in range(24):
        np.random.seed(seed)
        sample = dataset[0]
        assert sample['inputs'].shape == (3, 512, 1024)
        assert sample['data_samples'].gt_sem_seg.data.shape == (1, 512, 1024)
        # the resize's (width, height) factors, of sizes rounded to pixels
        w_factor, h_factor = sample['data_samples'].scale_factor
        assert w_factor == pytest.approx(h_factor, abs=1e-3)
        factors.add(round(h_factor, 2))
    assert factors <= {r / 10 for r in range(5, 21)}
    assert len(factors) >= 6  # the scales vary


def test_paper_pipeline_normalises_as_the_authors_code():
    """The student sees BGR minus CIRKD's BGR mean; the teacher, through
    teacher_input, its own mmseg normalisation (RGB, mean and std)."""
    from mmengine.hub import get_config
    from mmseg.registry import MODELS

    from dist_kd_mm.models.algorithms.teacher_input import (
        resolve_teacher_input,
    )
    cfg = Config.fromfile(PAPER_PIPELINE[0])
    bgr = torch.randint(0, 256, (3, 512, 1024), dtype=torch.uint8)
    with DefaultScope.overwrite_default_scope('mmseg'):
        preprocessor = MODELS.build(cfg.model.data_preprocessor)
    sample = SegDataSample()
    sample.set_metainfo(dict(img_shape=(512, 1024), ori_shape=(512, 1024)))
    student = preprocessor(dict(inputs=[bgr], data_samples=[sample]),
                           training=False)['inputs']
    expected = bgr.double() - torch.from_numpy(CIRKD_BGR_MEAN).view(3, 1, 1)
    torch.testing.assert_close(student[0].double(), expected, rtol=0,
                               atol=1e-4)

    converter, _, _ = resolve_teacher_input(
        cfg.model.teacher, cfg.model.data_preprocessor,
        cfg.model.teacher_input)
    teacher_pre = get_config(cfg.model.teacher.cfg_path).data_preprocessor
    assert teacher_pre.bgr_to_rgb
    rgb = bgr.flip(0).double()
    mean = torch.tensor(teacher_pre.mean).view(3, 1, 1)
    std = torch.tensor(teacher_pre.std).view(3, 1, 1)
    torch.testing.assert_close(converter(student)[0].double(),
                               (rgb - mean) / std, rtol=0, atol=1e-4)
