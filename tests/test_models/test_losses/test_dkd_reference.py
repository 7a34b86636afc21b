"""mmrazor's DKDLoss, as this package's DKD configs set it (reduction
'batchmean'), equals DKD's formula (Zhao et al., CVPR 2022, Eq. 5):
alpha * KL(b_T || b_S) + beta * KL(p^_T || p^_S), times tau^2, averaged over
the batch, with b the binary (target, rest) probabilities and p^ the
softmax over the non-target classes."""
import pytest
import torch
from mmrazor.models.losses import DKDLoss


def dkd_reference(logits_s, logits_t, labels, tau, alpha, beta):
    """Float64 DKD written from the paper."""
    s, t = logits_s.double() / tau, logits_t.double() / tau
    p_s, p_t = s.softmax(1), t.softmax(1)
    rows = torch.arange(len(labels))
    b_s = torch.stack([p_s[rows, labels], 1 - p_s[rows, labels]], 1)
    b_t = torch.stack([p_t[rows, labels], 1 - p_t[rows, labels]], 1)
    tckd = (b_t * (b_t.log() - b_s.log())).sum(1)
    keep = torch.ones_like(s, dtype=torch.bool)
    keep[rows, labels] = False
    n, c = s.shape
    q_s = s[keep].view(n, c - 1).log_softmax(1)
    q_t = t[keep].view(n, c - 1).log_softmax(1)
    nckd = (q_t.exp() * (q_t - q_s)).sum(1)
    return (tau**2 * (alpha * tckd + beta * nckd)).mean()


@pytest.mark.parametrize('tau,alpha,beta,classes', [(4.0, 1.0, 8.0, 100),
                                                    (1.0, 1.0, 0.5, 1000),
                                                    (4.0, 1.0, 2.0, 10)])
def test_batchmean_dkd_matches_the_formula(tau, alpha, beta, classes):
    generator = torch.Generator().manual_seed(classes)
    logits_s = torch.randn(16, classes, generator=generator) * 3
    logits_t = torch.randn(16, classes, generator=generator) * 3
    labels = torch.randint(0, classes, (16, ), generator=generator)
    loss = DKDLoss(tau=tau, alpha=alpha, beta=beta, reduction='batchmean')
    expected = dkd_reference(logits_s, logits_t, labels, tau, alpha, beta)
    torch.testing.assert_close(
        loss(logits_s, logits_t, labels).double(), expected, rtol=1e-4,
        atol=1e-6)


def test_mean_reduction_sums_over_the_batch():
    """Why the configs set 'batchmean': mmrazor's own DKD config sets
    'mean', which its legacy ``size_average=False`` turns into a sum."""
    generator = torch.Generator().manual_seed(0)
    logits_s, logits_t = torch.randn(2, 8, 100, generator=generator)
    labels = torch.randint(0, 100, (8, ), generator=generator)
    batchmean = DKDLoss(tau=4.0, beta=8.0)(logits_s, logits_t, labels)
    mean = DKDLoss(tau=4.0, beta=8.0, reduction='mean')(logits_s, logits_t,
                                                        labels)
    torch.testing.assert_close(mean, 8 * batchmean)
