"""The teacher checkpoint must fit the teacher: checked when it is loaded."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS
from mmrazor.registry import MODELS as MMRAZOR_MODELS

from dist_kd_mm import SingleTeacherDistill
from helpers import TEST_CONFIGS, run_train

CONFIG = osp.join(TEST_CONFIGS, 'dist_tiny-resnet_imagefolder.py')


def model_cfg():
    return copy.deepcopy(Config.fromfile(CONFIG).model)


def build_teacher(depth=34):
    cfg = model_cfg().teacher
    cfg.backbone.depth = depth
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        teacher = MMPRETRAIN_MODELS.build(cfg)
    teacher.init_weights()
    return teacher


def build_distill(teacher_ckpt, **options):
    cfg = model_cfg()
    cfg.teacher_ckpt = str(teacher_ckpt)
    cfg.update(options)
    with DefaultScope.overwrite_default_scope('mmrazor'):
        return MMRAZOR_MODELS.build(cfg)


def save(state_dict, path):
    torch.save({'state_dict': state_dict}, path)
    return path


def test_a_fitting_checkpoint_is_loaded(tmp_path):
    torch.manual_seed(0)
    teacher = build_teacher()
    state = teacher.state_dict()
    # older checkpoints lack BatchNorm's counters; extra keys are harmless
    fitting = {k: v for k, v in state.items()
               if not k.endswith('num_batches_tracked')}
    fitting['ema.head.fc.weight'] = torch.zeros(1)
    model = build_distill(save(fitting, tmp_path / 'teacher.pth'))
    assert isinstance(model, SingleTeacherDistill)
    for key, value in model.teacher.state_dict().items():
        if not key.endswith('num_batches_tracked'):
            assert torch.equal(value, state[key]), key
    assert model.teacher._is_init
    assert not any(p.requires_grad for p in model.teacher.parameters())


def test_a_distillation_checkpoint_is_refused_and_named(tmp_path):
    teacher = build_teacher()
    distill = {f'teacher.{k}': v for k, v in teacher.state_dict().items()}
    distill.update({f'architecture.{k}': v
                    for k, v in build_teacher(18).state_dict().items()})
    path = save(distill, tmp_path / 'epoch_10.pth')
    with pytest.raises(KeyError) as error:
        build_distill(path)
    message = str(error.value)
    total = len(teacher.state_dict())
    assert str(path) in message and f'0 of its {total} keys' in message
    assert "distillation checkpoint: its 'teacher.' keys fit" in message
    assert 'convert_kd_ckpt_to_student.py (--prefix teacher.)' in message


def test_another_architecture_is_refused(tmp_path):
    path = save(build_teacher(18).state_dict(), tmp_path / 'r18.pth')
    with pytest.raises(KeyError, match=r'does not fit the teacher '
                       r'ImageClassifier: \d+ of its \d+ keys.*missing e\.g\. '
                       r"\['backbone.layer"):
        build_distill(path)


def test_partial_loading_is_an_explicit_choice(tmp_path):
    teacher = build_teacher()
    partial = {k: v for k, v in teacher.state_dict().items()
               if k.startswith('backbone.')}
    path = save(partial, tmp_path / 'backbone.pth')
    with pytest.raises(KeyError, match="missing e.g. \\['head.fc.bias'"):
        build_distill(path)
    model = build_distill(path, teacher_ckpt_strict=False)
    assert torch.equal(model.teacher.backbone.conv1.weight,
                       partial['backbone.conv1.weight'])


def test_a_wrong_teacher_file_stops_the_run_before_training(
        tmp_path, tiny_imagefolder):
    distill = {f'architecture.{k}': v
               for k, v in build_teacher().state_dict().items()}
    path = save(distill, tmp_path / 'distill.pth')
    result = run_train(CONFIG, tmp_path / 'run', tiny_imagefolder,
                       f'model.teacher_ckpt={path}', expected_returncode=1)
    assert 'does not fit the teacher' in result.stderr
    assert 'Iter(train)' not in result.stdout + result.stderr
