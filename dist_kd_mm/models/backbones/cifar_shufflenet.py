"""ShuffleNet V1 (Zhang et al. 2018) and V2 (Ma et al. 2018) for 32x32
images, as the CIFAR-100 distillation literature (CRD, DKD, DIST) defines
them: no stem downsampling, three stages."""
from collections.abc import Sequence
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from dist_kd_mm.registry import MODELS

from ._stages import DEFAULT_INIT_CFG, StagedBackbone, check_out_indices
from .cifar_mobilenet_v2 import conv_bn_relu


def channel_shuffle(x: Tensor, groups: int) -> Tensor:
    """``(N, g * c, H, W)`` -> the same with the channels of the ``g`` groups
    interleaved."""
    n, channels, h, w = x.shape
    return x.view(n, groups, channels // groups, h, w).transpose(
        1, 2).reshape(n, channels, h, w)


class ShuffleV1Unit(nn.Module):
    """Grouped 1x1, shuffle, 3x3 depthwise (stride), grouped 1x1; added to
    the input, or at stride 2 concatenated with its 3x3 average pool."""

    def __init__(self, in_channels: int, out_channels: int, stride: int,
                 groups: int, first_groups: int) -> None:
        super().__init__()
        mid = out_channels // 4
        self.stride, self.groups = stride, first_groups
        self.conv1 = nn.Sequential(*conv_bn_relu(
            in_channels, mid, 1, groups=first_groups))
        self.conv2 = nn.Sequential(*conv_bn_relu(
            mid, mid, 3, stride, groups=mid, relu=False))
        self.conv3 = nn.Sequential(*conv_bn_relu(
            mid, out_channels, 1, groups=groups, relu=False))

    def forward(self, x: Tensor) -> Tensor:
        out = channel_shuffle(self.conv1(x), self.groups)
        out = self.conv3(F.relu(self.conv2(out)))
        if self.stride == 2:
            return F.relu(torch.cat(
                [out, F.avg_pool2d(x, 3, 2, 1)], dim=1))
        return F.relu(out + x)


class ShuffleV2Unit(nn.Module):
    """Stride 1: half the channels through 1x1, 3x3 depthwise, 1x1, the other
    half kept. Stride 2 (downsampling): both branches see all channels.
    Then the two halves are concatenated and shuffled."""

    def __init__(self, in_channels: int, out_channels: int,
                 stride: int) -> None:
        super().__init__()
        half = out_channels // 2
        branch_in = in_channels if stride == 2 else in_channels // 2
        self.main = nn.Sequential(
            *conv_bn_relu(branch_in, half, 1),
            *conv_bn_relu(half, half, 3, stride, groups=half, relu=False),
            *conv_bn_relu(half, half, 1))
        self.side = None
        if stride == 2:
            self.side = nn.Sequential(
                *conv_bn_relu(in_channels, in_channels, 3, 2,
                              groups=in_channels, relu=False),
                *conv_bn_relu(in_channels, half, 1))

    def forward(self, x: Tensor) -> Tensor:
        if self.side is None:
            kept, x = x.chunk(2, dim=1)
        else:
            kept = self.side(x)
        return channel_shuffle(torch.cat([kept, self.main(x)], dim=1), 2)


class _CIFARShuffleNet(StagedBackbone):
    """Stem, stages, and the outputs that ``out_indices`` names."""

    def _finish(self, stages: list[nn.Module],
                out_indices: Sequence[int]) -> None:
        self.stages = nn.ModuleList(stages)
        self.out_indices = check_out_indices(out_indices, len(stages),
                                             type(self).__name__)


@MODELS.register_module()
class CIFARShuffleNetV1(_CIFARShuffleNet):
    """ShuffleNet V1 with 3 groups of the CIFAR-100 distillation benchmarks
    (0.95M parameters with a 100-way classifier).

    A 1x1 stem to 24 channels, then three stages of 4, 8, 4 units with
    240, 480, 960 channels, each starting with a stride-2 unit. The first
    unit's first 1x1 convolution is not grouped (its input has 24
    channels).

    Args:
        groups: groups of the 1x1 convolutions. Defaults to 3.
        in_channels: image channels. Defaults to 3.
        out_indices: stages to output, of 0, 1, 2. Defaults to (2, ).
        init_cfg: weight initialization. Defaults to Kaiming conv, constant
            norm.

    Input ``(N, in_channels, 32, 32)``; stage ``i`` outputs
    ``(N, 240 * 2**i, 16 / 2**i, 16 / 2**i)``.
    """

    def __init__(self,
                 groups: int = 3,
                 in_channels: int = 3,
                 out_indices: Sequence[int] = (2, ),
                 init_cfg: Optional[list] = None) -> None:
        super().__init__(init_cfg=init_cfg or DEFAULT_INIT_CFG)
        self.stem = nn.Sequential(*conv_bn_relu(in_channels, 24, 1))
        channels, stages = 24, []
        for out_channels, units in ((240, 4), (480, 8), (960, 4)):
            blocks = []
            for index in range(units):
                if index == 0:  # the average-pooled input fills the rest
                    blocks.append(ShuffleV1Unit(
                        channels, out_channels - channels, 2, groups,
                        1 if channels == 24 else groups))
                else:
                    blocks.append(ShuffleV1Unit(out_channels, out_channels,
                                                1, groups, groups))
            stages.append(nn.Sequential(*blocks))
            channels = out_channels
        self.out_channels = channels
        self._finish(stages, out_indices)


@MODELS.register_module()
class CIFARShuffleNetV2(_CIFARShuffleNet):
    """ShuffleNet V2 1.0x of the CIFAR-100 distillation benchmarks (1.36M
    parameters with a 100-way classifier).

    A 3x3 stem to 24 channels, then three stages with 116, 232, 464
    channels of one downsampling unit and 3, 7, 3 units; the last stage
    ends with a 1x1 convolution to 1024 channels.

    Args:
        in_channels: image channels. Defaults to 3.
        out_indices: stages to output, of 0, 1, 2. Defaults to (2, ).
        init_cfg: weight initialization. Defaults to Kaiming conv, constant
            norm.

    Input ``(N, in_channels, 32, 32)``; stage outputs ``(N, 116, 16, 16)``,
    ``(N, 232, 8, 8)``, ``(N, 1024, 4, 4)``.
    """

    def __init__(self,
                 in_channels: int = 3,
                 out_indices: Sequence[int] = (2, ),
                 init_cfg: Optional[list] = None) -> None:
        super().__init__(init_cfg=init_cfg or DEFAULT_INIT_CFG)
        self.stem = nn.Sequential(*conv_bn_relu(in_channels, 24, 3))
        channels, stages = 24, []
        for out_channels, units in ((116, 3), (232, 7), (464, 3)):
            blocks = [ShuffleV2Unit(channels, out_channels, 2)]
            blocks += [
                ShuffleV2Unit(out_channels, out_channels, 1)
                for _ in range(units)
            ]
            stages.append(nn.Sequential(*blocks))
            channels = out_channels
        stages[-1].append(nn.Sequential(*conv_bn_relu(channels, 1024, 1)))
        self.out_channels = 1024
        self._finish(stages, out_indices)
