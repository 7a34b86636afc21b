"""Train a model (distillation or plain) with mmengine's Runner.

Same flags as OpenMMLab's train scripts. ``dist_kd_mm`` is imported before
anything of mmrazor so that its torch compatibility fixes are in place.
``tools/test.py`` shares this script's common flags and runner.
"""
import argparse
import os
import os.path as osp
from typing import Optional

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import dist_kd_mm  # noqa: F401  (must precede every mmrazor import)
from dist_kd_mm.compat import setup_cpu_distributed


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """``--work-dir``, ``--cfg-options``, ``--launcher``, ``--local_rank``."""
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, key=value pairs')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_config(args: argparse.Namespace) -> Config:
    """Read ``args.config`` and apply the common flags to it."""
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = resolve_work_dir(cfg.get('work_dir', None), args.work_dir,
                                    args.config)
    return cfg


def resolve_work_dir(from_config: Optional[str], from_cli: Optional[str],
                     config_path: str) -> str:
    """CLI beats config; default ``./work_dirs/<config name>``."""
    if from_cli is not None:
        return from_cli
    if from_config is not None:
        return from_config
    return osp.join('./work_dirs', osp.splitext(osp.basename(config_path))[0])


def build_runner(cfg: Config) -> Runner:
    """The config's ``runner_type`` if it names one, else mmengine's."""
    setup_cpu_distributed(cfg)  # no CUDA: gloo and DDP without devices
    if 'runner_type' in cfg:
        from mmengine.registry import RUNNERS
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)




def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--amp', action='store_true',
        help='enable automatic mixed precision training (AmpOptimWrapper)')
    parser.add_argument(
        '--auto-scale-lr', action='store_true',
        help='scale the learning rate by the actual total batch size')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the given checkpoint, or from the latest '
        'checkpoint in the work dir if no path is given')
    add_common_arguments(parser)
    return parser.parse_args()


def apply_train_flags(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply ``--amp``, ``--auto-scale-lr`` and ``--resume``."""
    if args.amp:
        optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if optim_wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise ValueError('--amp replaces optim_wrapper.type, which must '
                             f'be OptimWrapper, got {optim_wrapper!r}')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.auto_scale_lr:
        if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
            raise KeyError('--auto-scale-lr needs auto_scale_lr.'
                           'base_batch_size in the config')
        cfg.auto_scale_lr.enable = True
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    return cfg


def main() -> None:
    args = parse_args()
    cfg = apply_train_flags(load_config(args), args)
    build_runner(cfg).train()


if __name__ == '__main__':
    main()
