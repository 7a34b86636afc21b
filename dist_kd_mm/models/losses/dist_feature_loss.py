"""DIST+'s feature relations: Pearson across channels and across positions.

Huang et al., "DIST+: Knowledge Distillation From a Stronger Adaptive
Teacher", IEEE TPAMI 2025.
"""
from collections.abc import Sequence
from typing import Union

import torch
from torch import Tensor, nn

from dist_kd_mm.registry import MODELS

from .pearson import pearson
from .utils import check_finite, describe, sides, zero_loss

PREDS = sides('preds_S', 'preds_T')
CHANNELS = (1, )  # of (N, C, P): one correlation per sample and position
POSITIONS = (2, )  # of (N, 1, P): one correlation per sample
Features = Union[Tensor, Sequence[Tensor]]


@MODELS.register_module()
class DISTFeatureLoss(nn.Module):
    """The channel and spatial relations of DIST+ on feature maps.

    For student and teacher maps ``F_s``, ``F_t`` of shape ``(N, C, *spatial)``
    (equal shapes: the student's through a 1x1 connector) and ``pearson``
    the cosine of mean-centred vectors (``eps`` in the denominator), with no
    softmax and no temperature::

        channel = 1 - mean over samples n and positions p of
                      pearson(F_s[n, :, p], F_t[n, :, p])
        spatial = 1 - mean over samples n of
                      pearson(sum_c F_s[n, c, :], sum_c F_t[n, c, :])
        loss    = loss_weight * (channel_weight * channel
                                 + spatial_weight * spatial)

    The spatial relation correlates each sample's positions on its own (not
    pooled over the batch, as the paper contrasts with PKD). Computed in
    float32 (float64 stays float64) whatever the input dtype. A tuple of
    maps (FPN levels) gives the sum of the levels' losses (this project's
    choice; the configs map one loss per level with its own connector).

    Args:
        channel_weight: weight of the channel relation. Defaults to 1.0.
        spatial_weight: weight of the spatial relation. Defaults to 1.0.
        loss_weight: overall weight. Defaults to 1.0.
        teacher_detach: detach the teacher's maps. Defaults to True.
        eps: added to the Pearson denominators. Defaults to 1e-8.
    """

    def __init__(self,
                 channel_weight: float = 1.0,
                 spatial_weight: float = 1.0,
                 loss_weight: float = 1.0,
                 teacher_detach: bool = True,
                 eps: float = 1e-8) -> None:
        super().__init__()
        if not eps > 0:
            raise ValueError(f'DISTFeatureLoss: eps must be > 0, got {eps!r}')
        self.channel_weight = float(channel_weight)
        self.spatial_weight = float(spatial_weight)
        self.loss_weight = float(loss_weight)
        self.teacher_detach = teacher_detach
        self.eps = float(eps)

    def extra_repr(self) -> str:
        return (f'channel_weight={self.channel_weight}, '
                f'spatial_weight={self.spatial_weight}, '
                f'loss_weight={self.loss_weight}')

    def forward(self, preds_S: Features, preds_T: Features) -> Tensor:
        """Loss of student maps ``preds_S`` against teacher ``preds_T``.

        Args:
            preds_S: ``(N, C, *spatial)`` student features, or a tuple of
                them (one per level).
            preds_T: teacher features of the same shape(s).

        Returns:
            A scalar float32 (or float64) tensor.
        """
        terms = self.terms(preds_S, preds_T)
        if not terms:  # both weights 0
            return zero_loss(preds_S if isinstance(preds_S, Tensor) else
                             preds_S[0])
        return sum(terms.values())

    def terms(self, preds_S: Features,
              preds_T: Features) -> dict[str, Tensor]:
        """The weighted relations whose sum is the loss, as they enter it
        (``loss_weight`` included, summed over levels): ``{'channel': ...,
        'spatial': ...}``, those of nonzero weight. Arguments as
        :meth:`forward`'s."""
        if isinstance(preds_S, Tensor) and isinstance(preds_T, Tensor):
            return self._level(preds_S, preds_T, '')
        if not (isinstance(preds_S, Sequence)
                and isinstance(preds_T, Sequence)
                and len(preds_S) == len(preds_T) and len(preds_S) > 0):
            raise TypeError(
                'DISTFeatureLoss: preds_S and preds_T must both be tensors '
                'or tuples of as many tensors, got '
                f'{describe(preds_S)} and {describe(preds_T)}')
        levels = [self._level(s, t, f' (level {i})')
                  for i, (s, t) in enumerate(zip(preds_S, preds_T))]
        return {name: sum(level[name] for level in levels)
                for name in levels[0]}

    def _level(self, feat_s: Tensor, feat_t: Tensor,
               where: str) -> dict[str, Tensor]:
        """The weighted relations of one pair of maps, by name."""
        for name, feat in zip(PREDS, (feat_s, feat_t)):
            if not (isinstance(feat, Tensor) and feat.is_floating_point()
                    and feat.dim() >= 3):
                raise TypeError(
                    f'DISTFeatureLoss{where}: {name} must be a floating-point '
                    f'(N, C, *spatial) tensor, got {describe(feat)}')
        if feat_s.shape != feat_t.shape:
            raise ValueError(
                f'DISTFeatureLoss{where}: student and teacher maps differ: '
                f'preds_S {tuple(feat_s.shape)} vs preds_T '
                f'{tuple(feat_t.shape)}; map the student to the teacher '
                'with a 1x1 connector (e.g. ConvModuleConnector with '
                f'in_channel={feat_s.shape[1]}, out_channel='
                f'{feat_t.shape[1]}, kernel_size=1) and resize if needed')
        if self.teacher_detach:
            feat_t = feat_t.detach()
        dtype = torch.promote_types(feat_s.dtype, torch.float32)
        x_s = feat_s.reshape(*feat_s.shape[:2], -1)
        x_t = feat_t.reshape(*feat_t.shape[:2], -1)
        terms = {}
        if self.channel_weight:
            corr, = pearson(x_s, x_t, [CHANNELS], self.eps)
            terms['channel'] = (self.loss_weight * self.channel_weight) * (
                1 - corr.mean())
        if self.spatial_weight:
            sum_s = x_s.sum(1, keepdim=True, dtype=dtype)
            sum_t = x_t.sum(1, keepdim=True, dtype=dtype)
            corr, = pearson(sum_s, sum_t, [POSITIONS], self.eps)
            terms['spatial'] = (self.loss_weight * self.spatial_weight) * (
                1 - corr.mean())
        if terms:
            total = sum(terms.values())
            if check_finite(f'DISTFeatureLoss{where}', total, feat_s, feat_t,
                            PREDS) is not total:  # NaN for the AMP scaler
                terms = {name: term * float('nan')
                         for name, term in terms.items()}
        return terms
