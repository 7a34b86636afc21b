"""What a distillation model takes from load_from and --resume, through the
real Runner: a plain student checkpoint is loaded into the student, a
distillation checkpoint of another student is refused, a lean checkpoint
loads without listing the teacher, and --resume refuses a plain file."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS

from helpers import TEST_CONFIGS, save_tiny_teacher, set_data_root

LEAN = osp.join(TEST_CONFIGS, 'dist_tiny-resnet_imagefolder_lean.py')
STUDENT = osp.join(TEST_CONFIGS, 'tiny-resnet18_imagefolder.py')


@pytest.fixture(scope='module')
def teacher_ckpt(tmp_path_factory):
    return save_tiny_teacher(tmp_path_factory.mktemp('teacher') / 't.pth')


def runner_for(tmp_path, data_root, teacher_ckpt, **changes):
    cfg = Config.fromfile(LEAN)
    set_data_root(cfg, data_root)
    cfg.model.teacher_ckpt = teacher_ckpt
    cfg.work_dir = str(tmp_path / 'work')
    cfg.merge_from_dict(changes)
    return Runner.from_cfg(cfg)


def plain_student_checkpoint(path, seed=3, **backbone):
    """An mmpretrain checkpoint of the student alone, as its own training
    saves it (state_dict, meta, optimizer)."""
    cfg = copy.deepcopy(Config.fromfile(STUDENT).model)
    cfg.backbone.update(backbone)
    torch.manual_seed(seed)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MMPRETRAIN_MODELS.build(cfg)
    model.init_weights()
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(epoch=90, iter=1000),
                    optimizer=dict(state={}, param_groups=[])), path)
    return str(path), model.state_dict()


def test_load_from_a_plain_student_checkpoint_fills_the_student(
        tmp_path, tiny_imagefolder, teacher_ckpt, capfd):
    path, expected = plain_student_checkpoint(tmp_path / 'student.pth')
    runner = runner_for(tmp_path, tiny_imagefolder, teacher_ckpt)
    teacher = copy.deepcopy(runner.model.teacher.state_dict())
    runner.load_checkpoint(path)
    student = runner.model.architecture.state_dict()
    assert set(student) == set(expected)
    for key, value in expected.items():
        assert torch.equal(student[key], value), key
    for key, value in runner.model.teacher.state_dict().items():
        assert torch.equal(value, teacher[key]), key
    output = ''.join(capfd.readouterr())
    assert "The checkpoint is a plain model's" in output
    assert f'{len(expected)} of the student\'s {len(expected)} entries' in (
        output)


def test_a_checkpoint_of_nothing_in_the_model_is_refused(
        tmp_path, tiny_imagefolder, teacher_ckpt):
    torch.save(dict(state_dict={'fc.weight': torch.zeros(3, 4)}),
               tmp_path / 'other.pth')
    runner = runner_for(tmp_path, tiny_imagefolder, teacher_ckpt)
    with pytest.raises(KeyError, match="holds neither a distillation model "
                       r".*nor the student ImageClassifier \(e\.g\. "
                       r"\['fc\.weight'\]"):
        runner.load_checkpoint(str(tmp_path / 'other.pth'))


def test_a_distillation_checkpoint_of_another_student_is_refused(
        tmp_path, tiny_imagefolder, teacher_ckpt):
    wide = runner_for(tmp_path / 'wide', tiny_imagefolder, teacher_ckpt)
    torch.save(dict(state_dict=wide.model.state_dict()),
               tmp_path / 'wide.pth')
    narrow = runner_for(
        tmp_path / 'narrow', tiny_imagefolder, teacher_ckpt,
        **{'model.architecture.backbone.base_channels': 8,
           'model.architecture.backbone.stem_channels': 8,
           'model.architecture.head.in_channels': 64,
           'model.teacher': wide.cfg.model.teacher})
    with pytest.raises(RuntimeError, match=(
            r'does not fit the student ImageClassifier: 0 of its \d+ '
            r'entries are missing.*\d+ have another shape \(e\.g\. '
            r"\['backbone\.bn1\.bias: \(16,\) in the file, \(8,\) in the "
            r"student'.*convert_kd_ckpt_to_student\.py")):
        narrow.load_checkpoint(str(tmp_path / 'wide.pth'))


def test_a_lean_checkpoint_lists_no_teacher_keys(tmp_path, tiny_imagefolder,
                                                 teacher_ckpt, capfd):
    runner = runner_for(tmp_path, tiny_imagefolder, teacher_ckpt)
    state = {k: v for k, v in runner.model.state_dict().items()
             if not k.startswith('teacher.')}
    state['architecture.head.fc.bias'] = torch.full((3, ), 0.5)
    torch.save(dict(state_dict=state), tmp_path / 'lean.pth')
    capfd.readouterr()
    runner.load_checkpoint(str(tmp_path / 'lean.pth'))
    output = ''.join(capfd.readouterr())
    assert 'missing keys' not in output and 'teacher.' not in output
    assert torch.equal(runner.model.architecture.head.fc.bias,
                       torch.full((3, ), 0.5))
    # without teacher_ckpt the teacher is not completed: its keys are listed
    runner = runner_for(tmp_path / 'no_teacher', tiny_imagefolder, None)
    capfd.readouterr()
    runner.load_checkpoint(str(tmp_path / 'lean.pth'))
    assert 'missing keys in source state_dict: teacher.' in ''.join(
        capfd.readouterr())


def test_resume_from_a_plain_checkpoint_names_load_from(
        tmp_path, tiny_imagefolder, teacher_ckpt):
    path, _ = plain_student_checkpoint(tmp_path / 'student.pth')
    runner = runner_for(tmp_path, tiny_imagefolder, teacher_ckpt,
                        resume=True, load_from=path)
    with pytest.raises(RuntimeError, match=(
            f"--resume needs a checkpoint of a distillation run, but "
            f"'{path}' holds a plain model.*Start from it with load_from")):
        runner.train()
