"""Train a model (distillation or plain) with mmengine's Runner.

Same flags as OpenMMLab's train scripts. ``dist_kd_mm`` is imported before
anything of mmrazor so that its torch compatibility fixes are in place.
``tools/test.py`` shares this script's common flags and runner.
"""
import argparse
import difflib
import glob
import os
import os.path as osp
import pickle
import warnings
from typing import Any, Optional

import torch
from mmengine.config import Config, DictAction
from mmengine.runner import Runner, find_latest_checkpoint

import dist_kd_mm  # noqa: F401  (must precede every mmrazor import)
from dist_kd_mm.compat import setup_cpu_distributed


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """``--work-dir``, ``--cfg-options``, ``--launcher``, ``--local_rank``."""
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, key=value pairs; every key '
        'must exist in the config, a leading + adds a new one (+key=value)')
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
        cfg.merge_from_dict(checked_options(cfg, args.cfg_options))
    cfg.work_dir = resolve_work_dir(cfg.get('work_dir', None), args.work_dir,
                                    args.config)
    return cfg


def checked_options(cfg: Config, options: dict[str, Any]) -> dict[str, Any]:
    """``--cfg-options`` whose keys exist in ``cfg``; a key with a leading
    ``+`` may be new (the ``+`` is dropped).

    Raises:
        KeyError: a key (or a part of its path) is not in the config; the
            message names the closest existing key.
    """
    checked, tree = {}, cfg.to_dict()
    for key, value in options.items():
        if key.startswith('+'):
            checked[key[1:]] = value
            continue
        checked[key] = value
        node, path = tree, []
        for part in key.split('.'):
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif (isinstance(node, (list, tuple)) and part.isdigit()
                  and int(part) < len(node)):
                node = node[int(part)]
            else:
                raise KeyError(missing_key_message(key, node, path, part))
            path.append(part)
    return checked


def missing_key_message(key: str, node: Any, path: list[str],
                        part: str) -> str:
    """Why ``key`` of ``--cfg-options`` is not in the config, with the
    closest existing key."""
    where = '.'.join(path) or 'the config'
    message = (f'--cfg-options: {key!r} is not a key of the config '
               f'({part!r} is not in {where})')
    candidates = [str(k) for k in node] if isinstance(node, dict) else []
    closest = difflib.get_close_matches(part, candidates, n=1, cutoff=0.6)
    if closest:
        message += f'; did you mean {".".join(path + closest)!r}?'
    return message + f' (to add a new key, write +{key}=...)'


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
