"""Train a model (distillation or plain) with mmengine's Runner.

Same flags as OpenMMLab's train scripts. ``dist_kd_mm`` is imported before
anything of mmrazor so that its torch compatibility fixes are in place.
"""
import argparse

from mmengine.config import Config

import dist_kd_mm  # noqa: F401  (must precede every mmrazor import)
from dist_kd_mm.apis import add_common_arguments, build_runner, load_config


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
