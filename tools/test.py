"""Test (evaluate) a checkpoint with mmengine's Runner.

``dist_kd_mm`` is imported before anything of mmrazor so that its torch
compatibility fixes are in place; the common flags and the runner are those
of ``tools/train.py`` (``dist_kd_mm.engine.runner.launch``).
"""
import argparse

from mmengine.config import Config

import dist_kd_mm  # noqa: F401  (must precede every mmrazor import)
from dist_kd_mm.engine.runner.launch import (
    add_common_arguments,
    build_runner,
    load_config,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out', help='dump the predictions to this pickle file (.pkl)')
    add_common_arguments(parser)
    return parser.parse_args()


def apply_test_flags(cfg: Config, args: argparse.Namespace) -> Config:
    """Load ``args.checkpoint``; with ``--out`` also dump the predictions."""
    cfg.load_from = args.checkpoint
    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--out must end with .pkl, got {args.out!r}')
        evaluators = cfg.test_evaluator
        evaluators = [evaluators] if isinstance(evaluators,
                                                dict) else list(evaluators)
        evaluators.append(dict(type='DumpResults', out_file_path=args.out))
        cfg.test_evaluator = evaluators
    return cfg


def main() -> None:
    args = parse_args()
    cfg = apply_test_flags(load_config(args), args)
    build_runner(cfg).test()


if __name__ == '__main__':
    main()
