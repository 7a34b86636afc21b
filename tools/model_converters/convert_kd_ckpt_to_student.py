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

import torch

import dist_kd_mm  # noqa: F401  (lets torch.load read mmengine checkpoints)
from dist_kd_mm.apis import student_checkpoint


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Keep only the student of a distillation checkpoint')
    parser.add_argument('checkpoint', help='distillation checkpoint (.pth)')
    parser.add_argument(
        '--out', help='output file (default: <checkpoint>_student.pth)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    out = args.out or osp.splitext(args.checkpoint)[0] + '_student.pth'
    checkpoint = torch.load(args.checkpoint, map_location='cpu')
    student = student_checkpoint(checkpoint)
    torch.save(student, out)
    print(f'{len(student["state_dict"])} student tensors '
          f'(of {len(checkpoint["state_dict"])}) written to {out}')


if __name__ == '__main__':
    main()
