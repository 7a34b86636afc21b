"""tools/train.py's --amp on every distillation config: the optimizer
wrapper becomes mmengine's AmpOptimWrapper (dynamic loss scale) in the
config's own scope. (Building it needs a GPU; on CPU the bf16 autocast test
in test_engine/test_mixed_precision.py runs the steps.)"""
import argparse
import glob
import importlib.util
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.optim import AmpOptimWrapper
from mmengine.registry import OPTIM_WRAPPERS, DefaultScope

from helpers import REPO_ROOT, TEST_CONFIGS, run_train

DISTILL_CONFIGS = sorted(
    path for path in glob.glob(
        osp.join(REPO_ROOT, 'configs', 'distill', '*', '*', '*.py'))
    if '_base_' not in path)


def train_script():
    spec = importlib.util.spec_from_file_location(
        'train_script', osp.join(REPO_ROOT, 'tools', 'train.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def flags(**overrides) -> argparse.Namespace:
    values = dict(amp=False, auto_scale_lr=False, resume=None)
    values.update(overrides)
    return argparse.Namespace(**values)


def test_every_task_family_is_covered():
    families = {p.split(osp.sep)[-3] for p in DISTILL_CONFIGS}
    assert families == {'mmpretrain', 'mmdet', 'mmseg'}


@pytest.mark.parametrize('path', DISTILL_CONFIGS,
                         ids=[osp.basename(p) for p in DISTILL_CONFIGS])
def test_amp_flag_selects_amp_optim_wrapper(path):
    script = train_script()
    cfg = Config.fromfile(path)
    optimizer = dict(cfg.optim_wrapper.optimizer)
    cfg = script.apply_train_flags(cfg, flags(amp=True))
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.loss_scale == 'dynamic'
    assert dict(cfg.optim_wrapper.optimizer) == optimizer
    scope = cfg.optim_wrapper.get('_scope_', cfg.default_scope)
    with DefaultScope.overwrite_default_scope(scope):
        assert OPTIM_WRAPPERS.get('AmpOptimWrapper') is AmpOptimWrapper


def test_amp_flag_refuses_another_optim_wrapper():
    script = train_script()
    cfg = Config.fromfile(DISTILL_CONFIGS[0])
    cfg.optim_wrapper.type = 'ApexOptimWrapper'
    with pytest.raises(ValueError, match="got 'ApexOptimWrapper'"):
        script.apply_train_flags(cfg, flags(amp=True))
    cfg.optim_wrapper.type = 'OptimWrapper'
    assert script.apply_train_flags(
        cfg, flags()).optim_wrapper.type == 'OptimWrapper'


def test_cfg_options_keys_must_exist():
    from dist_kd_mm.engine.runner import launch as script
    cfg = Config.fromfile(osp.join(TEST_CONFIGS,
                                   'dist_tiny-resnet_imagefolder.py'))
    with pytest.raises(KeyError, match=r"'trian_cfg.max_iters'.*did you "
                       r"mean 'train_cfg'\?"):
        script.checked_options(cfg, {'trian_cfg.max_iters': 2})
    with pytest.raises(KeyError, match=r"did you mean "
                       r"'default_hooks.checkpoint.interval'\?"):
        script.checked_options(cfg, {'default_hooks.checkpoint.intervl': 4})
    with pytest.raises(KeyError, match=r'\+model.distiller.distill_losses'
                       r'.loss_dist.global_intra='):
        script.checked_options(
            cfg, {'model.distiller.distill_losses.loss_dist.global_intra':
                  True})
    assert script.checked_options(cfg, {
        'train_cfg.max_iters': 2,
        'custom_imports.imports.0': 'dist_kd_mm',
        '+model.distiller.distill_losses.loss_dist.global_intra': True,
    }) == {'train_cfg.max_iters': 2, 'custom_imports.imports.0': 'dist_kd_mm',
           'model.distiller.distill_losses.loss_dist.global_intra': True}


@pytest.mark.parametrize('option', ['trian_cfg.max_iters=2',
                                    'default_hooks.checkpoint.intervl=4'])
def test_misspelt_cfg_options_fail_before_training(option, tmp_path,
                                                   tiny_imagefolder):
    work_dir = tmp_path / 'run'
    result = run_train(osp.join(TEST_CONFIGS,
                                'dist_tiny-resnet_imagefolder.py'),
                       work_dir, tiny_imagefolder, option,
                       expected_returncode=1)
    assert 'is not a key of the config' in result.stderr
    assert 'did you mean' in result.stderr
    assert 'Iter(train)' not in result.stdout + result.stderr
    assert not list(tmp_path.rglob('*.pth'))
