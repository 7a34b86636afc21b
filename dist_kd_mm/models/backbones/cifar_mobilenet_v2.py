"""MobileNet V2 for 32x32 images, as the CIFAR-100 distillation literature
(CRD, Tian et al. ICLR 2020; DKD; DIST) defines it: width 0.5, expansion 6."""
from collections.abc import Sequence
from typing import Optional

from torch import Tensor, nn

from dist_kd_mm.registry import MODELS

from ._stages import DEFAULT_INIT_CFG, StagedBackbone, check_out_indices


def conv_bn_relu(in_channels: int, out_channels: int, kernel_size: int,
                 stride: int = 1, groups: int = 1,
                 relu: bool = True) -> list[nn.Module]:
    layers = [
        nn.Conv2d(in_channels, out_channels, kernel_size, stride,
                  kernel_size // 2, groups=groups, bias=False),
        nn.BatchNorm2d(out_channels)
    ]
    return layers + [nn.ReLU(inplace=True)] if relu else layers


class InvertedResidual(nn.Module):
    """1x1 expansion (also at ratio 1), 3x3 depthwise, linear 1x1
    projection; identity shortcut when the shape is kept."""

    def __init__(self, in_channels: int, out_channels: int, stride: int,
                 expand_ratio: int) -> None:
        super().__init__()
        hidden = in_channels * expand_ratio
        self.use_shortcut = stride == 1 and in_channels == out_channels
        self.conv = nn.Sequential(
            *conv_bn_relu(in_channels, hidden, 1),
            *conv_bn_relu(hidden, hidden, 3, stride, groups=hidden),
            *conv_bn_relu(hidden, out_channels, 1, relu=False))

    def forward(self, x: Tensor) -> Tensor:
        out = self.conv(x)
        return x + out if self.use_shortcut else out


@MODELS.register_module()
class CIFARMobileNetV2(StagedBackbone):
    """MobileNet V2 of the CIFAR-100 distillation benchmarks (0.81M
    parameters with a 100-way classifier).

    A stride-2 3x3 stem, the seven inverted-residual groups of MobileNet V2
    with channels ``(16, 24, 32, 64, 96, 160, 320) * widen_factor``, expansion
    ``expand_ratio`` (1 in the first group) and strides 1, 1, 2, 2, 1, 2, 1,
    then a 1x1 convolution to 1280 channels (``1280 * widen_factor`` when
    ``widen_factor > 1``).

    Args:
        widen_factor: channel multiplier. Defaults to 0.5.
        expand_ratio: expansion of the groups after the first. Defaults to 6.
        in_channels: image channels. Defaults to 3.
        out_indices: outputs to return, of the seven groups (0-6) and the
            last convolution (7). Defaults to (7, ).
        init_cfg: weight initialization. Defaults to Kaiming conv, constant
            norm.

    Input ``(N, in_channels, 32, 32)``; output 7 is ``(N, 1280, 2, 2)``.
    """

    # expansion, channels, blocks, stride of the first block
    settings = ((1, 16, 1, 1), (None, 24, 2, 1), (None, 32, 3, 2),
                (None, 64, 4, 2), (None, 96, 3, 1), (None, 160, 3, 2),
                (None, 320, 1, 1))

    def __init__(self,
                 widen_factor: float = 0.5,
                 expand_ratio: int = 6,
                 in_channels: int = 3,
                 out_indices: Sequence[int] = (7, ),
                 init_cfg: Optional[list] = None) -> None:
        super().__init__(init_cfg=init_cfg or DEFAULT_INIT_CFG)
        self.out_indices = check_out_indices(out_indices,
                                             len(self.settings) + 1,
                                             'CIFARMobileNetV2')
        channels = int(32 * widen_factor)
        self.stem = nn.Sequential(*conv_bn_relu(in_channels, channels, 3, 2))
        groups = []
        for ratio, base, blocks, stride in self.settings:
            out_channels = int(base * widen_factor)
            groups.append(nn.Sequential(*[
                InvertedResidual(channels if i == 0 else out_channels,
                                 out_channels, stride if i == 0 else 1,
                                 ratio or expand_ratio)
                for i in range(blocks)
            ]))
            channels = out_channels
        self.out_channels = (int(1280 * widen_factor)
                             if widen_factor > 1 else 1280)
        groups.append(nn.Sequential(
            *conv_bn_relu(channels, self.out_channels, 1)))
        self.stages = nn.ModuleList(groups)
