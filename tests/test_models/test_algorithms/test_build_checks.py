"""What the algorithm checks when it is built, initialized and stepped:
swapped loss sides, options of the wrong kind, heads of other class counts,
a zero-initialized student head, a float16 teacher overflow; each through
the real algorithm built from the tiny config, with mmrazor's recorders
and losses."""
import copy
import os.path as osp
import warnings

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from mmrazor.registry import MODELS

from helpers import TEST_CONFIGS, save_tiny_teacher, set_data_root
from helpers.classification_batches import (
    distill_losses,
    random_classification_batch,
)

TINY = osp.join(TEST_CONFIGS, 'dist_tiny-resnet_imagefolder.py')
VIT = osp.join(TEST_CONFIGS, 'dist_tiny-vit_imagefolder.py')


def model_cfg(config=TINY):
    return copy.deepcopy(Config.fromfile(config).model)


def build(cfg):
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmrazor'):
        return MODELS.build(cfg)


def swapped(cfg):
    cfg.distiller.loss_forward_mappings.loss_dist = dict(
        logits_S=dict(from_student=False, recorder='fc'),
        logits_T=dict(from_student=True, recorder='fc'))
    return cfg


def test_swapped_from_student_flags_stop_the_build():
    with pytest.raises(ValueError, match=r'loss_forward_mappings\.loss_dist'
                       r'\.logits_S maps the teacher\'s recorder \'fc\' '
                       r'\(from_student=False\).*from_student=True.*swapped'):
        build(swapped(model_cfg()))


def test_a_loss_without_gradient_to_the_student_stops_the_first_step():
    """DIST+'s feature relations recorded on a stage that the student keeps
    frozen (frozen_stages=1) carry no gradient: the first step stops and
    names the mapping."""
    cfg = model_cfg()
    cfg.architecture.backbone.frozen_stages = 1
    layer1 = dict(type='ModuleOutputs', source='backbone.layer1')
    cfg.distiller.student_recorders.layer1 = layer1
    cfg.distiller.teacher_recorders.layer1 = layer1
    cfg.distiller.distill_losses.loss_feat = dict(
        type='dist_kd_mm.DISTFeatureLoss')
    cfg.distiller.loss_forward_mappings.loss_feat = dict(
        preds_S=dict(from_student=True, recorder='layer1'),
        preds_T=dict(from_student=False, recorder='layer1'))
    model = build(cfg)
    model.train()
    with pytest.raises(RuntimeError, match=r"distill\.loss_feat carries no "
                       r"gradient to the student.*preds_S: the student's "
                       r"recorder 'layer1' \(from_student=True\)"):
        distill_losses(model, random_classification_batch())
    # without a graph (validation), nothing is checked
    with torch.no_grad():
        distill_losses(model, random_classification_batch())
    # on a stage that trains, it passes
    cfg.architecture.backbone.frozen_stages = -1
    model = build(cfg)
    model.train()
    losses = distill_losses(model, random_classification_batch())
    assert losses['distill.loss_feat'].requires_grad


@pytest.mark.parametrize('teacher_classes', [10, 1000])
def test_a_teacher_of_other_classes_stops_the_build(teacher_classes):
    cfg = model_cfg()
    cfg.teacher.head.num_classes = teacher_classes
    with pytest.raises(ValueError, match=(
            f"loss_dist: the teacher's 'head.fc' \\(logits_T\\) gives "
            f"{teacher_classes} outputs, the student's 'head.fc' "
            f'\\(logits_S\\) 3: for logits, the teacher has '
            f'{teacher_classes} classes and the student 3')):
        build(cfg)


@pytest.mark.parametrize('value', [None, 0, 'False'])
def test_teacher_ckpt_strict_must_be_a_bool(value):
    cfg = model_cfg()
    cfg.teacher_ckpt_strict = value
    with pytest.raises(TypeError, match='teacher_ckpt_strict must be True '
                       f'or False, got {value!r}'):
        build(cfg)


def test_teacher_autocast_is_checked_before_the_teacher_loads(tmp_path):
    cfg = model_cfg()
    cfg.teacher_ckpt = str(tmp_path / 'missing.pth')  # never read
    cfg.teacher_autocast = 'fp16'
    with pytest.raises(ValueError, match='teacher_autocast must be one of'):
        build(cfg)


def test_a_float16_teacher_overflow_names_the_option():
    """Teacher logits beyond float16's 65504 become inf under
    teacher_autocast='float16'; the float32 run stops with a message that
    names the option and bfloat16, which keeps float32's range."""
    cfg = model_cfg()
    cfg.teacher_autocast = 'float16'
    model = build(cfg)
    with torch.no_grad():
        model.teacher.head.fc.weight.mul_(1e6)
    model.train()
    batch = random_classification_batch(batch_size=8)
    with pytest.raises(FloatingPointError, match=r"logits_T \(teacher\) has "
                       r"\d+ non-finite values: the teacher ran under "
                       r"teacher_autocast='float16'.*'bfloat16'"):
        distill_losses(model, batch)
    cfg.teacher_autocast = 'bfloat16'
    model = build(cfg)
    with torch.no_grad():
        model.teacher.head.fc.weight.mul_(1e6)
    model.train()
    assert torch.isfinite(distill_losses(model, batch)['distill.loss_dist'])


def test_a_zero_initialized_student_head_is_named_at_init():
    model = build(model_cfg(VIT))
    with pytest.warns(UserWarning, match=r"student's 'head\.layers\.head' "
                      r"\(recorder 'fc'\) starts with all-zero weights.*"
                      r"init_cfg=dict\(type='TruncNormal'"):
        model.init_weights()
    assert not model.architecture.head.layers.head.weight.any()
    model = build(model_cfg(TINY))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        model.init_weights()
    assert not [w for w in caught if 'all-zero' in str(w.message)]


def train_vit(tmp_path, data_root, teacher_ckpt, norm_floor):
    """20 iterations of the ViT-student config through the real Runner;
    the largest student logit of each."""
    cfg = Config.fromfile(VIT)
    set_data_root(cfg, data_root)
    cfg.model.teacher_ckpt = teacher_ckpt
    cfg.model.distiller.distill_losses.loss_dist.norm_floor = norm_floor
    cfg.work_dir = str(tmp_path / f'floor_{norm_floor}')
    runner = Runner.from_cfg(cfg)
    largest = []
    runner.model.architecture.head.layers.head.register_forward_hook(
        lambda module, args, out: largest.append(float(out.abs().max()))
        if module.training else None)
    try:
        runner.train()
    except FloatingPointError:  # diverged
        largest.append(float('inf'))
    return largest


def test_a_zero_initialized_vit_head_trains_without_a_singular_step(
        tmp_path, tiny_imagefolder):
    """mmpretrain's ViT head starts at zero; the teacher is confident (its
    head scaled up, as a trained one). With the default norm_floor the
    student's logits stay below 100 over 20 iterations; with the formula's
    gradient (norm_floor=0) the first step throws them beyond 1e4."""
    teacher = tmp_path / 'teacher.pth'
    save_tiny_teacher(teacher)
    state = torch.load(teacher)
    state['state_dict']['head.fc.weight'] *= 100
    torch.save(state, teacher)
    largest = train_vit(tmp_path, tiny_imagefolder, str(teacher), 1e-3)
    assert len(largest) == 20 and max(largest) < 100, largest
    largest = train_vit(tmp_path, tiny_imagefolder, str(teacher), 0.0)
    assert largest[1] > 1e4, largest
