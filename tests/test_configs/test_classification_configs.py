"""Every classification config builds and trains one iteration.

Models are built through the registries from the real config files (teacher
checkpoint settings cleared, nothing downloaded) and take one optimizer step
on small random images.
"""
import copy
import glob
import math
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from mmengine.config import Config, ConfigDict
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope
from mmpretrain.registry import DATASETS
from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS
from mmrazor.registry import MODELS as MMRAZOR_MODELS

from dist_kd_mm import SingleTeacherDistill
from helpers import REPO_ROOT
from helpers.classification_batches import random_classification_batch

CONFIGS = osp.join(REPO_ROOT, 'configs')
DISTILL_CONFIGS = sorted(
    glob.glob(osp.join(CONFIGS, 'distill', 'mmpretrain', '*', '*.py')))
DISTILL_CONFIGS = [c for c in DISTILL_CONFIGS if '/_base_/' not in c]
PLAIN_CONFIGS = sorted(
    path for path in glob.glob(
        osp.join(CONFIGS, 'mmpretrain', '**', '*.py'), recursive=True)
    if '/_base_/' not in path)


def config_id(path):
    return osp.relpath(path, CONFIGS)


def build_distill_model(cfg, size=None):
    """The config's algorithm, teacher checkpoint cleared; with ``size``, a
    teacher that expects a fixed size takes batches of ``size`` pixels
    (``teacher_input`` keeps its normalization, which the config shares;
    tests/test_models/test_algorithms/test_teacher_input.py tests the size
    check and the resizing)."""
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.teacher_ckpt = None
    if size:
        model_cfg.teacher_input = dict(size=size)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        return MMRAZOR_MODELS.build(model_cfg)


def num_classes_of(cfg):
    return cfg.model.distiller and (
        cfg.model.data_preprocessor.get('num_classes'))


def one_train_step(model, preprocessor_cfg, size=32):
    """One optimizer step on random images shaped for the preprocessor."""
    optim_wrapper = OptimWrapper(
        torch.optim.SGD([p for p in model.parameters() if p.requires_grad],
                        lr=0.01))
    model.train()
    batch = random_classification_batch(
        size=size, channels=len(preprocessor_cfg.mean),
        num_classes=preprocessor_cfg.num_classes)
    log_vars = model.train_step(batch, optim_wrapper)
    return {key: float(torch.as_tensor(value).detach())
            for key, value in log_vars.items()}


@pytest.mark.parametrize('path', DISTILL_CONFIGS, ids=config_id)
def test_distill_config_trains_one_iteration(path):
    cfg = Config.fromfile(path)
    # mmrazor's algorithm with the teacher checkpoint verified on loading
    assert cfg.model.type == 'dist_kd_mm.SingleTeacherDistill'
    assert cfg.model.teacher_ckpt, 'a distillation config names its teacher'
    assert 'dist_kd_mm' in cfg.custom_imports.imports
    assert dict(type='dist_kd_mm.LeanCheckpointHook') in cfg.custom_hooks
    # Swin's 7x7 windows at stride 32 need 224 pixels; 32 suit the rest
    size = 224 if 'swin-' in osp.basename(path) else 32
    model = build_distill_model(cfg, size)
    assert isinstance(model, SingleTeacherDistill)
    teacher_before = {k: v.clone() for k, v in model.teacher.state_dict(
    ).items() if v.is_floating_point()}
    student_before = {
        k: v.clone()
        for k, v in model.architecture.state_dict().items()
        if k.endswith('weight')
    }
    log_vars = one_train_step(model, cfg.model.data_preprocessor, size)
    distill_keys = [k for k in log_vars if k.startswith('distill.')]
    assert distill_keys and 'student.loss' in log_vars
    for key, value in log_vars.items():
        assert np.isfinite(value), (key, value)
    acclimated = tuple(f'{part}.' for part in model.acclimated_parts)
    assert bool(acclimated) == osp.basename(path).startswith('dist-plus_')
    teacher_changed = {
        key for key, value in model.teacher.state_dict().items()
        if key in teacher_before and not torch.equal(value,
                                                      teacher_before[key])
    }
    assert all(key.startswith(acclimated) for key in teacher_changed)
    for part in acclimated:  # DIST+: the acclimated parts are trained
        assert any(key.startswith(part) for key in teacher_changed), part
    changed = [
        k for k, v in model.architecture.state_dict().items()
        if k in student_before and not torch.equal(v, student_before[k])
    ]
    assert changed, 'the student did not change'


@pytest.mark.parametrize('path', PLAIN_CONFIGS, ids=config_id)
def test_plain_config_trains_one_iteration(path):
    cfg = Config.fromfile(path)
    preprocessor = cfg.model.get('data_preprocessor') or ConfigDict(
        cfg.data_preprocessor, type='mmpretrain.ClsDataPreprocessor')
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MMPRETRAIN_MODELS.build(
            dict(cfg.model, data_preprocessor=preprocessor))
    log_vars = one_train_step(model, preprocessor)
    assert np.isfinite(log_vars['loss'])


def student_ce(cfg):
    """The student's cross-entropy weight (1 where its loss sets none)."""
    return cfg.model.architecture.head.loss.get('loss_weight', 1.0)


# CIFAR-100 students trained at lr 0.01 in the paper (and CRD, DKD)
MOBILE_STUDENTS = ('_mobilenet-v2_', '_shufflenet-v1_', '_shufflenet-v2_')
# DKD's published beta per CIFAR-100 pair (8 where it sets none)
DKD_BETA = {'resnet56_resnet20': 2.0, 'wrn-40-2_wrn-40-1': 6.0}


def test_distill_configs_follow_the_paper():
    for path in DISTILL_CONFIGS:
        if path.endswith('_digits.py'):
            continue  # the demo's own recipe, tested below
        cfg = Config.fromfile(path)
        name = osp.basename(path)
        losses = cfg.model.distiller.distill_losses
        cifar = 'cifar100' in name
        if name.startswith('kd_'):
            ce, kd = (0.1, 0.9) if cifar else (0.9, 1.0)  # CRD's; DIST's
            assert (losses.loss_kl.tau, losses.loss_kl.loss_weight) == (4, kd)
            assert student_ce(cfg) == ce, path
        elif name.startswith('dkd_'):
            check_dkd(cfg, name)
        else:
            loss = losses.get('loss_dist') or losses.loss_cmkd
            assert loss.type == ('dist_kd_mm.CMKDLoss' if 'cmkd_' in path
                                 else 'dist_kd_mm.DISTLoss'), path
            tau = 4.0 if cifar else 1.0
            assert (loss.tau, loss.loss_weight) == (tau, 2.0), path
            assert student_ce(cfg) == 1.0
            if name.startswith('dist-plus_'):
                check_dist_plus(cfg, losses)
            else:
                assert len(losses) == 1, path
        optimizer = cfg.optim_wrapper.optimizer
        if '8xb32_in1k' in name:  # B1
            assert (optimizer.lr, optimizer.momentum, optimizer.nesterov,
                    optimizer.weight_decay) == (0.1, 0.9, True, 1e-4)
            assert cfg.param_scheduler.milestones == [30, 60, 90]
            assert cfg.train_cfg.max_epochs == 100
            assert cfg.train_dataloader.batch_size == 32
        elif '8xb96-b2-450e_in1k' in name:
            check_b2(cfg, SWIN_L if 'swin-large_' in name else RSB_R50)
        elif '_swin-tiny_16xb64_in1k' in name:
            check_swin_tiny(cfg)
        elif cifar:
            lr = 0.01 if any(s in name for s in MOBILE_STUDENTS) else 0.05
            assert (optimizer.lr, optimizer.weight_decay) == (lr, 5e-4), path
            assert cfg.param_scheduler.milestones == [150, 180, 210]
            assert cfg.train_cfg.max_epochs == 240
            assert cfg.train_dataloader.batch_size == 64
        else:
            raise AssertionError(f'no recipe audit for {path}')


B1_CONFIGS = [p for p in DISTILL_CONFIGS + PLAIN_CONFIGS
              if p.endswith('8xb32_in1k.py')]


@pytest.mark.parametrize('path', B1_CONFIGS, ids=config_id)
def test_b1_weight_decay_spares_1d_parameters_and_biases(path):
    """The optimizer built from the config on the real model: weight decay
    1e-4 on every weight of two or more dimensions, none on 1-D parameters
    and biases (the authors' filter_bias_and_bn)."""
    from mmengine.optim import build_optim_wrapper
    cfg = Config.fromfile(path)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = (build_distill_model(cfg) if cfg.model.get('distiller')
                 else MMPRETRAIN_MODELS.build(cfg.model))
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    decay = {id(param): group['weight_decay']
             for group in optim_wrapper.optimizer.param_groups
             for param in group['params']}
    checked = {'decayed': 0, 'spared': 0}
    for name, param in model.named_parameters():
        if not param.requires_grad or name.startswith('teacher.'):
            continue  # frozen teacher; DIST+'s acclimated parts: own keys
        spared = param.ndim == 1 or name.endswith('.bias')
        assert decay[id(param)] == (0.0 if spared else 1e-4), name
        checked['spared' if spared else 'decayed'] += 1
    assert checked['decayed'] > 10 and checked['spared'] > 10, checked


RSB_R50 = 'mmpretrain::resnet/resnet50_8xb256-rsb-a1-600e_in1k.py'
SWIN_L = 'mmpretrain::swin_transformer/swin-large_16xb64_in1k.py'


def check_swin_tiny(cfg):
    """Swin-T's own mmpretrain recipe, its Mixup and CutMix carried by the
    distillation preprocessor, and the 224-pixel Swin-L teacher."""
    assert cfg.model.teacher.cfg_path == SWIN_L
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr, optimizer.weight_decay) == (
        'AdamW', 1e-3, 0.05)
    assert cfg.optim_wrapper.clip_grad.max_norm == 5.0
    assert (cfg.train_cfg.max_epochs, cfg.train_dataloader.batch_size,
            cfg.auto_scale_lr.base_batch_size) == (300, 64, 1024)
    augments = cfg.model.data_preprocessor.batch_augments.augments
    assert [a['type'] for a in augments] == ['Mixup', 'CutMix']


def check_b2(cfg, teacher):
    """The paper's strong ImageNet recipe."""
    assert cfg.model.teacher.cfg_path == teacher
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr, optimizer.eps, optimizer.alpha,
            optimizer.momentum, optimizer.weight_decay) == (
                'dist_kd_mm.RMSpropTF', 0.048, 1e-3, 0.9, 0.9, 1e-5)
    assert cfg.train_dataloader.batch_size == 96
    assert cfg.auto_scale_lr.base_batch_size == 8 * 96
    assert cfg.train_cfg.max_epochs == 450
    warmup, decay = cfg.param_scheduler
    assert (warmup.type, warmup.end, warmup.by_epoch) == ('LinearLR', 4, True)
    assert not warmup.get('convert_to_iter_based')  # stepped per epoch
    assert (decay.type, decay.gamma) == ('MultiStepLR', 0.97)
    assert cfg.default_hooks.ema.type == 'EMAHook'
    assert cfg.default_hooks.ema.momentum == 1e-4  # decay 0.9999
    assert cfg.default_hooks.ema.update_buffers  # BN statistics averaged
    head = cfg.model.architecture.head
    if cfg.model.architecture.backbone.type == 'MobileNetV2':
        # torchvision's MobileNet V2 (the authors' student) has dropout 0.2
        assert head.type == 'dist_kd_mm.DropoutLinearClsHead'
        assert head.dropout_rate == 0.2
    else:
        # their builder passes no dropout to torchvision's or timm's models
        assert head.type == 'LinearClsHead'
    assert (head.loss.type, head.loss.label_smooth_val) == ('LabelSmoothLoss',
                                                            0.1)
    transforms = {t.type: t for t in cfg.train_dataloader.dataset.pipeline}
    augment = transforms['RandAugment']
    assert (augment.magnitude_level, augment.magnitude_std,
            augment.total_level) == (9, 0.5, 10)
    assert transforms['RandomErasing'].erase_prob == 0.2


def authors_b2_lr(iteration, iters_per_epoch, base=0.048, warmup_lr=1e-6):
    """The learning rate of the authors' B2 runs at a 0-based iteration.

    Their scheduler is stepped after every iteration with the count of
    iterations done: 3 warm-up epochs that move by one third of the way at
    each epoch start, then torch's StepLR in closed form, with a step of 2.4
    epochs in iterations, counted from the iteration after warm-up.
    """
    warmup = 3 * iters_per_epoch
    if iteration <= warmup:
        return warmup_lr + (base - warmup_lr) * (
            iteration // iters_per_epoch) / 3
    return base * 0.97**math.floor(
        (iteration - warmup - 1) / (2.4 * iters_per_epoch))


def b2_epoch_lrs(cfg, iters_per_epoch):
    """The learning rate of each epoch of a B2 config, from its schedulers
    built and stepped as the Runner's ParamSchedulerHook steps them."""
    from mmengine.optim import OptimWrapper
    from mmengine.registry import PARAM_SCHEDULERS
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))],
                                lr=cfg.optim_wrapper.optimizer.lr)
    wrapper = OptimWrapper(optimizer)
    schedulers = [
        PARAM_SCHEDULERS.build(
            dict(copy.deepcopy(c), optimizer=wrapper),
            default_args=dict(epoch_length=iters_per_epoch))
        for c in cfg.param_scheduler
    ]
    lrs = []
    for _ in range(cfg.train_cfg.max_epochs):
        lrs.append(optimizer.param_groups[0]['lr'])
        for step in range(iters_per_epoch):
            for scheduler in schedulers:
                if not scheduler.by_epoch:
                    scheduler.step()
            # the lr must not move inside an epoch
            assert optimizer.param_groups[0]['lr'] == lrs[-1] or (
                step == iters_per_epoch - 1)
        for scheduler in schedulers:
            if scheduler.by_epoch:
                scheduler.step()
    return lrs


@pytest.mark.parametrize('iters_per_epoch', [1669, 5005])
def test_b2_schedule_starts_every_epoch_at_the_authors_lr(iters_per_epoch):
    """Each epoch of the B2 configs starts at the learning rate the authors'
    scheduler gives that iteration (8 x 96 images: 1669 iterations per
    epoch; 5005 for 256 per iteration); inside an epoch the authors' decay
    may come earlier, which costs at most one 0.97 step over part of one
    epoch and 1% of the summed learning rate."""
    cfg = Config.fromfile(osp.join(
        CONFIGS, 'distill', 'mmpretrain', 'dist',
        'dist_logits_resnet50-rsb_resnet18_8xb96-b2-450e_in1k.py'))
    lrs = b2_epoch_lrs(cfg, iters_per_epoch)
    theirs = [[authors_b2_lr(e * iters_per_epoch + i, iters_per_epoch)
               for i in range(iters_per_epoch)] for e in range(450)]
    for epoch in range(450):
        assert lrs[epoch] == pytest.approx(theirs[epoch][0],
                                           rel=1e-9), epoch
        assert min(theirs[epoch]) >= 0.97 * lrs[epoch] * (1 - 1e-9), epoch
    assert lrs[:4] == pytest.approx([1e-6, 0.016000667, 0.032000333, 0.048])
    summed = sum(sum(t) / iters_per_epoch for t in theirs)
    assert sum(lrs) == pytest.approx(summed, rel=0.01)


def check_dkd(cfg, name):
    """DKD's published settings through mmrazor's DKDLoss, batch-averaged."""
    losses = cfg.model.distiller.distill_losses
    assert set(losses) == {'loss_dkd'}
    loss = losses.loss_dkd
    assert (loss.type, loss.reduction, loss.loss_weight) == (
        'mmrazor.DKDLoss', 'batchmean', 1.0)
    assert student_ce(cfg) == 1.0
    mapping = cfg.model.distiller.loss_forward_mappings.loss_dkd
    assert mapping.gt_labels == dict(from_student=True, recorder='gt_labels',
                                     data_idx=1)
    warmups = [h for h in cfg.custom_hooks
               if h.type == 'dist_kd_mm.DistillLossWarmupHook']
    if 'cifar100' in name:
        pair = name.removeprefix('dkd_logits_').removesuffix(
            '_1xb64_cifar100.py')
        assert (loss.tau, loss.alpha, loss.beta) == (
            4.0, 1.0, DKD_BETA.get(pair, 8.0)), name
        assert warmups == [dict(type='dist_kd_mm.DistillLossWarmupHook',
                                loss_names=['loss_dkd'], warmup_epochs=20)]
    else:
        assert (loss.tau, loss.alpha, loss.beta) == (1.0, 1.0, 0.5), name
        assert warmups == []  # DKD's 1-epoch warm-up is no ramp


def check_dist_plus(cfg, losses):
    """DIST+ on ImageNet and CIFAR-100: channel 1, spatial 1 through a 1x1
    connector, and the acclimated teacher's parts at a learning rate that
    paramwise_cfg sets."""
    assert set(losses) == {'loss_dist', 'loss_feature'}
    feature = losses.loss_feature
    assert (feature.type, feature.channel_weight, feature.spatial_weight,
            feature.loss_weight) == ('dist_kd_mm.DISTFeatureLoss', 1.0, 1.0,
                                     1.0)
    connector = cfg.model.distiller.connectors.feature_s
    assert (connector.type, connector.kernel_size) == ('ConvModuleConnector',
                                                       1)
    mapping = cfg.model.distiller.loss_forward_mappings.loss_feature
    assert mapping.preds_S.connector == 'feature_s'
    acclimation = cfg.model.teacher_acclimation
    assert acclimation.parts[-1] == 'head'
    assert acclimation.loss.type == 'dist_kd_mm.AcclimationLoss'
    keys = cfg.optim_wrapper.paramwise_cfg.custom_keys
    assert keys == {'teacher.': {'lr_mult': 0.1}}


def test_digits_demo_configs():
    for method in ('dist', 'kd', 'cmkd', 'dist-plus'):
        prefix = method if method == 'dist-plus' else f'{method}_logits'
        cfg = Config.fromfile(
            osp.join(CONFIGS, 'distill', 'mmpretrain', method,
                     f'{prefix}_resnet20_resnet8-w2_1xb64_digits.py'))
        losses = cfg.model.distiller.distill_losses
        if method == 'kd':
            assert losses.loss_kl.tau == 4
            assert student_ce(cfg) == 0.9
        else:
            loss = losses.get('loss_dist') or losses.loss_cmkd
            assert (loss.tau, loss.loss_weight) == (1.0, 2.0)
        if method == 'dist-plus':
            check_dist_plus(cfg, losses)
        backbone = cfg.model.architecture.backbone
        assert (backbone.depth, backbone.base_channels,
                backbone.in_channels) == (8, 2, 1)
        assert cfg.model.teacher.cfg_path.endswith('resnet20_1xb64_digits.py')
        assert cfg.model.teacher_ckpt == \
            'work_dirs/resnet20_1xb64_digits/epoch_100.pth'
        assert (cfg.train_cfg.max_epochs, cfg.train_cfg.val_interval) == (
            100, 10)


DIST_R34_R18 = osp.join(CONFIGS, 'distill', 'mmpretrain', 'dist',
                        'dist_logits_resnet34_resnet18_8xb32_in1k.py')


def test_wrong_recorder_source_is_named():
    cfg = Config.fromfile(DIST_R34_R18)
    cfg.model.distiller.student_recorders.fc.source = 'head.fcx'
    with pytest.raises(AssertionError, match='head.fcx'):
        build_distill_model(cfg)


def test_wrong_recorder_name_in_mapping_is_named():
    cfg = Config.fromfile(DIST_R34_R18)
    mapping = cfg.model.distiller.loss_forward_mappings.loss_dist
    mapping.logits_S.recorder = 'logits'
    with pytest.raises(Exception, match='logits'):
        build_distill_model(cfg)


def write_tiny_cifar100(root, per_split=8, seed=0):
    """cifar-100-python/{train,test,meta} pickles in the official format."""
    rng = np.random.default_rng(seed)
    folder = osp.join(root, 'cifar-100-python')
    import os
    os.makedirs(folder)
    for split in ('train', 'test'):
        entry = {
            'data': rng.integers(0, 256, (per_split, 3 * 32 * 32),
                                 dtype=np.uint8),
            'fine_labels': [int(i) for i in rng.integers(0, 100, per_split)],
            'coarse_labels': [0] * per_split,
            'filenames': [f'{split}_{i}.png' for i in range(per_split)],
        }
        with open(osp.join(folder, split), 'wb') as f:
            pickle.dump(entry, f)
    with open(osp.join(folder, 'meta'), 'wb') as f:
        pickle.dump({'fine_label_names': [f'class_{i}' for i in range(100)],
                     'coarse_label_names': ['all']}, f)
    return entry


def test_cifar100_dataset_reads_tiny_pickle_through_config_pipeline(
        tmp_path, monkeypatch):
    from mmpretrain.datasets import CIFAR100

    # The loader compares md5 sums of the official archives; a test file
    # cannot match them, and an md5 of None is the loader's own "skip".
    for attribute in ('train_list', 'test_list'):
        entries = [[name, None] for name, _ in getattr(CIFAR100, attribute)]
        monkeypatch.setattr(CIFAR100, attribute, entries)
    monkeypatch.setattr(CIFAR100, 'meta', dict(CIFAR100.meta, md5=None))
    test_entry = write_tiny_cifar100(str(tmp_path))

    cfg = Config.fromfile(
        osp.join(CONFIGS, 'distill', 'mmpretrain', 'dist',
                 'dist_logits_resnet56_resnet20_1xb64_cifar100.py'))
    for loader in ('train_dataloader', 'val_dataloader'):
        dataset_cfg = copy.deepcopy(cfg[loader].dataset)
        dataset_cfg.data_root = str(tmp_path)
        with DefaultScope.overwrite_default_scope(cfg.default_scope):
            dataset = DATASETS.build(dataset_cfg)
        assert len(dataset) == 8
        assert len(dataset.metainfo['classes']) == 100
        sample = dataset[3]
        assert sample['inputs'].shape == (3, 32, 32)
        assert sample['inputs'].dtype == torch.uint8
        if loader == 'val_dataloader':  # no augmentation: pixels must match
            image = test_entry['data'][3].reshape(3, 32, 32)
            np.testing.assert_array_equal(sample['inputs'].numpy(), image)
            assert int(sample['data_samples'].gt_label) == \
                test_entry['fine_labels'][3]
