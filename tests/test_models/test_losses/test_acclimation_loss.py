"""AcclimationLoss (DIST+'s L_ta) against an independent float64 formula,
its gradients (teacher only) and its errors."""
import numpy as np
import pytest
import torch

from dist_kd_mm import AcclimationLoss


def logits(shape, seed, scale=3.0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=generator) * scale


def reference(logits_t, logits_s, target, tau=1.0, weight=1.0, eps=1e-8,
              renormalize=True):
    """Softmax over all classes, the target column dropped and (if
    ``renormalize``) the rest divided by its sum, one row at a time in
    float64."""
    t = np.asarray(logits_t, dtype=np.float64) / tau
    s = np.asarray(logits_s, dtype=np.float64) / tau
    rows = []
    for n, y in enumerate(np.asarray(target)):
        p_t = np.exp(t[n] - t[n].max())
        p_s = np.exp(s[n] - s[n].max())
        p_t, p_s = np.delete(p_t / p_t.sum(), y), np.delete(p_s / p_s.sum(), y)
        if renormalize:
            p_t, p_s = p_t / p_t.sum(), p_s / p_s.sum()
        u, v = p_t - p_t.mean(), p_s - p_s.mean()
        rows.append(u @ v / (np.sqrt(u @ u) * np.sqrt(v @ v) + eps))
    return weight * (1 - np.mean(rows))


@pytest.mark.parametrize('shape', [(4, 10), (16, 100), (1, 3), (7, 1000)])
@pytest.mark.parametrize('tau,weight', [(1.0, 1.0), (4.0, 0.5)])
def test_matches_float64_reference(shape, tau, weight):
    logits_t, logits_s = logits(shape, 0), logits(shape, 1)
    target = torch.randint(shape[1], (shape[0], ),
                           generator=torch.Generator().manual_seed(2))
    loss = AcclimationLoss(tau=tau, loss_weight=weight)
    expected = reference(logits_t, logits_s, target, tau, weight)
    value = loss(logits_s, logits_t, target)
    assert value.dtype == torch.float32
    assert value.item() == pytest.approx(expected, rel=1e-5, abs=1e-6)
    double = loss(logits_s.double(), logits_t.double(), target)
    assert double.item() == pytest.approx(expected, rel=1e-10, abs=1e-12)
    # without renormalizing, Pearson differs only through eps (which
    # matters with two tiny non-target probabilities)
    if shape[1] > 3:
        assert double.item() == pytest.approx(
            reference(logits_t, logits_s, target, tau, weight,
                      renormalize=False), rel=1e-6, abs=1e-7)


def test_ignores_the_target_column_and_matches_on_the_rest():
    logits_t = logits((6, 20), 0)
    target = torch.arange(6)
    loss = AcclimationLoss()
    assert loss(logits_t, logits_t.clone(), target).item() == pytest.approx(
        0.0, abs=1e-6)
    # the target column of either side does not matter
    changed = logits_t.clone()
    changed[torch.arange(6), target] += torch.linspace(-5, 5, 6)
    assert loss(logits_t, changed, target).item() == pytest.approx(
        0.0, abs=1e-6)
    # reversed order of the non-target classes is anti-correlated
    assert loss(logits_t, -logits_t, target).item() > 1.0


def test_only_the_teacher_gets_a_gradient():
    logits_t = logits((8, 12), 0).requires_grad_()
    logits_s = logits((8, 12), 1).requires_grad_()
    target = torch.arange(8)
    AcclimationLoss()(logits_s, logits_t, target).backward()
    assert logits_s.grad is None
    assert logits_t.grad is not None and logits_t.grad.abs().sum() > 0
    # the target column gets none
    assert torch.all(logits_t.grad[torch.arange(8), target] == 0)
    # the gradient is the autograd one of the float64 formula
    reference_t = logits_t.detach().double().requires_grad_()
    p_s = torch.softmax(logits_s.detach().double(), 1)
    p_t = torch.softmax(reference_t, 1)
    keep = torch.ones_like(p_t, dtype=torch.bool)
    keep[torch.arange(8), target] = False
    u = p_t[keep].view(8, 11)
    v = p_s[keep].view(8, 11)
    u, v = u - u.mean(1, keepdim=True), v - v.mean(1, keepdim=True)
    corr = (u * v).sum(1) / (u.norm(dim=1) * v.norm(dim=1) + 1e-8)
    (1 - corr.mean()).backward()
    torch.testing.assert_close(logits_t.grad.double(), reference_t.grad,
                               rtol=1e-4, atol=1e-7)


def test_gradcheck():
    logits_t = logits((3, 6), 0).double().requires_grad_()
    logits_s = logits((3, 6), 1).double()
    target = torch.tensor([0, 5, 2])
    assert torch.autograd.gradcheck(
        lambda t: AcclimationLoss(tau=2.0)(logits_s, t, target), logits_t)


@pytest.mark.parametrize('bad,match', [
    (dict(logits_S=torch.zeros(4, 9)), 'differ in shape'),
    (dict(logits_T=torch.zeros(4, 10, 2)), r'logits_T \(teacher\)'),
    (dict(target=torch.tensor([0, 1, 2, 10])), r'\[0, 10\)'),
    (dict(target=torch.tensor([0, 1, 2])), r'shape \(4,\)'),
    (dict(target=torch.zeros(4)), 'class index'),
    (dict(logits_T=torch.zeros(4, 2), logits_S=torch.zeros(4, 2),
          target=torch.zeros(4, dtype=torch.long)), 'at least 3 classes'),
])
def test_bad_inputs_are_named(bad, match):
    args = dict(logits_T=torch.zeros(4, 10), logits_S=torch.zeros(4, 10),
                target=torch.tensor([0, 1, 2, 3]))
    args.update(bad)
    with pytest.raises(ValueError, match=match):
        AcclimationLoss()(**args)


def test_bad_options_and_non_finite_logits():
    with pytest.raises(ValueError, match='tau'):
        AcclimationLoss(tau=0)
    with pytest.raises(ValueError, match='eps'):
        AcclimationLoss(eps=0)
    bad = logits((4, 10), 0)
    bad[1, 3] = float('nan')
    with pytest.raises(FloatingPointError, match=r'logits_T \(teacher\)'):
        AcclimationLoss()(logits((4, 10), 1), bad, torch.arange(4))
