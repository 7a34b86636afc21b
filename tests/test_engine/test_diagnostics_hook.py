"""DistillDiagnosticsHook: its series in a real run's scalars.json, the
same weights with it off, its values against independent formulas, the
dense and RoI families, and its warning."""
import json
import math
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from scipy.special import softmax
from scipy.stats import entropy

from dist_kd_mm.engine import DistillDiagnosticsHook
from helpers import (
    REPO_ROOT,
    TEST_CONFIGS,
    TEST_DATA,
    load_tool,
    run_train,
    set_data_root,
)
from helpers.families import family_runner

BASE = osp.join(TEST_CONFIGS, 'dist_tiny-resnet_imagefolder.py')
WITH_HOOK = osp.join(TEST_CONFIGS,
                     'dist_tiny-resnet_imagefolder_diagnostics.py')
DIST_SERIES = ['diag/dist.inter', 'diag/dist.intra', 'diag/dist.agreement',
               'diag/dist.kl', 'diag/dist.entropy_student',
               'diag/dist.entropy_teacher', 'diag/grad.fc.distill',
               'diag/grad.fc.task', 'diag/grad.fc.ratio']


def scalars(work_dir) -> list[dict]:
    log, = work_dir.glob('*/vis_data/scalars.json')
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_train_py_logs_the_series_and_trains_the_same_weights(
        tmp_path, tiny_imagefolder):
    runs = {}
    for name, config in (('on', WITH_HOOK), ('off', BASE)):
        work_dir = tmp_path / name
        work_dir.mkdir()
        run_train(config, work_dir, tiny_imagefolder)
        runs[name] = work_dir
    train = [r for r in scalars(runs['on']) if 'distill.loss_dist' in r]
    assert [r['iter'] for r in train] == [1, 2, 3, 4]
    for record in train:
        assert set(DIST_SERIES) <= record.keys(), record.keys()
        assert 0 <= record['diag/dist.agreement'] <= 1
        assert record['diag/grad.fc.distill'] > 0
        assert record['diag/grad.fc.ratio'] == pytest.approx(
            record['diag/grad.fc.distill'] / record['diag/grad.fc.task'])
    # the logged loss of iteration 1 is that iteration's alone: its terms
    # add up to it
    first = train[0]
    assert first['diag/dist.inter'] + first['diag/dist.intra'] == \
        pytest.approx(first['distill.loss_dist'], rel=1e-5)
    assert not any('diag/' in key for r in scalars(runs['off']) for key in r)
    # the hook reads the step and changes nothing: equal weights
    on = torch.load(runs['on'] / 'iter_4.pth', map_location='cpu')
    off = torch.load(runs['off'] / 'iter_4.pth', map_location='cpu')
    assert on['state_dict'].keys() == off['state_dict'].keys()
    for key, value in off['state_dict'].items():
        assert torch.equal(on['state_dict'][key], value), key


class Capture(Hook):
    """Keeps each iteration's student and teacher logits and labels."""

    def __init__(self, model):
        self.student, self.teacher, self.labels = [], [], []
        model.architecture.head.fc.register_forward_hook(
            lambda m, i, o: self.student.append(o.detach().double().clone())
            if m.training else None)
        model.teacher.head.fc.register_forward_hook(
            lambda m, i, o: self.teacher.append(o.detach().double().clone())
            if model.architecture.training else None)

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.labels.append(torch.stack(
            [s.gt_label for s in data_batch['data_samples']]).flatten())


def reference_dist_gradient(z_s, z_t, tau, weight):
    """d DIST / d student logits, the formula written out in float64."""
    z_s = z_s.clone().requires_grad_()
    p_s, p_t = (z_s / tau).softmax(1), (z_t / tau).softmax(1)

    def relation(a, b):
        a, b = a - a.mean(1, keepdim=True), b - b.mean(1, keepdim=True)
        r = (a * b).sum(1) / (a.norm(dim=1) * b.norm(dim=1) + 1e-8)
        return 1 - r.mean()

    loss = weight * tau**2 * (relation(p_s, p_t) + relation(p_s.T, p_t.T))
    grad, = torch.autograd.grad(loss, z_s)
    return grad


def test_values_match_independent_formulas(tmp_path, tiny_imagefolder):
    cfg = Config.fromfile(WITH_HOOK)
    set_data_root(cfg, tiny_imagefolder)
    cfg.work_dir = str(tmp_path)
    runner = Runner.from_cfg(cfg)
    capture = Capture(runner.model)
    runner.register_hook(capture, priority='LOWEST')
    runner.train()
    history = {key[len('train/'):]: runner.message_hub.get_scalar(key).data[0]
               for key in runner.message_hub.log_scalars
               if key.startswith('train/diag/')}
    assert set(DIST_SERIES) <= history.keys()
    loss = runner.model.distiller.distill_losses.loss_dist
    for i, (z_s, z_t, labels) in enumerate(
            zip(capture.student, capture.teacher, capture.labels)):
        s, t = z_s.numpy(), z_t.numpy()
        p_s, p_t = softmax(s, axis=1), softmax(t, axis=1)
        expected = {
            'agreement': np.mean(s.argmax(1) == t.argmax(1)),
            'kl': np.mean([entropy(a, b) for a, b in zip(p_t, p_s)]),
            'entropy_student': np.mean([entropy(row) for row in p_s]),
            'entropy_teacher': np.mean([entropy(row) for row in p_t]),
        }
        for name, value in expected.items():
            assert history[f'diag/dist.{name}'][i] == pytest.approx(
                value, rel=1e-6, abs=1e-9), name
        distill = reference_dist_gradient(z_s, z_t, loss.tau,
                                          loss.loss_weight)
        # mmpretrain's mean cross-entropy: (softmax - one-hot) / N
        task = (torch.from_numpy(p_s) -
                torch.nn.functional.one_hot(labels, s.shape[1])) / len(s)
        assert history['diag/grad.fc.distill'][i] == pytest.approx(
            float(distill.norm()), rel=1e-4)
        assert history['diag/grad.fc.task'][i] == pytest.approx(
            float(task.norm()), rel=1e-4)
    assert len(capture.student) == len(history['diag/dist.kl']) == 4


@pytest.mark.parametrize('family,loss_name,series', [
    ('segmentation', 'loss_dist', 'dist'),
    ('two-stage', 'loss_dist', 'dist'),
    ('retinanet', 'loss_dist_p3', 'dist_p3'),
])
def test_dense_and_roi_runs_log_per_pixel_and_per_roi_series(
        family, loss_name, series, tmp_path, request):
    runner = family_runner(family, request, tmp_path, max_iters=2)
    # the shipped configs have the hook
    assert any(isinstance(hook, DistillDiagnosticsHook)
               for hook in runner.hooks)
    calls = []
    loss = runner.model.distiller.distill_losses[loss_name]
    loss.register_forward_pre_hook(
        lambda m, args, kwargs: calls.append(kwargs), with_kwargs=True)
    runner.train()
    hub = runner.message_hub
    agreement = hub.get_scalar(f'train/diag/{series}.agreement').data[0]
    assert len(agreement) == len(calls) == 2
    # agreement over the rows the loss sees: every valid pixel, every
    # anchor of every position, every RoI
    z_s, z_t, mask = loss.instances(**calls[-1])
    same = (z_s.argmax(2) == z_t.argmax(2)).double()
    if mask is not None:
        assert float(mask.sum()) < mask.numel()  # ignored pixels exist
        expected = float((same * mask[:, :, 0]).sum() /
                         (mask.sum() * same.shape[1]))
    else:
        expected = float(same.mean())
    assert agreement[-1] == pytest.approx(expected, rel=1e-6)
    for name in ('kl', 'entropy_student', 'entropy_teacher', 'inter',
                 'intra'):
        assert np.isfinite(hub.get_scalar(f'train/diag/{series}.{name}')
                           .current()), name
    recorder = loss_forward_recorder(runner, loss_name)
    for source in ('distill', 'task'):
        assert hub.get_scalar(
            f'train/diag/grad.{recorder}.{source}').current() > 0


def loss_forward_recorder(runner, loss_name):
    mappings = runner.model.distiller.loss_forward_mappings[loss_name]
    return next(m['recorder'] for m in mappings.values()
                if m['from_student'])


DIGITS = osp.join(REPO_ROOT, 'configs', 'mmpretrain', 'digits',
                  'resnet20_1xb64_digits.py')
DIGITS_DIST = osp.join(REPO_ROOT, 'configs', 'distill', 'mmpretrain', 'dist',
                       'dist_logits_resnet20_resnet8-w2_1xb64_digits.py')


def digits_cfg(path, data_root, work_dir, epochs):
    cfg = Config.fromfile(path)
    set_data_root(cfg, data_root)
    cfg.train_cfg.max_epochs = epochs
    cfg.train_cfg.val_interval = epochs + 1  # no validation
    cfg.param_scheduler.T_max = epochs
    cfg.default_hooks.checkpoint.interval = epochs
    cfg.work_dir = str(work_dir)
    return cfg


@pytest.fixture(scope='module')
def digits_teacher(tmp_path_factory):
    """scikit-learn's digits (30 training images per class) and a ResNet-20
    teacher trained on them by the demo's config (20 epochs)."""
    root = tmp_path_factory.mktemp('digits')
    load_tool('dataset_converters/export_digits.py').export_digits(
        str(root / 'data'), train_per_class=30)
    cfg = digits_cfg(DIGITS, str(root / 'data'), root / 'teacher', 20)
    # the Runner makes its scope the default; a module fixture runs outside
    # conftest's per-test restoring of it
    saved = DefaultScope._instance_dict.copy()
    try:
        Runner.from_cfg(cfg).train()
    finally:
        DefaultScope._instance_dict = saved
    return str(root / 'data'), str(root / 'teacher' / 'epoch_20.pth')


def hook_warnings(cfg) -> list[str]:
    """Train; the hook's warnings in the run's log file."""
    runner = Runner.from_cfg(cfg)
    runner.train()
    log = osp.join(runner.log_dir, f'{runner.timestamp}.log')
    with open(log) as f:
        return [line for line in f if 'DistillDiagnosticsHook:' in line]


@pytest.mark.parametrize('tau,loss_weight,warns', [(4.0, 2.0, True),
                                                   (1.0, 2.0, False),
                                                   (4.0, 0.125, False)])
def test_warns_once_when_the_student_is_thrown_off_its_teacher(
        tau, loss_weight, warns, digits_teacher, tmp_path):
    """The digits experiment's collapse (DIST at tau 4 with loss weight 2,
    32x on the relations, at lr 0.1) is named at the first measurement; tau
    1, or tau 4 at the same scale as tau 1, trains without it."""
    data_root, teacher = digits_teacher
    cfg = digits_cfg(DIGITS_DIST, data_root, tmp_path, 3)
    cfg.model.teacher_ckpt = teacher
    cfg.model.distiller.distill_losses.loss_dist.update(
        tau=tau, loss_weight=loss_weight)
    caught = hook_warnings(cfg)
    if not warns:
        assert caught == []
        return
    assert len(caught) == 1, caught
    # at the first iteration measured: the logger's, at the end of the
    # first epoch (5 batches of 64)
    assert 'at iteration 5 ' in caught[0] and 'dist.kl' in caught[0]
    assert "'fc'" in caught[0] and 'loss_weight' in caught[0]


def test_the_warning_rule():
    """KL above a uniform student's (log C - H(teacher)) by log C."""
    from dist_kd_mm.engine.hooks.diagnostics_hook import thrown_off_teacher
    uniform_kl = math.log(10) - 0.5
    assert not thrown_off_teacher(uniform_kl, 0.5, 10)
    assert not thrown_off_teacher(uniform_kl + math.log(10) - 1e-6, 0.5, 10)
    assert thrown_off_teacher(uniform_kl + math.log(10) + 1e-6, 0.5, 10)


def test_bad_uses_are_named(tmp_path, tiny_imagefolder):
    with pytest.raises(ValueError, match='interval'):
        DistillDiagnosticsHook(interval=0)
    cfg = Config.fromfile(osp.join(TEST_CONFIGS,
                                   'tiny-resnet18_imagefolder.py'))
    set_data_root(cfg, tiny_imagefolder)
    cfg.custom_hooks = [dict(type='dist_kd_mm.DistillDiagnosticsHook')]
    cfg.custom_imports = dict(imports=['dist_kd_mm'])
    cfg.work_dir = str(tmp_path)
    with pytest.raises(TypeError, match='no mmrazor distiller'):
        Runner.from_cfg(cfg).train()


def test_an_amp_run_with_an_overflow_trains_the_same_weights(
        tmp_path, tiny_imagefolder, monkeypatch):
    """Under (CPU-emulated) AMP, with the teacher overflowing at the second
    iteration (the losses return NaN and the scaler skips the step), the
    hook measures every step and changes nothing."""
    monkeypatch.syspath_prepend(TEST_DATA)  # the config's cpu_amp module
    states, hubs = [], []
    for hook in (True, False):
        cfg = Config.fromfile(osp.join(
            TEST_CONFIGS, 'dist_tiny-resnet_imagefolder_cpu-amp.py'))
        set_data_root(cfg, tiny_imagefolder)
        if hook:
            cfg.custom_hooks.append(
                dict(type='dist_kd_mm.DistillDiagnosticsHook'))
        cfg.work_dir = str(tmp_path / str(hook))
        runner = Runner.from_cfg(cfg)
        runner.train()
        states.append(runner.model.state_dict())
        hubs.append(runner.message_hub)
    for key, value in states[1].items():
        assert torch.equal(states[0][key], value), key
    kl = hubs[0].get_scalar('train/diag/dist.kl').data[0]
    assert len(kl) == 4 and np.isnan(kl[1]) and np.isfinite(kl[0])
