"""Distillation steps on CUDA through the real Runner: one training
iteration of each config family in float32 and under AMP (float16 and
bfloat16), the teacher under teacher_autocast='bfloat16', and a short run
resumed with --resume against an uninterrupted one. Marked ``gpu``: not
collected without CUDA (tests/conftest.py)."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from dist_kd_mm import DISTLoss
from helpers import (
    REPO_ROOT,
    TEST_CONFIGS,
    run_stopped_and_resumed,
    save_tiny_teacher,
    save_untrained_teacher,
    set_data_root,
)

pytestmark = pytest.mark.gpu

# test config, dataset fixture
FAMILIES = {
    'classification': ('dist_tiny-resnet_imagefolder.py', 'tiny_imagefolder'),
    'segmentation': ('dist_tiny-deeplabv3-r18_cityscapes.py',
                     'tiny_cityscapes'),
    'two-stage': ('dist_tiny-faster-rcnn_coco.py', 'tiny_coco'),
    'retinanet': ('dist_tiny-faster-rcnn_coco.py', 'tiny_coco'),
}
RETINANET = osp.join(REPO_ROOT, 'configs', 'distill', 'mmdet', 'dist',
                     'dist_cls-logits_retinanet_x101-64x4d_retinanet_r50_2x_'
                     'coco.py')
# what the test configs change for a test's size, beside the model
SMALL = ('train_dataloader', 'param_scheduler', 'optim_wrapper',
         'default_hooks')


def config_of(family: str) -> Config:
    """The family's test config; for RetinaNet, the shipped config with the
    two-stage test config's small data and schedule."""
    cfg = Config.fromfile(osp.join(TEST_CONFIGS, FAMILIES[family][0]))
    if family != 'retinanet':
        return cfg
    retinanet = Config.fromfile(RETINANET)
    for key in SMALL:
        retinanet[key] = cfg[key]
    retinanet.model.architecture.backbone.init_cfg = None
    return retinanet


def family_runner(family, request, tmp_path, precision='float32', **model):
    """A Runner of ``family``'s test config for one training iteration (no
    validation), with an untrained teacher checkpoint of its config."""
    cfg = config_of(family)
    fixture = FAMILIES[family][1]
    data_root = request.getfixturevalue(fixture)
    set_data_root(cfg, data_root)
    teacher = cfg.model.teacher
    if isinstance(teacher, dict) and teacher.get('cfg_path'):
        cfg.model.teacher_ckpt = save_untrained_teacher(
            teacher.cfg_path, tmp_path / 'teacher.pth')
    else:
        cfg.model.teacher_ckpt = save_tiny_teacher(tmp_path / 'teacher.pth')
    cfg.model.update(model)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=1)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.param_scheduler = None
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1,
                                        by_epoch=False)
    cfg.log_processor = dict(by_epoch=False)
    if precision != 'float32':
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.dtype = precision
        # a first scale of 2**16 may overflow and skip the only step
        cfg.optim_wrapper.loss_scale = dict(init_scale=256.0)
    return Runner.from_cfg(cfg)


def train_one_iteration(runner, monkeypatch):
    """Run it; the DIST losses' (student logits dtype, loss dtype, loss
    device) and the student's and teacher's parameters before and after."""
    seen = []
    original = DISTLoss.forward

    def spy(self, logits_S, logits_T, gt_labels=None):
        loss = original(self, logits_S, logits_T, gt_labels)
        seen.append((logits_S.dtype, logits_T.dtype, loss.dtype,
                     loss.device.type, bool(torch.isfinite(loss))))
        return loss

    monkeypatch.setattr(DISTLoss, 'forward', spy)
    model = runner.model
    before = {k: v.detach().clone() for k, v in model.state_dict().items()}
    runner.train()
    after = model.state_dict()
    return seen, before, after


@pytest.mark.parametrize('precision', ['float32', 'float16', 'bfloat16'])
@pytest.mark.parametrize('family', sorted(FAMILIES))
def test_one_iteration_on_cuda(family, precision, request, tmp_path,
                               monkeypatch):
    runner = family_runner(family, request, tmp_path, precision)
    seen, before, after = train_one_iteration(runner, monkeypatch)
    assert seen, 'no DIST loss ran'
    for logits_s, _, loss_dtype, device, finite in seen:
        assert loss_dtype == torch.float32 and device == 'cuda' and finite
        if precision != 'float32':
            assert logits_s == getattr(torch, precision)
    student = [k for k in before if k.startswith('architecture.')
               and before[k].is_floating_point()]
    teacher = [k for k in before if k.startswith('teacher.')]
    assert any(not torch.equal(before[k], after[k]) for k in student), (
        'the student did not move')
    for key in teacher:
        assert torch.equal(before[key], after[key]), key
    assert all(p.grad is None
               for p in runner.model.teacher.parameters())


@pytest.mark.parametrize('family', ['classification', 'two-stage'])
def test_teacher_autocast_bfloat16_on_cuda(family, request, tmp_path,
                                           monkeypatch):
    runner = family_runner(family, request, tmp_path,
                           teacher_autocast='bfloat16')
    seen, _, _ = train_one_iteration(runner, monkeypatch)
    assert seen
    for logits_s, logits_t, loss_dtype, device, finite in seen:
        # the teacher's records are cast back to float32 for the losses
        assert (logits_s, logits_t, loss_dtype) == (torch.float32, ) * 3
        assert device == 'cuda' and finite


KILLED = osp.join(TEST_CONFIGS,
                  'dist_tiny-resnet_imagefolder_killed-after-2.py')
UNINTERRUPTED = osp.join(TEST_CONFIGS, 'dist_tiny-resnet_imagefolder.py')


def test_a_resumed_cuda_run_ends_with_the_uninterrupted_weights(
        tmp_path, tiny_imagefolder):
    """Equal to 1e-4 (relative) rather than bit for bit: cuDNN's
    convolution backward may sum in another order from run to run (atomic
    adds), and mmengine's deterministic mode would also stop at the
    backward of adaptive average pooling, which has no deterministic CUDA
    kernel. The CPU test (tests/test_tools/test_train_resume.py) is
    bit-identical."""
    teacher = save_tiny_teacher(tmp_path / 'teacher.pth')
    uninterrupted, stopped, _ = run_stopped_and_resumed(
        UNINTERRUPTED, KILLED, tmp_path, tiny_imagefolder,
        f'model.teacher_ckpt={teacher}')
    whole = torch.load(uninterrupted / 'iter_4.pth', map_location='cpu')
    resumed = torch.load(stopped / 'iter_4.pth', map_location='cpu')
    student = [k for k in whole['state_dict']
               if k.startswith('architecture.')]
    assert student
    for key in student:
        torch.testing.assert_close(resumed['state_dict'][key],
                                   whole['state_dict'][key], rtol=1e-4,
                                   atol=1e-6, msg=key)
