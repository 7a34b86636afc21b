"""Turn a CIFAR-100 teacher checkpoint of the DIST authors' release into an
mmpretrain ``ImageClassifier`` checkpoint of this project's CIFAR configs.

    python tools/model_converters/authors_cifar_to_mmpretrain.py \
        resnet56.pth --out resnet56_mmpretrain.pth

The authors released their CIFAR-100 teachers (DIST_KD release v0.0.2,
``cifar_ckpts.zip``). Their CIFAR models are the ones of the CRD
(RepDistiller) code base, and their names differ from this project's:

- ``resnet56``, ``resnet32x4`` (``configs/mmpretrain/cifar100/``,
  ``dist_kd_mm.CIFARResNet``): ``conv1``/``bn1`` -> ``stem.conv``/``stem.bn``,
  ``layerK`` -> ``stages.K-1``;
- ``wrn_40_2`` (``dist_kd_mm.WideResNet``): ``conv1`` -> ``stem``,
  ``blockK.layer`` -> ``stages.K-1``, ``convShortcut`` -> ``shortcut``,
  ``bn1`` -> ``final_norm``;
- ``ResNet50`` (mmpretrain's ``ResNet_CIFAR``): ``shortcut`` ->
  ``downsample``.

Every classifier (``fc``, or ``linear``) becomes ``head.fc``, and the rest
goes under ``backbone.``. Set the result as the teacher of a CIFAR
distillation config with ``--cfg-options model.teacher_ckpt=FILE``.
"""
import argparse
import os.path as osp
import re
from collections import OrderedDict

import torch

# (a key every checkpoint of the layout has, the layout's renames in order;
# the first pattern that matches a key renames it)
LAYOUTS = {
    'wrn': ('block1.layer.0.conv1.weight', (
        (r'^conv1\.', 'backbone.stem.'),
        (r'^block(\d)\.layer\.(\d+)\.convShortcut\.',
         lambda m: f'backbone.stages.{int(m[1]) - 1}.{m[2]}.shortcut.'),
        (r'^block(\d)\.layer\.',
         lambda m: f'backbone.stages.{int(m[1]) - 1}.'),
        (r'^bn1\.', 'backbone.final_norm.'),
        (r'^fc\.', 'head.fc.'),
    )),
    'resnet': ('layer1.0.conv1.weight', (
        (r'^conv1\.', 'backbone.stem.conv.'),
        (r'^bn1\.', 'backbone.stem.bn.'),
        (r'^layer(\d)\.', lambda m: f'backbone.stages.{int(m[1]) - 1}.'),
        (r'^fc\.', 'head.fc.'),
    )),
    'ResNet50': ('linear.weight', (
        (r'^(layer\d\.\d+)\.shortcut\.', r'backbone.\1.downsample.'),
        (r'^(conv1|bn1|layer\d)\.', r'backbone.\1.'),
        (r'^linear\.', 'head.fc.'),
    )),
}


def unwrap(checkpoint: dict) -> dict:
    """The state dict of a checkpoint as the authors' code loads it: under
    ``state_dict`` or ``model``, or the file itself; without ``module.``."""
    for key in ('state_dict', 'model'):
        if isinstance(checkpoint.get(key), dict):
            checkpoint = checkpoint[key]
            break
    return OrderedDict((k[len('module.'):] if k.startswith('module.') else k,
                        v) for k, v in checkpoint.items())


def layout_of(state_dict: dict) -> str:
    """Which of the authors' CIFAR teacher models the state dict is from.

    Raises:
        KeyError: none of them (e.g. a student, or an already converted file).
    """
    # ResNet50 has layer1.0.conv1 too: test it first
    for name in ('ResNet50', 'wrn', 'resnet'):
        if LAYOUTS[name][0] in state_dict:
            return name
    raise KeyError(
        'not a CIFAR teacher of the authors\' release: expected the keys of '
        'their resnet (layer1.0.conv1.weight, fc), wrn '
        '(block1.layer.0.conv1.weight) or ResNet50 (linear.weight) models; '
        f'got {list(state_dict)[:5]}')


def convert(state_dict: dict) -> OrderedDict:
    """mmpretrain ``ImageClassifier`` names for an authors' CIFAR teacher.

    Raises:
        KeyError: not one of their teacher layouts, or a key that the
            layout does not rename (named in the message).
    """
    _, renames = LAYOUTS[layout_of(state_dict)]
    converted = OrderedDict()
    for key, value in state_dict.items():
        for pattern, replacement in renames:
            new_key, count = re.subn(pattern, replacement, key, count=1)
            if count:
                break
        else:
            raise KeyError(f'{key!r} is not a key of the authors\' '
                           f'{layout_of(state_dict)} model')
        converted[new_key] = value
    return converted


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="DIST authors' CIFAR-100 teacher -> mmpretrain "
        'ImageClassifier')
    parser.add_argument('checkpoint', help='a .pth file of cifar_ckpts.zip')
    parser.add_argument(
        '--out', help='output file (default: <checkpoint>_mmpretrain.pth)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    checkpoint = torch.load(args.checkpoint, map_location='cpu',
                            weights_only=True)
    state_dict = unwrap(checkpoint)
    out = args.out or osp.splitext(args.checkpoint)[0] + '_mmpretrain.pth'
    torch.save(dict(meta=dict(converted_from=osp.basename(args.checkpoint),
                              layout=layout_of(state_dict)),
                    state_dict=convert(state_dict)), out)
    print(f'{len(state_dict)} tensors of a {layout_of(state_dict)} model '
          f'written to {out}')


if __name__ == '__main__':
    main()
