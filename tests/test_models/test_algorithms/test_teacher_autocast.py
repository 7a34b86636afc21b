"""teacher_autocast: the frozen teacher's forward in bfloat16 (CPU autocast
here, the same code path as CUDA's), its records float32 for the losses,
the student untouched; the DIST loss changes little."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmrazor.registry import MODELS

from helpers import TEST_CONFIGS
from helpers.classification_batches import (
    distill_losses,
    random_classification_batch,
)

TINY = osp.join(TEST_CONFIGS, 'dist_tiny-resnet_imagefolder.py')


def build(**changes):
    cfg = Config.fromfile(TINY)
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.update(changes)
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmrazor'):
        return MODELS.build(model_cfg)


def dtypes_seen(model):
    seen = {}

    def note(name, value):
        seen.setdefault(name, value)  # a hook that returns None

    model.teacher.head.fc.register_forward_hook(
        lambda m, i, out: note('teacher_fc', out.dtype))
    model.architecture.head.fc.register_forward_hook(
        lambda m, i, out: note('student_fc', out.dtype))
    model.distiller.distill_losses.loss_dist.register_forward_pre_hook(
        lambda m, args, kwargs: note(
            'loss_inputs', [kwargs[k].dtype for k in ('logits_S',
                                                      'logits_T')]),
        with_kwargs=True)
    return seen


def losses_of(model):
    return distill_losses(model, random_classification_batch(batch_size=8))


def test_teacher_runs_in_bfloat16_and_the_losses_see_float32():
    model = build(teacher_autocast='bfloat16')
    seen = dtypes_seen(model)
    model.train()
    losses = losses_of(model)
    assert seen['teacher_fc'] == torch.bfloat16
    assert seen['student_fc'] == torch.float32
    assert seen['loss_inputs'] == [torch.float32, torch.float32]
    total = sum(v for k, v in losses.items() if 'loss' in k)
    total.backward()
    assert all(p.grad is None for p in model.teacher.parameters())
    assert any(p.grad is not None for p in model.architecture.parameters())


def test_dist_loss_changes_little():
    """The same weights and batch with a float32 and a bfloat16 teacher."""
    reference = build()
    half = build(teacher_autocast='bfloat16')
    half.load_state_dict(reference.state_dict())
    reference.train()
    half.train()
    exact = losses_of(reference)['distill.loss_dist']
    approx = losses_of(half)['distill.loss_dist']
    change = abs(float(approx) - float(exact)) / float(exact)
    assert change < 0.02, change
    assert torch.equal(losses_of(half)['student.loss'],
                       losses_of(reference)['student.loss'])


def test_bad_options_are_named():
    with pytest.raises(ValueError, match="teacher_autocast must be one of"):
        build(teacher_autocast='fp8')
    with pytest.raises(ValueError, match='frozen teacher'):
        build(teacher_autocast='bfloat16', teacher_trainable=True)


@pytest.mark.parametrize('autocast', [None, 'bfloat16'])
def test_a_frozen_student_stays_frozen_with_every_option(autocast):
    """mmrazor's ``student_trainable=False`` (without the student's own loss)
    runs the student without a graph: no gradient reaches it, whatever the
    teacher's precision."""
    model = build(teacher_autocast=autocast, student_trainable=False,
                  calculate_student_loss=False)
    model.train()
    losses = losses_of(model)
    assert 'distill.loss_dist' in losses
    assert not any(v.requires_grad for v in losses.values()
                   if isinstance(v, torch.Tensor))
    assert all(p.grad is None for p in model.architecture.parameters())
