"""The losses on CUDA against the same losses on the CPU (values and
gradients), for every input kind the CPU tests cover. Marked ``gpu``: not
collected without CUDA (tests/conftest.py); ``make test-gpu`` runs them."""
import pytest
import torch

from dist_kd_mm.models.losses import (
    AcclimationLoss,
    CMKDLoss,
    DISTFeatureLoss,
    DISTLoss,
)

pytestmark = pytest.mark.gpu


def on(device, *tensors):
    return [t.detach().to(device).requires_grad_(t.requires_grad)
            for t in tensors]


def compare(loss, *inputs, target=None, rtol=1e-4, atol=1e-5):
    """Value and gradients of ``loss`` on CUDA equal its CPU ones."""
    results = {}
    for device in ('cpu', 'cuda'):
        args = on(device, *inputs)
        extra = () if target is None else (target.to(device), )
        value = loss.to(device)(*args, *extra)
        assert value.dtype == torch.float32 and torch.isfinite(value)
        grads = torch.autograd.grad(
            value, [a for a in args if a.requires_grad])
        results[device] = (value.cpu(), [g.cpu() for g in grads])
    torch.testing.assert_close(results['cuda'][0], results['cpu'][0],
                               rtol=rtol, atol=atol)
    for cuda, cpu in zip(results['cuda'][1], results['cpu'][1]):
        torch.testing.assert_close(cuda, cpu, rtol=rtol, atol=atol)


def logits(*shape, seed=0, grad=True):
    generator = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=generator) * 3).requires_grad_(grad)


@pytest.mark.parametrize('shape', [(64, 100), (256, 1000), (512, 81)])
@pytest.mark.parametrize('tau', [1.0, 4.0])
def test_dist_loss_classification(shape, tau):
    compare(DISTLoss(tau=tau, loss_weight=2.0), logits(*shape),
            logits(*shape, seed=1, grad=False))


def test_dist_loss_dense_and_sigmoid():
    compare(DISTLoss(), logits(2, 19, 64, 128),
            logits(2, 19, 64, 128, seed=1, grad=False))
    compare(DISTLoss(activation='sigmoid'), logits(2, 720, 25, 42),
            logits(2, 720, 25, 42, seed=1, grad=False))


def test_dist_loss_half_precision_inputs_give_float32():
    for dtype in (torch.float16, torch.bfloat16):
        student = logits(128, 1000).to(dtype).detach().requires_grad_()
        teacher = logits(128, 1000, seed=1, grad=False).to(dtype)
        compare(DISTLoss(), student, teacher, rtol=2e-3, atol=2e-3)


def test_cmkd_loss():
    compare(CMKDLoss(), logits(64, 100), logits(64, 100, seed=1, grad=False),
            rtol=1e-3, atol=1e-4)


def test_dist_feature_loss():
    compare(DISTFeatureLoss(), logits(8, 512, 7, 7),
            logits(8, 512, 7, 7, seed=1, grad=False))


def test_acclimation_loss():
    target = torch.randint(0, 100, (64, ))
    compare(AcclimationLoss(), logits(64, 100),
            logits(64, 100, seed=1, grad=False), target=target)
