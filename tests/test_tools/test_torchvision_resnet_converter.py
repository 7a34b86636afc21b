"""torchvision's ResNets converted into mmpretrain teachers give the same
logits (tools/model_converters/torchvision_resnet_to_mmpretrain.py)."""
import os.path as osp
import sys

import pytest
import torch
import torchvision
from mmengine.hub import get_config
from mmengine.runner import load_checkpoint
from mmpretrain.registry import MODELS

from helpers import REPO_ROOT, load_tool, run_command

SCRIPT = osp.join(REPO_ROOT, 'tools', 'model_converters',
                  'torchvision_resnet_to_mmpretrain.py')
convert = load_tool(
    'model_converters/torchvision_resnet_to_mmpretrain.py').convert


def randomized(model: torch.nn.Module) -> torch.nn.Module:
    """Every weight and BN statistic random, so that no mix-up hides."""
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if not tensor.is_floating_point():
                continue
            noise = torch.rand(tensor.shape, generator=generator)
            if name.endswith('running_var'):
                tensor.copy_(0.5 + noise)
            elif name.endswith(('bn1.weight', 'bn2.weight', 'bn3.weight',
                                'downsample.1.weight')):
                tensor.copy_(0.5 + noise * 0.5)
            else:
                tensor.add_((noise - 0.5) * 0.1)
    return model.eval()


@pytest.mark.parametrize('depth', [34, 50])
def test_converted_torchvision_resnet_gives_the_same_logits(depth, tmp_path):
    source = randomized(getattr(torchvision.models, f'resnet{depth}')())
    checkpoint = tmp_path / f'resnet{depth}_torchvision.pth'
    torch.save(source.state_dict(), checkpoint)
    out = tmp_path / 'converted.pth'
    run_command([sys.executable, SCRIPT, str(checkpoint), '--out', str(out)],
                cwd=str(tmp_path))

    cfg = get_config(f'mmpretrain::resnet/resnet{depth}_8xb32_in1k.py')
    target = MODELS.build(cfg.model)
    load_checkpoint(target, str(out), strict=True)  # every key, every shape
    target.eval()
    images = torch.randn(2, 3, 64, 64,
                         generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = source(images)
        logits = target(images, mode='tensor')
    assert expected.shape == logits.shape == (2, 1000)
    torch.testing.assert_close(logits, expected, rtol=1e-4, atol=1e-4)


def test_non_torchvision_keys_are_named():
    with pytest.raises(KeyError, match=r"module\.conv1\.weight"):
        convert({'module.conv1.weight': torch.zeros(1)})
