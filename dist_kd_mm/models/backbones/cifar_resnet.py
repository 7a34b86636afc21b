"""ResNet for 32x32 images, depth 6n+2 (He et al. 2016, Sec. 4.2).

ResNet-20/32/56/110 use 16/32/64 channels in their three stages; the wide
"x4" variants used in distillation papers (ResNet-8x4, ResNet-32x4) use a
32-channel stem and 64/128/256 channels.
"""
from collections.abc import Sequence
from typing import Optional

from mmcv.cnn import ConvModule
from mmpretrain.models.backbones.resnet import BasicBlock, ResLayer
from torch import nn

from dist_kd_mm.registry import MODELS

from ._stages import DEFAULT_INIT_CFG, StagedBackbone, check_out_indices


@MODELS.register_module()
class CIFARResNet(StagedBackbone):
    """CIFAR ResNet of depth ``6n + 2`` with basic blocks.

    A 3x3 stem convolution, then three stages of ``n`` basic blocks with
    ``base_channels * (1, 2, 4)`` channels and strides 1, 2, 2 (shortcuts are
    1x1 convolutions where the shape changes).

    Args:
        depth: ``6n + 2``: 8, 14, 20, 32, 44, 56, 110, ...
        stem_channels: channels of the stem (16; 32 for the x4 variants).
        base_channels: channels of the first stage (16; 64 for x4).
        in_channels: image channels.
        out_indices: stages to output, of 0, 1, 2.
        norm_cfg: normalization layer config.
        norm_eval: keep normalization layers in eval mode when training.
        init_cfg: weight initialization.

    Input ``(N, in_channels, H, W)``; stage ``i`` outputs
    ``(N, base_channels * 2**i, H / 2**i, W / 2**i)``.
    """

    num_stages = 3

    def __init__(self,
                 depth: int = 20,
                 stem_channels: int = 16,
                 base_channels: int = 16,
                 in_channels: int = 3,
                 out_indices: Sequence[int] = (2, ),
                 norm_cfg: Optional[dict] = None,
                 norm_eval: bool = False,
                 init_cfg: Optional[list] = None) -> None:
        super().__init__(init_cfg=init_cfg or DEFAULT_INIT_CFG)
        if depth < 8 or (depth - 2) % 6:
            raise ValueError(
                f'CIFARResNet: depth must be 6n + 2 with n >= 1, got {depth}')
        norm_cfg = norm_cfg or dict(type='BN')
        blocks_per_stage = (depth - 2) // 6
        self.depth = depth
        self.norm_eval = norm_eval
        self.out_indices = check_out_indices(out_indices, self.num_stages,
                                             'CIFARResNet')
        self.stem = ConvModule(
            in_channels, stem_channels, 3, padding=1, bias=False,
            norm_cfg=norm_cfg)
        stages = []
        channels = stem_channels
        for index in range(self.num_stages):
            out_channels = base_channels * 2**index
            stages.append(
                ResLayer(
                    BasicBlock,
                    blocks_per_stage,
                    channels,
                    out_channels,
                    expansion=1,
                    stride=1 if index == 0 else 2,
                    norm_cfg=norm_cfg))
            channels = out_channels
        self.stages = nn.ModuleList(stages)
        self.out_channels = channels

    def train(self, mode: bool = True) -> 'CIFARResNet':
        super().train(mode)
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, nn.modules.batchnorm._BatchNorm):
                    module.eval()
        return self
