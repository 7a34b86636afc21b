"""Train a model (distillation or plain) with mmengine's Runner.

Same flags as OpenMMLab's train scripts. ``dist_kd_mm`` is imported before
anything of mmrazor so that its torch compatibility fixes are in place; its
``engine.runner.launch`` holds the flags and the runner that
``tools/test.py`` shares.
"""
import argparse
import glob
import os.path as osp
import pickle
import warnings
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.runner import find_latest_checkpoint

import dist_kd_mm  # noqa: F401  (must precede every mmrazor import)
from dist_kd_mm.engine.runner.launch import (
    add_common_arguments,
    build_runner,
    load_config,
)


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
        cfg.load_from = intact_latest_checkpoint(cfg.work_dir)
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    return cfg


def read_error(path: str) -> Optional[Exception]:
    """Why ``path`` cannot be read as a checkpoint (None if it can). The
    file's structure is read, not its tensors (``mmap``): a truncated file
    fails. A file torch reads but refuses to unpickle counts as readable:
    the runner then reports that."""
    try:
        torch.load(path, map_location='cpu', mmap=True)
    except pickle.UnpicklingError:
        return None
    except Exception as error:
        return error
    return None


def intact_latest_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``--resume`` resumes from: the latest one of
    ``work_dir``, or, if it cannot be read (cut short by a full disk or a
    kill during the write), the newest one that can, with a warning that
    names both. Nothing is deleted. None when there is none (a new run).

    Raises:
        RuntimeError: no checkpoint of ``work_dir`` can be read.
    """
    latest = find_latest_checkpoint(work_dir) if osp.isdir(work_dir) else None
    if latest is None:
        return None
    error = read_error(latest)
    if error is None:
        return latest
    others = sorted((path for path in glob.glob(osp.join(work_dir, '*.pth'))
                     if osp.abspath(path) != osp.abspath(latest)),
                    key=osp.getmtime, reverse=True)
    for path in others:
        if read_error(path) is None:
            warnings.warn(f'--resume: the latest checkpoint {latest} cannot '
                          f'be read ({error}); resuming from {path}, the '
                          'newest one that can. No file was deleted.',
                          stacklevel=2)
            return path
    raise RuntimeError(f'--resume: no checkpoint in {work_dir} can be read; '
                       f'the latest, {latest}, fails with: {error}')


def main() -> None:
    args = parse_args()
    cfg = apply_train_flags(load_config(args), args)
    build_runner(cfg).train()


if __name__ == '__main__':
    main()
