"""The ``terms`` of DISTLoss, DISTFeatureLoss and CMKDLoss (what the
diagnostics hook logs): each against an independent float64 formula, and
their sum against the loss."""
import math

import numpy as np
import pytest
import torch
from dist_reference import pearson_relation, probabilities, reference_dense
from scipy.stats import entropy
from test_dist_feature_loss import reference as feature_reference

from dist_kd_mm import CMKDLoss, DISTLoss
from dist_kd_mm.models.losses import DISTFeatureLoss


def randn(shape, seed, scale=2.0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=generator,
                       dtype=torch.float64) * scale


@pytest.mark.parametrize('tau,weights', [(1.0, (1.0, 1.0, 2.0)),
                                         (4.0, (0.5, 2.0, 1.0)),
                                         (2.0, (0.0, 1.0, 1.0))])
def test_dist_terms_are_the_weighted_relations(tau, weights):
    beta, gamma, loss_weight = weights
    logits_s, logits_t = randn((16, 10), 0), randn((16, 10), 1)
    loss = DISTLoss(tau=tau, inter_loss_weight=beta, intra_loss_weight=gamma,
                    loss_weight=loss_weight)
    terms = loss.terms(logits_s, logits_t)
    ys = probabilities(logits_s.numpy(), tau)
    yt = probabilities(logits_t.numpy(), tau)
    scale = loss_weight * tau**2
    expected = {'inter': scale * beta * pearson_relation(ys, yt),
                'intra': scale * gamma * pearson_relation(ys.T, yt.T)}
    expected = {k: v for k, v in expected.items() if v != 0}
    assert terms.keys() == expected.keys()
    for name in expected:
        assert float(terms[name]) == pytest.approx(expected[name], rel=1e-12)
    assert float(sum(terms.values())) == pytest.approx(
        float(loss(logits_s, logits_t)), rel=1e-14)


def test_dist_dense_terms_leave_ignored_pixels_out():
    logits_s, logits_t = randn((2, 5, 4, 6), 2), randn((2, 5, 4, 6), 3)
    labels = torch.randint(0, 5, (2, 4, 6),
                           generator=torch.Generator().manual_seed(4))
    labels[0, :2] = 255
    loss = DISTLoss(tau=1.0, loss_weight=2.0)
    terms = loss.terms(logits_s, logits_t, labels)
    inter = reference_dense(logits_s.numpy(), logits_t.numpy(),
                            labels.numpy(), gamma=0.0, loss_weight=2.0)
    intra = reference_dense(logits_s.numpy(), logits_t.numpy(),
                            labels.numpy(), beta=0.0, loss_weight=2.0)
    assert float(terms['inter']) == pytest.approx(inter, rel=1e-10)
    assert float(terms['intra']) == pytest.approx(intra, rel=1e-10)
    # the rows the diagnostics read are the valid pixels
    _, _, mask = loss.instances(logits_s, logits_t, labels)
    assert int(mask.sum()) == int((labels != 255).sum())


def test_dist_terms_without_instances_are_empty():
    loss = DISTLoss()
    empty = torch.zeros(0, 5)
    assert loss.terms(empty, empty) == {}
    assert float(loss(empty, empty)) == 0.0


@pytest.mark.parametrize('weights', [(1.0, 1.0, 1.0), (2.0, 0.5, 3.0),
                                     (0.0, 1.0, 1.0)])
def test_feature_terms_are_the_weighted_relations(weights):
    channel, spatial, weight = weights
    feats_s = [randn((2, 8, 4, 4), 5), randn((2, 8, 2, 2), 6)]
    feats_t = [randn((2, 8, 4, 4), 7), randn((2, 8, 2, 2), 8)]
    loss = DISTFeatureLoss(channel_weight=channel, spatial_weight=spatial,
                           loss_weight=weight)
    terms = loss.terms(feats_s, feats_t)
    for name, (c, s) in (('channel', (channel, 0.0)),
                         ('spatial', (0.0, spatial))):
        expected = sum(feature_reference(fs.numpy(), ft.numpy(), c, s,
                                         weight)
                       for fs, ft in zip(feats_s, feats_t))
        if expected == 0:
            assert name not in terms
        else:
            assert float(terms[name]) == pytest.approx(expected, rel=1e-10)
    assert float(sum(terms.values())) == pytest.approx(
        float(loss(feats_s, feats_t)), rel=1e-14)


def test_cmkd_terms_split_the_loss():
    logits_s, logits_t = randn((12, 10), 9), randn((12, 10), 10)
    tau, loss_weight = 2.0, 1.5
    loss = CMKDLoss(tau=tau, loss_weight=loss_weight, pearson_weight=0.7,
                    spearman_weight=1.3, intra_loss_weight=0.5)
    terms = loss.terms(logits_s, logits_t)
    assert list(terms) == ['pearson', 'spearman', 'intra']
    ys = probabilities(logits_s.numpy(), tau)
    yt = probabilities(logits_t.numpy(), tau)
    shares = np.array([entropy(row) / math.log(10) for row in yt])
    inter = np.array([pearson_relation(a[None], b[None])
                      for a, b in zip(ys, yt)])
    scale = loss_weight * tau**2
    assert float(terms['pearson']) == pytest.approx(
        scale * 0.7 * np.mean((1 - shares) * inter), rel=1e-10)
    assert float(terms['intra']) == pytest.approx(
        scale * 0.5 * pearson_relation(ys.T, yt.T), rel=1e-10)
    # the Spearman part is the loss with the other two off
    spearman_only = CMKDLoss(tau=tau, loss_weight=loss_weight,
                             pearson_weight=0.0, spearman_weight=1.3,
                             intra_loss_weight=0.0)
    assert float(terms['spearman']) == pytest.approx(
        float(spearman_only(logits_s, logits_t)), rel=1e-12)
    assert float(sum(terms.values())) == pytest.approx(
        float(loss(logits_s, logits_t)), rel=1e-14)
