"""Wide residual networks WRN-d-k (Zagoruyko and Komodakis, BMVC 2016)."""
from collections.abc import Sequence
from typing import Optional

from mmpretrain.models.backbones.base_backbone import BaseBackbone
from torch import Tensor, nn

from dist_kd_mm.registry import MODELS

from ._stages import DEFAULT_INIT_CFG, check_out_indices, select_outputs


class PreActBasicBlock(nn.Module):
    """BN-ReLU-conv3x3-BN-ReLU-(dropout)-conv3x3 with an identity or 1x1
    projection shortcut taken after the first BN-ReLU."""

    def __init__(self, in_channels: int, out_channels: int, stride: int,
                 drop_rate: float) -> None:
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1,
                               bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1,
                               bias=False)
        self.relu = nn.ReLU(inplace=True)
        self.dropout = nn.Dropout(drop_rate) if drop_rate > 0 else None
        self.shortcut = None
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Conv2d(in_channels, out_channels, 1, stride,
                                      bias=False)

    def forward(self, x: Tensor) -> Tensor:
        activated = self.relu(self.bn1(x))
        identity = x if self.shortcut is None else self.shortcut(activated)
        out = self.relu(self.bn2(self.conv1(activated)))
        if self.dropout is not None:
            out = self.dropout(out)
        return self.conv2(out) + identity


@MODELS.register_module()
class WideResNet(BaseBackbone):
    """WRN-``depth``-``widen_factor`` for 32x32 images.

    A 3x3 stem convolution with 16 channels, then three stages of
    ``(depth - 4) / 6`` pre-activation blocks with ``16k, 32k, 64k``
    channels and strides 1, 2, 2; the last stage ends with BN-ReLU.

    Args:
        depth: ``6n + 4``, e.g. 16, 28, 40.
        widen_factor: ``k``.
        drop_rate: dropout between the two convolutions of a block.
        in_channels: image channels.
        out_indices: stages to output, of 0, 1, 2.
        init_cfg: weight initialization.

    Input ``(N, in_channels, H, W)``; stage ``i`` outputs
    ``(N, 16 * k * 2**i, H / 2**i, W / 2**i)``.
    """

    num_stages = 3

    def __init__(self,
                 depth: int = 40,
                 widen_factor: int = 2,
                 drop_rate: float = 0.0,
                 in_channels: int = 3,
                 out_indices: Sequence[int] = (2, ),
                 init_cfg: Optional[list] = None) -> None:
        super().__init__(init_cfg=init_cfg or DEFAULT_INIT_CFG)
        if depth < 10 or (depth - 4) % 6:
            raise ValueError(
                f'WideResNet: depth must be 6n + 4 with n >= 1, got {depth}')
        if widen_factor < 1:
            raise ValueError(
                f'WideResNet: widen_factor must be >= 1, got {widen_factor}')
        blocks_per_stage = (depth - 4) // 6
        self.out_indices = check_out_indices(out_indices, self.num_stages,
                                             'WideResNet')
        self.stem = nn.Conv2d(in_channels, 16, 3, 1, 1, bias=False)
        stages = []
        channels = 16
        for index in range(self.num_stages):
            out_channels = 16 * widen_factor * 2**index
            blocks = [
                PreActBasicBlock(channels if block == 0 else out_channels,
                                 out_channels,
                                 2 if index > 0 and block == 0 else 1,
                                 drop_rate)
                for block in range(blocks_per_stage)
            ]
            stages.append(nn.Sequential(*blocks))
            channels = out_channels
        self.stages = nn.ModuleList(stages)
        self.final_norm = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)
        self.out_channels = channels

    def forward(self, x: Tensor) -> tuple[Tensor, ...]:
        outputs = []
        x = self.stem(x)
        for index, stage in enumerate(self.stages):
            x = stage(x)
            if index == self.num_stages - 1:
                x = self.relu(self.final_norm(x))
            outputs.append(x)
        return select_outputs(outputs, self.out_indices)
