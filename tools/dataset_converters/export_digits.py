"""Export scikit-learn's digits as an image folder (no download needed).

    python tools/dataset_converters/export_digits.py data/digits

The 1,797 real 8x8 grey images (10 classes) ship inside scikit-learn. They
are written as ``root/{train,val}/<digit>/<n>.png``, the layout mmpretrain's
``CustomDataset`` reads (configs/mmpretrain/digits/,
configs/distill/mmpretrain/*/*digits.py).
"""
import argparse
import os
import os.path as osp
from typing import Optional

import numpy as np
from PIL import Image


def stratified_split(labels: np.ndarray, val_fraction: float,
                     seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a fixed train/val split with every class in both parts."""
    rng = np.random.default_rng(seed)
    train, val = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        num_val = max(1, int(round(len(members) * val_fraction)))
        val.extend(members[:num_val])
        train.extend(members[num_val:])
    return np.sort(np.array(train)), np.sort(np.array(val))


def export_digits(root: str,
                  val_fraction: float = 0.2,
                  seed: int = 0,
                  limit: Optional[int] = None,
                  train_per_class: Optional[int] = None) -> dict[str, int]:
    """Write the digits to ``root`` and return the image count per split.

    Args:
        root: output folder; existing files of the same names are replaced.
        val_fraction: share of each class that goes to ``val``.
        seed: seed of the split (the split is fixed for a given seed).
        limit: keep only the first ``limit`` images (for quick runs).
        train_per_class: keep only this many training images of each class
            (a fixed, stratified low-data subset of the training split; the
            validation split is unchanged). Defaults to all.

    Pixel values 0..16 are scaled to 0..255 (8-bit grey PNG).
    """
    from sklearn.datasets import load_digits
    digits = load_digits()
    images, labels = digits.images, digits.target
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    train, val = stratified_split(labels, val_fraction, seed)
    if train_per_class is not None:
        rng = np.random.default_rng(seed)
        train = np.sort(np.concatenate([
            rng.permutation(train[labels[train] == label])[:train_per_class]
            for label in np.unique(labels)
        ]))
    pixels = np.clip(np.rint(images * (255.0 / 16.0)), 0, 255).astype(np.uint8)
    for split, indices in (('train', train), ('val', val)):
        for index in indices:
            folder = osp.join(root, split, str(labels[index]))
            os.makedirs(folder, exist_ok=True)
            Image.fromarray(pixels[index], mode='L').save(
                osp.join(folder, f'{index:04d}.png'))
    return {'train': len(train), 'val': len(val)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', nargs='?', default='data/digits')
    parser.add_argument('--val-fraction', type=float, default=0.2)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--train-per-class', type=int, default=None)
    args = parser.parse_args()
    counts = export_digits(args.root, args.val_fraction, args.seed,
                           train_per_class=args.train_per_class)
    print(f'{counts["train"]} train and {counts["val"]} val images '
          f'written to {args.root}')


if __name__ == '__main__':
    main()
