"""What ``tools/train.py`` and ``tools/test.py`` share: the common flags,
the config with ``--cfg-options`` checked against it, and the runner."""
import argparse
import difflib
import os
import os.path as osp
from typing import Any, Optional

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

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
