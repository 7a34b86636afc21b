"""Write a plain checkpoint of the student of a distillation checkpoint.

    python tools/model_converters/convert_kd_ckpt_to_student.py \
        work_dirs/<distill run>/epoch_100.pth --out student.pth

The result loads into the student's own config (``tools/test.py
STUDENT_CONFIG student.pth``, ``load_from``, or as a teacher checkpoint).
mmrazor's script of the same name fails on torch >= 2.6 (its ``torch.load``
refuses mmengine's message hub); this one imports dist_kd_mm first.
"""
import argparse
import os.path as osp
from collections import OrderedDict
from typing import Any

import torch

import dist_kd_mm  # noqa: F401  (lets torch.load read mmengine checkpoints)

STUDENT_PREFIX = 'architecture.'
KEPT_META = ('epoch', 'iter', 'seed', 'mmengine_version', 'dataset_meta')


def student_checkpoint(checkpoint: dict[str, Any],
                       prefix: str = STUDENT_PREFIX) -> dict[str, Any]:
    """The student's weights and run metadata of a distillation checkpoint.

    mmrazor's ``SingleTeacherDistill`` stores the student under
    ``architecture.`` and the frozen teacher under ``teacher.``; the result
    keeps the student's entries without the prefix, drops the teacher, the
    optimizer and the message hub, and loads into the student's plain config.

    Raises:
        KeyError: the checkpoint has no ``state_dict`` or no ``prefix`` keys.
    """
    if 'state_dict' not in checkpoint:
        raise KeyError('not an mmengine checkpoint: no "state_dict" key, '
                       f'keys are {sorted(checkpoint)[:8]}')
    state_dict = checkpoint['state_dict']
    student = OrderedDict((key[len(prefix):], value)
                          for key, value in state_dict.items()
                          if key.startswith(prefix))
    if not student:
        raise KeyError(
            f'no "{prefix}*" weights in the checkpoint: is it a distillation '
            f'checkpoint? Its first keys are {list(state_dict)[:5]}')
    meta = checkpoint.get('meta', {})
    kept = {key: meta[key] for key in KEPT_META if key in meta}
    kept['converted_from'] = 'distillation checkpoint (student only)'
    return dict(meta=kept, state_dict=student)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Keep only the student of a distillation checkpoint')
    parser.add_argument('checkpoint', help='distillation checkpoint (.pth)')
    parser.add_argument(
        '--out', help='output file (default: <checkpoint>_student.pth)')
    parser.add_argument(
        '--prefix', default=STUDENT_PREFIX,
        help=f'keys to keep, without the prefix (default {STUDENT_PREFIX}, '
        'the student; teacher. keeps a full checkpoint\'s teacher)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    out = args.out or osp.splitext(args.checkpoint)[0] + '_student.pth'
    checkpoint = torch.load(args.checkpoint, map_location='cpu')
    student = student_checkpoint(checkpoint, args.prefix)
    torch.save(student, out)
    print(f'{len(student["state_dict"])} student tensors '
          f'(of {len(checkpoint["state_dict"])}) written to {out}')


if __name__ == '__main__':
    main()
