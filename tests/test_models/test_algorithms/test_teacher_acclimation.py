"""DIST+'s teacher acclimation in SingleTeacherDistill: what trains, where
the gradients go, the learning rate, modes and errors."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmpretrain.structures import DataSample
from mmrazor.registry import MODELS

from dist_kd_mm.models.algorithms.teacher_acclimation import targets_of
from helpers import TEST_CONFIGS
from helpers.classification_batches import (
    distill_losses,
    random_classification_batch,
)

CONFIG = osp.join(TEST_CONFIGS, 'dist-plus_tiny-resnet_imagefolder.py')
PARTS = ('teacher.backbone.layer4.', 'teacher.head.')
DISTILL_ONLY = ('student.', 'distill.')


def config():
    return copy.deepcopy(Config.fromfile(CONFIG))


def build(model_cfg=None, **options):
    model_cfg = model_cfg or config().model
    model_cfg.update(options)
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmrazor'):
        model = MODELS.build(model_cfg)
    model.init_weights()
    return model


def grads(model, losses, keys):
    model.zero_grad(set_to_none=True)
    sum(v for k, v in losses.items() if k.startswith(keys)).backward()
    return {name: p.grad for name, p in model.named_parameters()
            if p.grad is not None and p.grad.abs().sum() > 0}


def test_a_step_changes_only_the_named_teacher_parts():
    cfg = config()
    model = build(cfg.model)
    model.train()
    with DefaultScope.overwrite_default_scope('mmrazor'):
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    log = model.train_step(random_classification_batch(), optim_wrapper)
    assert 0.0 < log['teacher.loss_ta'].item() <= 2.0
    after = model.state_dict()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    teacher_changed = {k for k in changed if k.startswith('teacher.')}
    assert teacher_changed and all(k.startswith(PARTS)
                                   for k in teacher_changed)
    assert any(k.startswith('teacher.backbone.layer4.') for k in changed)
    assert any(k.startswith('teacher.head.') for k in changed)
    # norm_eval: the trained stage's BatchNorm statistics stay
    assert not any('running_' in k for k in teacher_changed)
    assert any(k.startswith('architecture.') for k in changed)


def test_gradients_do_not_cross_between_teacher_and_student():
    model = build()
    model.train()
    losses = distill_losses(model, random_classification_batch())
    assert set(losses) == {'student.loss', 'teacher.loss_ta',
                           'teacher.loss_task', 'distill.loss_dist',
                           'distill.loss_feature'}
    from_acclimation = grads(model, losses, ('teacher.', ))
    assert from_acclimation and all(k.startswith(PARTS)
                                    for k in from_acclimation)
    losses = distill_losses(model, random_classification_batch())
    from_student = grads(model, losses, DISTILL_ONLY)
    assert not any(k.startswith('teacher.') for k in from_student)
    assert any(k.startswith('distiller.connectors.') for k in from_student)


def test_the_teacher_learning_rate_comes_from_paramwise_cfg():
    cfg = config()
    model = build(cfg.model)
    with DefaultScope.overwrite_default_scope('mmrazor'):
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    base = cfg.optim_wrapper.optimizer.lr
    lr_of = {id(p): group['lr']
             for group in optim_wrapper.optimizer.param_groups
             for p in group['params']}
    for name, param in model.named_parameters():
        trained = not name.startswith('teacher.') or name.startswith(PARTS)
        assert param.requires_grad == trained, name
        if trained:
            expected = 0.1 * base if name.startswith(PARTS) else base
            assert lr_of[id(param)] == pytest.approx(expected), name


def test_the_teacher_task_loss_is_its_cross_entropy_or_off():
    model = build()
    model.train()
    data = random_classification_batch()
    losses = distill_losses(model, data)
    logits = model.distiller.teacher_recorders.recorders['fc'].data_buffer[0]
    labels = torch.tensor([0, 1, 2, 0])
    expected = torch.nn.functional.cross_entropy(logits, labels)
    assert losses['teacher.loss_task'].item() == pytest.approx(
        expected.item(), rel=1e-5)
    model = build(teacher_acclimation=dict(task_loss_weight=0.0))
    model.train()
    losses = distill_losses(model, random_classification_batch())
    assert 'teacher.loss_task' not in losses and 'teacher.loss_ta' in losses


def test_modes_frozen_rest_in_eval_and_parts_in_train():
    model = build()
    model.train()
    teacher = model.teacher
    assert not teacher.training and not teacher.backbone.layer1.training
    assert teacher.backbone.layer4.training and teacher.head.training
    assert not teacher.backbone.layer4[0].bn1.training
    model.eval()
    assert not teacher.backbone.layer4.training
    model = build(teacher_acclimation=dict(norm_eval=False))
    model.train()
    assert model.teacher.backbone.layer4[0].bn1.training


def test_mixed_labels_use_the_largest_score():
    model = build()
    model.train()
    data = random_classification_batch()
    for sample in data['data_samples']:
        score = torch.zeros(10)
        score[[1, 7]] = torch.tensor([0.3, 0.7])
        sample.set_gt_score(score)
    losses = distill_losses(model, data)
    logits = model.distiller.teacher_recorders.recorders['fc'].data_buffer[0]
    student = model.distiller.student_recorders.recorders['fc'].data_buffer[0]
    expected = model.acclimation.loss(logits, student,
                                      torch.full((4, ), 7))
    assert losses['teacher.loss_ta'].item() == pytest.approx(
        expected.item(), rel=1e-6)


@pytest.mark.parametrize('options,error,match', [
    (dict(parts=('backbone.layer9', )), KeyError, r"layer9.*'backbone'"),
    (dict(parts='head'), ValueError, 'non-empty list'),
    (dict(lr=0.1), KeyError, r"unknown keys \['lr'\]"),
    (dict(teacher_recorder='logits'), KeyError,
     r"teacher_recorder='logits'.*\['fc', 'feature'\]"),
])
def test_bad_options_are_named(options, error, match):
    with pytest.raises(error, match=match):
        build(teacher_acclimation=options)


def test_a_record_before_the_parts_and_a_trainable_teacher_are_refused():
    with pytest.raises(ValueError, match='teacher_trainable'):
        build(teacher_trainable=True)
    model = build(teacher_acclimation=dict(parts=('head', ),
                                           teacher_recorder='feature',
                                           student_recorder='feature'))
    model.train()
    with pytest.raises(RuntimeError, match="'feature'.*does not depend"):
        distill_losses(model, random_classification_batch())


def test_samples_without_labels_are_refused():
    samples = random_classification_batch()['data_samples']
    assert targets_of(samples).tolist() == [0, 1, 2, 0]
    samples[2] = DataSample()
    with pytest.raises(ValueError, match='data sample 2 has neither'):
        targets_of(samples)
    with pytest.raises(ValueError, match='got none'):
        targets_of([])


def test_roi_distillation_refuses_acclimation():
    from dist_kd_mm import StudentRoIDistill
    with pytest.raises(ValueError, match='StudentRoIDistill.*classifiers'):
        StudentRoIDistill(teacher_acclimation={})
