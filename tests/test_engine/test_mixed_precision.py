"""bf16 autocast on CPU: a distillation step of each task family with
finite losses and gradients, the DIST losses computed in float32.

(The two-stage detection configs are left out: mmcv's CPU ``nms``, which
their RPN runs in the loss step, rejects bf16 boxes.)"""
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmrazor.registry import MODELS as MMRAZOR_MODELS

from dist_kd_mm import DISTLoss
from helpers import TEST_CONFIGS
from helpers.classification_batches import random_classification_batch
from helpers.detection_batches import build_distiller, coco_batch, det_config
from helpers.segmentation_batches import (
    SEG_CONFIGS,
    build_small,
    random_segmentation_batch,
)


def classification_case(_):
    cfg = Config.fromfile(f'{TEST_CONFIGS}/dist_tiny-resnet_imagefolder.py')
    with DefaultScope.overwrite_default_scope('mmrazor'):
        model = MMRAZOR_MODELS.build(cfg.model)
    return model, random_classification_batch()


# bf16 convolutions are emulated on CPUs without bf16 units: small images
def segmentation_case(_):
    _, model = build_small(SEG_CONFIGS[0], size=(32, 64))
    return model, random_segmentation_batch(size=(32, 64))


def retinanet_case(coco_root):
    cfg, model = build_distiller(det_config('dist_cls-logits_retinanet'))
    return model, coco_batch(cfg, coco_root, scale=(128, 96))


CASES = {
    'classification': (classification_case, 1),
    'segmentation': (segmentation_case, 2),  # decode and auxiliary head
    'retinanet': (retinanet_case, 5),  # one loss per FPN level
}


@pytest.mark.parametrize('case', sorted(CASES))
def test_bf16_autocast_distillation_step(case, tiny_coco, monkeypatch):
    seen = []
    original = DISTLoss.forward

    def spy(self, logits_S, logits_T, gt_labels=None):
        loss = original(self, logits_S, logits_T, gt_labels)
        seen.append((logits_S.dtype, loss.dtype))
        return loss

    monkeypatch.setattr(DISTLoss, 'forward', spy)
    build, num_losses = CASES[case]
    model, batch = build(tiny_coco)
    model.train()
    data = model.data_preprocessor(batch, True)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        losses = model(**data, mode='loss')
    assert seen == [(torch.bfloat16, torch.float32)] * num_losses
    total, _ = model.parse_losses(losses)  # sums per-level lists too
    assert np.isfinite(float(total.detach()))
    total.backward()
    grads = [p.grad for p in model.architecture.parameters()
             if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)
    assert all(p.grad is None for p in model.teacher.parameters())


def test_an_overflow_under_amp_skips_one_step_and_training_goes_on(
        tmp_path, tiny_imagefolder):
    """The real Runner with mmengine's AmpOptimWrapper emulated on the CPU
    (torch's dynamic CPU loss scaler): the teacher's bf16 logits hold an inf
    at iteration 2; that step is skipped, the scale lowered, and the run
    trains on to the end."""
    import os.path as osp

    from helpers import run_train, save_tiny_teacher

    config = osp.join(TEST_CONFIGS, 'dist_tiny-resnet_imagefolder_cpu-amp.py')
    teacher = save_tiny_teacher(tmp_path / 'teacher.pth')
    work_dir = tmp_path / 'run'
    result = run_train(config, work_dir, tiny_imagefolder,
                       f'model.teacher_ckpt={teacher}')
    output = result.stdout + result.stderr
    assert 'logits_T (teacher) has' in output and 'skips this step' in output
    assert 'Iter(train) [4/4]' in output

    def saved(iteration):
        checkpoint = torch.load(work_dir / f'iter_{iteration}.pth',
                                map_location='cpu')
        student = {k: v for k, v in checkpoint['state_dict'].items()
                   if k.startswith('architecture.') and 'running_' not in k
                   and 'num_batches_tracked' not in k}
        return student, checkpoint['optimizer']['loss_scaler']['scale']

    (first, scale_1), (second, scale_2), (third, _) = (saved(1), saved(2),
                                                        saved(3))
    assert all(torch.equal(first[k], second[k]) for k in first)  # skipped
    assert scale_2 < scale_1
    assert any(not torch.equal(second[k], third[k]) for k in second)
    assert all(torch.isfinite(v).all() for v in third.values())
