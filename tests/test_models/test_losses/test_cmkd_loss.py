"""CMKDLoss against scipy's Spearman, numpy Pearson and DISTLoss."""
import math

import numpy as np
import pytest
import torch
from dist_reference import pearson_relation, probabilities, reference_dist
from mmrazor.registry import MODELS as MMRAZOR_MODELS
from scipy.stats import entropy, rankdata, spearmanr

from dist_kd_mm import CMKDLoss, DISTLoss
from dist_kd_mm.models.losses.cmkd_loss import exact_ranks

SPEARMAN_ONLY = dict(weighting='fixed', spearman_share=1.0,
                     intra_loss_weight=0.0)


def random_logits(shape, seed, scale=3.0, dtype=torch.float64):
    generator = torch.Generator().manual_seed(seed)
    return (torch.randn(shape, generator=generator) * scale).to(dtype)


def scipy_spearman_term(logits_s, logits_t, tau=1.0):
    ps = probabilities(logits_s, tau)
    pt = probabilities(logits_t, tau)
    return 1 - np.mean([spearmanr(a, b).statistic for a, b in zip(ps, pt)])


@pytest.mark.parametrize('shape,tau', [((16, 10), 1.0), ((8, 100), 4.0),
                                       ((4, 1000), 1.0)])
def test_spearman_term_approaches_scipy_as_strength_goes_to_zero(shape, tau):
    logits_s, logits_t = random_logits(shape, 1), random_logits(shape, 2)
    expected = scipy_spearman_term(logits_s.numpy(), logits_t.numpy(), tau)
    errors = []
    for strength in (1.0, 1e-2, 1e-4, 1e-6):
        loss = CMKDLoss(tau=tau, regularization_strength=strength,
                        **SPEARMAN_ONLY)
        errors.append(abs(float(loss(logits_s, logits_t)) / tau**2 -
                          expected))
    assert errors[-1] < 1e-6, errors
    assert errors[0] > errors[-1]


def test_spearman_term_is_invariant_to_increasing_maps_of_the_teacher():
    """Only the teacher's ranks matter: any strictly increasing map of its
    probabilities (here through its logits) leaves the term unchanged."""
    logits_s = random_logits((12, 30), 3)
    logits_t = random_logits((12, 30), 4, scale=1.0)
    loss = CMKDLoss(regularization_strength=0.05, **SPEARMAN_ONLY)
    base = loss(logits_s, logits_t)
    for mapped in (logits_t * 5 + 2, logits_t + 0.3 * logits_t.pow(3),
                   torch.exp(logits_t), torch.sigmoid(logits_t) * 10):
        assert float(loss(logits_s, mapped)) == pytest.approx(float(base),
                                                              abs=1e-12)
    # a map that reorders classes does change it
    assert abs(float(loss(logits_s, -logits_t)) - float(base)) > 1e-2


def test_exact_ranks_match_scipy_average_ranks_with_ties():
    x = torch.tensor([[3.0, 1.0, 3.0, 2.0, 1.0], [0.0, 0.0, 0.0, 0.0, 5.0]],
                     dtype=torch.float64)
    assert np.array_equal(exact_ranks(x).numpy(),
                          rankdata(x.numpy(), axis=1))


def test_pearson_term_and_intra_relation_match_dist():
    """Spearman share 0 is DIST: inter (Pearson) plus intra relation."""
    logits_s, logits_t = random_logits((32, 10), 5), random_logits((32, 10),
                                                                   6)
    for tau in (1.0, 4.0):
        cmkd = CMKDLoss(tau=tau, loss_weight=2.0, weighting='fixed',
                        spearman_share=0.0)
        expected = reference_dist(logits_s.numpy(), logits_t.numpy(),
                                  tau=tau, loss_weight=2.0)
        assert float(cmkd(logits_s, logits_t)) == pytest.approx(expected,
                                                                rel=1e-9)
        assert float(cmkd(logits_s, logits_t)) == pytest.approx(
            float(DISTLoss(tau=tau, loss_weight=2.0)(logits_s, logits_t)),
            rel=1e-9)


@pytest.mark.parametrize('weighting', ['hard_to_rank', 'easy_to_rank'])
def test_per_instance_weights_follow_teacher_entropy(weighting):
    logits_s, logits_t = random_logits((24, 10), 7), random_logits(
        (24, 10), 8, scale=np.linspace(0.1, 6, 24)[:, None])
    strength = 1e-7
    loss = CMKDLoss(weighting=weighting, intra_loss_weight=0.0,
                    regularization_strength=strength, pearson_weight=0.7,
                    spearman_weight=1.3)
    ps = probabilities(logits_s.numpy())
    pt = probabilities(logits_t.numpy())
    difficulty = entropy(pt, axis=1) / math.log(10)
    share = difficulty if weighting == 'hard_to_rank' else 1 - difficulty
    pearson = np.array([pearson_relation(a[None], b[None])
                        for a, b in zip(ps, pt)])
    spearman = np.array([1 - spearmanr(a, b).statistic
                         for a, b in zip(ps, pt)])
    expected = np.mean(0.7 * (1 - share) * pearson + 1.3 * share * spearman)
    assert float(loss(logits_s, logits_t)) == pytest.approx(expected,
                                                            rel=1e-6)
    assert 0 < difficulty.min() < 0.3 and difficulty.max() > 0.9


def test_dense_maps_make_every_pixel_an_instance():
    maps_s, maps_t = random_logits((2, 5, 3, 4), 9), random_logits(
        (2, 5, 3, 4), 10)
    rows_s = maps_s.permute(0, 2, 3, 1).reshape(-1, 5)
    rows_t = maps_t.permute(0, 2, 3, 1).reshape(-1, 5)
    loss = CMKDLoss(regularization_strength=0.1)
    assert float(loss(maps_s, maps_t)) == pytest.approx(
        float(loss(rows_s, rows_t)), rel=1e-12)


def test_gradcheck_and_teacher_gets_no_gradient():
    logits_s = random_logits((5, 6), 11).requires_grad_()
    logits_t = random_logits((5, 6), 12).requires_grad_()
    loss = CMKDLoss(tau=2.0, regularization_strength=0.5)
    assert torch.autograd.gradcheck(lambda s: loss(s, logits_t), (logits_s, ),
                                    eps=1e-6, atol=1e-5)
    loss(logits_s, logits_t).backward()
    assert logits_t.grad is None


def test_degenerate_inputs_give_finite_values_and_gradients():
    cases = [
        (torch.zeros(4, 10), torch.zeros(4, 10)),  # uniform rows, ties
        (torch.ones(1, 10), random_logits((1, 10), 13).float()),  # one row
        (random_logits((6, 10), 14).float(), torch.full((6, 10), 2.0)),
    ]
    for logits_s, logits_t in cases:
        logits_s = logits_s.clone().requires_grad_()
        value = CMKDLoss()(logits_s, logits_t)
        value.backward()
        assert torch.isfinite(value) and torch.isfinite(logits_s.grad).all()
    empty = torch.zeros(0, 10, requires_grad=True)
    assert float(CMKDLoss()(empty, torch.zeros(0, 10))) == 0.0


def test_low_precision_input_is_computed_in_float32():
    logits_s = random_logits((8, 20), 15).to(torch.bfloat16).requires_grad_()
    logits_t = random_logits((8, 20), 16).to(torch.bfloat16)
    value = CMKDLoss()(logits_s, logits_t)
    assert value.dtype == torch.float32
    expected = CMKDLoss()(logits_s.detach().float(), logits_t.float())
    assert float(value) == pytest.approx(float(expected), rel=1e-6)
    value.backward()
    assert logits_s.grad.dtype == torch.bfloat16


def test_bad_inputs_and_options_are_named():
    with pytest.raises(ValueError, match=r'CMKDLoss: student and teacher'):
        CMKDLoss()(torch.randn(4, 10), torch.randn(4, 11))
    logits = torch.randn(4, 10)
    logits[1, 1] = float('nan')
    with pytest.raises(FloatingPointError, match=r'logits_S \(student\)'):
        CMKDLoss()(logits, torch.randn(4, 10))
    for options, field in ((dict(weighting='hard'), 'weighting'),
                           (dict(spearman_share=2.0), 'spearman_share'),
                           (dict(regularization_strength=0.0),
                            'regularization_strength'),
                           (dict(tau=0.0), 'tau')):
        with pytest.raises(ValueError, match=field):
            CMKDLoss(**options)


def test_a_gt_labels_mapping_is_refused_by_mmrazor():
    """CMKDLoss has no ignore mask: a config that maps gt_labels to it
    fails when the distiller is built, not silently at training time."""
    from mmrazor.models.distillers import ConfigurableDistiller
    with pytest.raises(AssertionError, match='gt_labels is not in the '
                       'signature'):
        ConfigurableDistiller(
            student_recorders=dict(fc=dict(type='ModuleOutputs',
                                           source='fc')),
            teacher_recorders=dict(fc=dict(type='ModuleOutputs',
                                           source='fc')),
            distill_losses=dict(loss=dict(type='dist_kd_mm.CMKDLoss')),
            loss_forward_mappings=dict(loss=dict(
                logits_S=dict(from_student=True, recorder='fc'),
                logits_T=dict(from_student=False, recorder='fc'),
                gt_labels=dict(from_student=True, recorder='fc'))))


def test_built_from_an_mmrazor_config():
    loss = MMRAZOR_MODELS.build(dict(type='dist_kd_mm.CMKDLoss', tau=4.0,
                                     weighting='easy_to_rank'))
    assert type(loss) is CMKDLoss and loss.weighting == 'easy_to_rank'
