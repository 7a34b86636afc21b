"""Every detection config builds and trains one iteration on COCO-layout
data read by mmdet's CocoDataset through the config's pipeline."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.optim import OptimWrapper

from helpers.detection_batches import DET_CONFIGS, build_distiller, coco_batch

PAPER_SETTINGS = {  # config name prefix: the paper's learning rate
    'dist_roi-logits_': 0.02,
    'dist_cls-logits_': 0.01,
    'dist-plus_roi-logits_': 0.02,
    'dist-plus_cls-logits_': 0.01,
}


def expected_distill_keys(cfg) -> set:
    return {f'distill.{name}' for name in cfg.model.distiller.distill_losses}


@pytest.mark.parametrize('path', DET_CONFIGS,
                         ids=[osp.basename(p) for p in DET_CONFIGS])
def test_detection_config_trains_one_iteration(path, tiny_coco):
    cfg, model = build_distiller(path)
    name = osp.basename(path)
    lr = [v for k, v in PAPER_SETTINGS.items() if name.startswith(k)][0]
    assert cfg.optim_wrapper.optimizer.lr == lr
    assert cfg.train_cfg.max_epochs == 24
    steps = [s for s in cfg.param_scheduler if s.type == 'MultiStepLR'][0]
    assert steps.milestones == [16, 22]
    assert cfg.train_dataloader.batch_size == 2
    assert 'dist_kd_mm' in cfg.custom_imports.imports
    assert dict(type='dist_kd_mm.LeanCheckpointHook') in cfg.custom_hooks
    losses_cfg = cfg.model.distiller.distill_losses
    for key, loss in losses_cfg.items():
        if key.startswith('loss_dist'):
            assert (loss.inter_loss_weight, loss.intra_loss_weight,
                    loss.loss_weight, loss.tau) == (1.0, 1.0, 1.0, 1.0)
    mimic = [k for k in losses_cfg if k.startswith('loss_mimic')]
    assert len(mimic) == (5 if '_mimic_' in name else 0)
    feature = [k for k in losses_cfg if k.startswith('loss_feature')]
    assert len(feature) == (5 if name.startswith('dist-plus_') else 0)
    for key in feature:  # DIST+ on COCO: every weight 1
        loss = losses_cfg[key]
        assert (loss.type, loss.channel_weight, loss.spatial_weight,
                loss.loss_weight) == ('dist_kd_mm.DISTFeatureLoss', 1.0,
                                      1.0, 1.0)

    teacher_before = {k: v.clone() for k, v in model.teacher.state_dict(
    ).items() if v.is_floating_point()}
    optim_wrapper = OptimWrapper(torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad], lr=1e-4))
    model.train()
    log_vars = model.train_step(coco_batch(cfg, tiny_coco), optim_wrapper)
    values = {k: float(torch.as_tensor(v).detach())
              for k, v in log_vars.items()}
    distill_keys = expected_distill_keys(cfg)
    assert distill_keys <= set(values), (distill_keys, values)
    for key in distill_keys | {'student.loss_cls', 'student.loss_bbox'}:
        assert np.isfinite(values[key]), (key, values)
    for key in distill_keys:
        assert values[key] > 0, (key, values)
    for key, value in model.teacher.state_dict().items():
        if key in teacher_before:
            assert torch.equal(value, teacher_before[key]), key
    if mimic or feature:  # the 1x1 connectors are trained parameters
        connector = model.distiller.connectors['fpn0']
        assert all(p.requires_grad for p in connector.parameters())


def test_retinanet_dist_has_one_loss_per_fpn_level(tiny_coco, monkeypatch):
    """Five records of retina_cls (P3..P7), each (N, 9*80, H_l, W_l)."""
    from dist_kd_mm import DISTLoss
    shapes = []
    original = DISTLoss.forward

    def spy(loss, logits_S, logits_T, gt_labels=None):
        shapes.append((tuple(logits_S.shape), tuple(logits_T.shape)))
        return original(loss, logits_S, logits_T, gt_labels)

    monkeypatch.setattr(DISTLoss, 'forward', spy)
    path = [p for p in DET_CONFIGS
            if osp.basename(p).startswith('dist_cls-logits_retinanet')][0]
    cfg, model = build_distiller(path)
    data = model.data_preprocessor(coco_batch(cfg, tiny_coco), True)
    model.train()
    losses = model.loss(data['inputs'], data['data_samples'])
    assert [k for k in losses if k.startswith('distill.')] == [
        f'distill.loss_dist_p{level}' for level in range(3, 8)]
    height, width = data['inputs'].shape[2:]
    assert [s for s, _ in shapes] == [
        (2, 720, -(-height // 2**level), -(-width // 2**level))
        for level in range(3, 8)]
    assert all(s == t for s, t in shapes)


def authors_retinanet_dist(logits_S, logits_T, eps=1e-8):
    """DIST as the authors' code computes it on a (N, A*C, H, W) sigmoid
    map, written here in float64: every position one row of A*C scores."""
    def rows(x):
        return x.double().permute(0, 2, 3, 1).reshape(-1, x.shape[1])

    def mean_pearson(a, b):  # one correlation per row
        a = a - a.mean(1, keepdim=True)
        b = b - b.mean(1, keepdim=True)
        return ((a * b).sum(1) / (a.norm(dim=1) * b.norm(dim=1) + eps)).mean()

    y_s, y_t = rows(logits_S).sigmoid(), rows(logits_T).sigmoid()
    inter = 1 - mean_pearson(y_s, y_t)
    intra = 1 - mean_pearson(y_s.t(), y_t.t())
    return inter + intra


def test_retinanet_dist_is_the_authors_flattening():
    """The shipped RetinaNet loss: positions are the instances and the
    9*80 channels the classes (values and gradients against the authors'
    flattening); each-anchor rows (num_anchors=9) are another loss."""
    from mmengine.config import Config

    from dist_kd_mm.registry import MODELS
    path = [p for p in DET_CONFIGS
            if osp.basename(p).startswith('dist_cls-logits_retinanet')][0]
    losses = Config.fromfile(path).model.distiller.distill_losses
    assert set(losses) == {f'loss_dist_p{level}' for level in range(3, 8)}
    generator = torch.Generator().manual_seed(0)
    logits_T = torch.randn(2, 720, 6, 5, generator=generator) * 3 - 4
    student = torch.randn(2, 720, 6, 5, generator=generator) * 3 - 4
    for name, loss_cfg in losses.items():
        loss = MODELS.build(loss_cfg)
        logits_S = student.clone().requires_grad_()
        value = loss(logits_S, logits_T)
        value.backward()
        reference_S = student.double().requires_grad_()
        reference = authors_retinanet_dist(reference_S, logits_T)
        reference.backward()
        torch.testing.assert_close(value.double(), reference.detach(),
                                   rtol=1e-5, atol=1e-7, msg=name)
        torch.testing.assert_close(logits_S.grad.double(), reference_S.grad,
                                   rtol=1e-4, atol=1e-9, msg=name)
    per_anchor = MODELS.build({**losses['loss_dist_p3'], 'num_anchors': 9})
    assert abs(float(per_anchor(student, logits_T)) - value.item()) > 1e-3
