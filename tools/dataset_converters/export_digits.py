"""Export scikit-learn's digits as an image folder (no download needed).

    python tools/dataset_converters/export_digits.py data/digits

writes data/digits/{train,val}/<digit>/<n>.png, which the digits configs
(configs/mmpretrain/digits/, configs/distill/mmpretrain/*/*digits.py) read.
"""
import argparse

from dist_kd_mm.datasets import export_digits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', nargs='?', default='data/digits')
    parser.add_argument('--val-fraction', type=float, default=0.2)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    counts = export_digits(args.root, args.val_fraction, args.seed)
    print(f'{counts["train"]} train and {counts["val"]} val images '
          f'written to {args.root}')


if __name__ == '__main__':
    main()
