"""mmpretrain's linear head with dropout before the classifier."""
from mmpretrain.models.heads import LinearClsHead
from torch import Tensor, nn

from dist_kd_mm.registry import MODELS


@MODELS.register_module()
class DropoutLinearClsHead(LinearClsHead):
    """``LinearClsHead`` with dropout on the pooled features before ``fc``.

    The strong ImageNet recipe (B2, after EfficientNet's) drops 20% of the
    features before the classifier; mmpretrain's ``LinearClsHead`` has no
    such option. The layer is still ``fc`` (recorders on ``head.fc`` and
    checkpoints of ``LinearClsHead`` apply), and in eval mode the head is
    ``LinearClsHead``.

    Args:
        dropout_rate: probability of zeroing a feature. Defaults to 0.2.
        **kwargs: the arguments of ``LinearClsHead``.
    """

    def __init__(self, dropout_rate: float = 0.2, **kwargs) -> None:
        super().__init__(**kwargs)
        if not 0 <= dropout_rate < 1:
            raise ValueError('DropoutLinearClsHead: dropout_rate must be in '
                             f'[0, 1), got {dropout_rate}')
        self.dropout = nn.Dropout(dropout_rate)

    def pre_logits(self, feats: tuple[Tensor, ...]) -> Tensor:
        """``(N, in_channels)`` features of the last stage, dropped out in
        training."""
        return self.dropout(feats[-1])
