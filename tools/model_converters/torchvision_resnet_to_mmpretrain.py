"""Turn a torchvision ResNet checkpoint into an mmpretrain ``ImageClassifier``
teacher checkpoint.

    python tools/model_converters/torchvision_resnet_to_mmpretrain.py \
        resnet34-b627a593.pth --out resnet34_torchvision.pth

The DIST paper's B1 teachers are torchvision's ResNet-34 (73.31) and
ResNet-50 (76.13); the configs default to mmpretrain's checkpoints. The
result loads into mmpretrain's ``resnet/resnet{18,34,50,101,152}_8xb32_in1k``
models (``style='pytorch'``, as torchvision's): set it as the teacher with
``--cfg-options model.teacher_ckpt=resnet34_torchvision.pth``.
"""
import argparse
import os.path as osp
import re
from collections import OrderedDict

import torch

# torchvision names -> mmpretrain ImageClassifier names; the residual
# layers keep their names under ``backbone.``
RENAMES = ((r'^fc\.', 'head.fc.'), (r'^', 'backbone.'))
EXPECTED = re.compile(r'^(conv1|bn1|layer[1-4]\.\d+\.\S+|fc)\.')


def convert(state_dict: dict) -> OrderedDict:
    """mmpretrain's names for a torchvision ResNet state dict.

    Raises:
        KeyError: a key that a torchvision ResNet does not have (e.g. an
            already converted or a wrapped ``module.`` checkpoint).
    """
    unexpected = [key for key in state_dict if not EXPECTED.match(key)]
    if unexpected:
        raise KeyError(
            f'not a torchvision ResNet state dict: unexpected keys '
            f'{unexpected[:5]} (expected conv1, bn1, layer1-4 and fc)')
    converted = OrderedDict()
    for key, value in state_dict.items():
        for pattern, replacement in RENAMES:
            new_key, count = re.subn(pattern, replacement, key)
            if count:
                break
        converted[new_key] = value
    return converted


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='torchvision ResNet -> mmpretrain ImageClassifier')
    parser.add_argument('checkpoint', help="torchvision's .pth file")
    parser.add_argument(
        '--out', help='output file (default: <checkpoint>_mmpretrain.pth)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    state_dict = torch.load(args.checkpoint, map_location='cpu',
                            weights_only=True)
    out = args.out or osp.splitext(args.checkpoint)[0] + '_mmpretrain.pth'
    torch.save(dict(meta=dict(converted_from=osp.basename(args.checkpoint)),
                    state_dict=convert(state_dict)), out)
    print(f'{len(state_dict)} tensors written to {out}')


if __name__ == '__main__':
    main()
