"""MobileNet V1 (Howard et al. 2017) for ImageNet-size images."""
from collections.abc import Sequence
from typing import Optional

from mmcv.cnn import ConvModule, DepthwiseSeparableConvModule
from torch import nn

from dist_kd_mm.registry import MODELS

from ._stages import DEFAULT_INIT_CFG, StagedBackbone, check_out_indices

# (output channels, stride) of the 13 depthwise-separable layers
ARCH = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1),
        (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))


@MODELS.register_module()
class MobileNetV1(StagedBackbone):
    """MobileNet V1: a strided 3x3 convolution with 32 channels, then 13
    depthwise-separable layers (3x3 depthwise + 1x1 pointwise, each with BN
    and ReLU), 1024 output channels at 1/32 of the input size.

    Args:
        widen_factor: width multiplier (alpha in the paper).
        in_channels: image channels.
        out_indices: depthwise-separable layers to output, of 0..12.
        norm_cfg: normalization layer config.
        init_cfg: weight initialization.

    Input ``(N, in_channels, H, W)``; the last layer outputs
    ``(N, 1024 * widen_factor, H / 32, W / 32)``.
    """

    stages_name = 'layers'

    def __init__(self,
                 widen_factor: float = 1.0,
                 in_channels: int = 3,
                 out_indices: Sequence[int] = (12, ),
                 norm_cfg: Optional[dict] = None,
                 init_cfg: Optional[list] = None) -> None:
        super().__init__(init_cfg=init_cfg or DEFAULT_INIT_CFG)
        if widen_factor <= 0:
            raise ValueError(
                f'MobileNetV1: widen_factor must be > 0, got {widen_factor}')
        norm_cfg = norm_cfg or dict(type='BN')
        self.out_indices = check_out_indices(out_indices, len(ARCH),
                                             'MobileNetV1')
        channels = int(32 * widen_factor)
        self.stem = ConvModule(in_channels, channels, 3, stride=2, padding=1,
                               bias=False, norm_cfg=norm_cfg)
        layers = []
        for out_channels, stride in ARCH:
            out_channels = int(out_channels * widen_factor)
            layers.append(
                DepthwiseSeparableConvModule(
                    channels, out_channels, 3, stride=stride, padding=1,
                    bias=False, norm_cfg=norm_cfg))
            channels = out_channels
        self.layers = nn.ModuleList(layers)
        self.out_channels = channels

