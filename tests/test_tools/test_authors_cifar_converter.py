"""The DIST authors' CIFAR-100 teachers (their release, models of the CRD
code base) converted into this project's CIFAR configs
(tools/model_converters/authors_cifar_to_mmpretrain.py).

The authors' key layouts and their forward passes are written here from
their model definitions (resnet.py, wrn.py, resnetv2.py of their CIFAR
models): every key and shape must load strictly into the config's model,
and the converted model must give the logits of the authors' forward.
"""
import os.path as osp
import sys

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint
from mmpretrain.registry import MODELS

from helpers import REPO_ROOT, load_tool, run_command

SCRIPT = osp.join(REPO_ROOT, 'tools', 'model_converters',
                  'authors_cifar_to_mmpretrain.py')
CIFAR = osp.join(REPO_ROOT, 'configs', 'mmpretrain', 'cifar100')
tool = load_tool('model_converters/authors_cifar_to_mmpretrain.py')


class Layout:
    """The authors' state dict, filled with random values as it is built."""

    def __init__(self, seed=0):
        self.generator = torch.Generator().manual_seed(seed)
        self.state = {}

    def conv(self, name, out_channels, in_channels, kernel):
        fan_in = in_channels * kernel * kernel
        self.state[f'{name}.weight'] = torch.randn(
            out_channels, in_channels, kernel, kernel,
            generator=self.generator) / fan_in**0.5

    def bn(self, name, channels):
        def uniform(low, high):
            return low + (high - low) * torch.rand(
                channels, generator=self.generator)
        self.state.update({
            f'{name}.weight': uniform(0.5, 1.0),
            f'{name}.bias': uniform(-0.1, 0.1),
            f'{name}.running_mean': uniform(-0.1, 0.1),
            f'{name}.running_var': uniform(0.5, 1.5),
            f'{name}.num_batches_tracked': torch.tensor(100),
        })

    def linear(self, name, out_features, in_features):
        self.state[f'{name}.weight'] = torch.randn(
            out_features, in_features,
            generator=self.generator) / in_features**0.5
        self.state[f'{name}.bias'] = torch.zeros(out_features)


def authors_resnet(depth, filters):
    """resnet.py: post-activation basic blocks, 1x1 conv + BN shortcuts."""
    layout = Layout()
    layout.conv('conv1', filters[0], 3, 3)
    layout.bn('bn1', filters[0])
    in_channels = filters[0]
    for k in (1, 2, 3):
        for j in range((depth - 2) // 6):
            name, planes = f'layer{k}.{j}', filters[k]
            layout.conv(f'{name}.conv1', planes, in_channels, 3)
            layout.bn(f'{name}.bn1', planes)
            layout.conv(f'{name}.conv2', planes, planes, 3)
            layout.bn(f'{name}.bn2', planes)
            if j == 0 and (k > 1 or in_channels != planes):
                layout.conv(f'{name}.downsample.0', planes, in_channels, 1)
                layout.bn(f'{name}.downsample.1', planes)
            in_channels = planes
    layout.linear('fc', 100, filters[3])
    return layout.state


def authors_wrn(depth, widen):
    """wrn.py: pre-activation blocks; a block whose width changes takes its
    shortcut (convShortcut) from the activated input; a final BN."""
    layout = Layout()
    widths = [16, 16 * widen, 32 * widen, 64 * widen]
    layout.conv('conv1', 16, 3, 3)
    for k in (1, 2, 3):
        for j in range((depth - 4) // 6):
            name = f'block{k}.layer.{j}'
            in_channels = widths[k - 1] if j == 0 else widths[k]
            layout.bn(f'{name}.bn1', in_channels)
            layout.conv(f'{name}.conv1', widths[k], in_channels, 3)
            layout.bn(f'{name}.bn2', widths[k])
            layout.conv(f'{name}.conv2', widths[k], widths[k], 3)
            if in_channels != widths[k]:
                layout.conv(f'{name}.convShortcut', widths[k], in_channels, 1)
    layout.bn('bn1', widths[3])
    layout.linear('fc', 100, widths[3])
    return layout.state


def authors_resnet50():
    """resnetv2.py: bottlenecks of 3, 4, 6, 3 on a 3x3 stem, shortcut
    convolutions named ``shortcut``, the classifier ``linear``."""
    layout = Layout()
    layout.conv('conv1', 64, 3, 3)
    layout.bn('bn1', 64)
    in_channels = 64
    for k, (blocks, planes) in enumerate(
            zip((3, 4, 6, 3), (64, 128, 256, 512)), start=1):
        for j in range(blocks):
            name = f'layer{k}.{j}'
            layout.conv(f'{name}.conv1', planes, in_channels, 1)
            layout.bn(f'{name}.bn1', planes)
            layout.conv(f'{name}.conv2', planes, planes, 3)
            layout.bn(f'{name}.bn2', planes)
            layout.conv(f'{name}.conv3', 4 * planes, planes, 1)
            layout.bn(f'{name}.bn3', 4 * planes)
            if j == 0:
                layout.conv(f'{name}.shortcut.0', 4 * planes, in_channels, 1)
                layout.bn(f'{name}.shortcut.1', 4 * planes)
            in_channels = 4 * planes
    layout.linear('linear', 100, 2048)
    return layout.state


def _bn(x, state, name):
    return F.batch_norm(x, state[f'{name}.running_mean'],
                        state[f'{name}.running_var'], state[f'{name}.weight'],
                        state[f'{name}.bias'], False, 0.0, 1e-5)


def _conv(x, state, name, stride=1):
    weight = state[f'{name}.weight']
    return F.conv2d(x, weight, stride=stride, padding=weight.shape[-1] // 2)


def forward_resnet(state, x):
    x = F.relu(_bn(_conv(x, state, 'conv1'), state, 'bn1'))
    k = 1
    while f'layer{k}.0.conv1.weight' in state:
        j = 0
        while f'layer{k}.{j}.conv1.weight' in state:
            name, stride = f'layer{k}.{j}', 2 if k > 1 and j == 0 else 1
            # the stride is on the 3x3 convolution: the first of a basic
            # block, the second of a bottleneck
            bottleneck = f'{name}.conv3.weight' in state
            out = F.relu(_bn(_conv(x, state, f'{name}.conv1',
                                   1 if bottleneck else stride), state,
                             f'{name}.bn1'))
            out = _bn(_conv(out, state, f'{name}.conv2',
                            stride if bottleneck else 1), state,
                      f'{name}.bn2')
            if bottleneck:
                out = _bn(_conv(F.relu(out), state, f'{name}.conv3'), state,
                          f'{name}.bn3')
            for short in ('downsample', 'shortcut'):
                if f'{name}.{short}.0.weight' in state:
                    x = _bn(_conv(x, state, f'{name}.{short}.0', stride),
                            state, f'{name}.{short}.1')
            x = F.relu(out + x)
            j += 1
        k += 1
    classifier = 'linear' if 'linear.weight' in state else 'fc'
    return F.linear(x.mean((2, 3)), state[f'{classifier}.weight'],
                    state[f'{classifier}.bias'])


def forward_wrn(state, x):
    x = _conv(x, state, 'conv1')
    for k in (1, 2, 3):
        j = 0
        while f'block{k}.layer.{j}.conv1.weight' in state:
            name = f'block{k}.layer.{j}'
            stride = 2 if k > 1 and j == 0 else 1
            activated = F.relu(_bn(x, state, f'{name}.bn1'))
            if f'{name}.convShortcut.weight' in state:
                x = _conv(activated, state, f'{name}.convShortcut', stride)
            out = F.relu(_bn(_conv(activated, state, f'{name}.conv1', stride),
                             state, f'{name}.bn2'))
            x = x + _conv(out, state, f'{name}.conv2')
            j += 1
    x = F.relu(_bn(x, state, 'bn1'))
    return F.linear(x.mean((2, 3)), state['fc.weight'], state['fc.bias'])


# teacher config -> (the authors' state dict, their forward)
TEACHERS = {
    'resnet56': (lambda: authors_resnet(56, [16, 16, 32, 64]),
                 forward_resnet),
    'resnet32x4': (lambda: authors_resnet(32, [32, 64, 128, 256]),
                   forward_resnet),
    'wrn-40-2': (lambda: authors_wrn(40, 2), forward_wrn),
    'resnet50': (authors_resnet50, forward_resnet),
}


@pytest.mark.parametrize('teacher', sorted(TEACHERS))
def test_converted_authors_teacher_gives_their_logits(teacher, tmp_path):
    build_state, forward = TEACHERS[teacher]
    state = build_state()
    checkpoint = tmp_path / f'{teacher}.pth'
    # as a training script saves it: wrapped by DDP, with its epoch
    torch.save(dict(model={f'module.{k}': v for k, v in state.items()},
                    epoch=240), checkpoint)
    out = tmp_path / 'converted.pth'
    run_command([sys.executable, SCRIPT, str(checkpoint), '--out', str(out)],
                cwd=str(tmp_path))

    cfg = Config.fromfile(osp.join(CIFAR, f'{teacher}_1xb64_cifar100.py'))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model)
    load_checkpoint(model, str(out), strict=True)  # every key, every shape
    model = model.double().eval()
    images = torch.randn(2, 3, 32, 32, dtype=torch.float64,
                         generator=torch.Generator().manual_seed(1))
    with torch.no_grad():  # in float64, from the float32 checkpoint
        expected = forward({k: v.double() for k, v in state.items()}, images)
        logits = model(images, mode='tensor')
    assert expected.shape == logits.shape == (2, 100)
    assert expected.std() > 0.1  # not a degenerate comparison
    torch.testing.assert_close(logits, expected, rtol=1e-9, atol=1e-9)


def test_converter_names_what_it_cannot_convert():
    student = {'conv1.weight': torch.zeros(1), 'features.0.weight':
               torch.zeros(1)}
    with pytest.raises(KeyError, match='not a CIFAR teacher'):
        tool.convert(student)
    stray = dict(authors_resnet(8, [16, 16, 32, 64]),
                 **{'up_fc.weight': torch.zeros(1)})
    with pytest.raises(KeyError, match="'up_fc.weight'"):
        tool.convert(stray)
