"""DropoutLinearClsHead: LinearClsHead in eval mode, dropout in training."""
import pytest
import torch
from mmpretrain.models.heads import LinearClsHead

from dist_kd_mm.models import DropoutLinearClsHead


def test_eval_is_linear_head_and_training_drops_features():
    torch.manual_seed(0)
    head = DropoutLinearClsHead(dropout_rate=0.5, num_classes=10,
                                in_channels=64)
    plain = LinearClsHead(num_classes=10, in_channels=64)
    plain.load_state_dict(head.state_dict())  # same keys: fc.weight, fc.bias
    feats = (torch.randn(256, 64), )
    head.eval()
    torch.testing.assert_close(head(feats), plain(feats))
    head.train()
    dropped = head.pre_logits(feats)
    zeros = (dropped == 0).float().mean().item()
    assert 0.4 < zeros < 0.6
    kept = dropped != 0
    torch.testing.assert_close(dropped[kept], 2 * feats[0][kept])


def test_bad_rate_is_named():
    with pytest.raises(ValueError, match='dropout_rate'):
        DropoutLinearClsHead(dropout_rate=1.0, num_classes=2, in_channels=2)
