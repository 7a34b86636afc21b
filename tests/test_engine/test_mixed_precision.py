"""bf16 autocast on CPU: a distillation step with finite losses and
gradients, the DIST loss computed in float32."""
import numpy as np
import torch
from conftest import TEST_CONFIGS
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpretrain.structures import DataSample
from mmrazor.registry import MODELS as MMRAZOR_MODELS

from dist_kd_mm import DISTLoss


def test_bf16_autocast_distillation_step(monkeypatch):
    seen = {}
    original = DISTLoss.forward

    def spy(self, logits_S, logits_T, gt_labels=None):
        seen['input'] = logits_S.dtype
        loss = original(self, logits_S, logits_T, gt_labels)
        seen['loss'] = loss.dtype
        return loss

    monkeypatch.setattr(DISTLoss, 'forward', spy)
    cfg = Config.fromfile(f'{TEST_CONFIGS}/dist_tiny-resnet_imagefolder.py')
    with DefaultScope.overwrite_default_scope('mmrazor'):
        model = MMRAZOR_MODELS.build(cfg.model)
    model.train()
    generator = torch.Generator().manual_seed(0)
    batch = dict(
        inputs=[torch.randint(0, 256, (3, 32, 32), generator=generator,
                              dtype=torch.uint8) for _ in range(4)],
        data_samples=[DataSample().set_gt_label(i % 3) for i in range(4)])
    data = model.data_preprocessor(batch, True)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        losses = model(**data, mode='loss')
    assert seen == {'input': torch.bfloat16, 'loss': torch.float32}
    total = sum(value for value in losses.values())
    assert np.isfinite(float(total.detach()))
    total.backward()
    grads = [p.grad for p in model.architecture.parameters()
             if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)
    assert all(p.grad is None for p in model.teacher.parameters())
