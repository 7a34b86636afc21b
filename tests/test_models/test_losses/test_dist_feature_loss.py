"""DISTFeatureLoss (DIST+'s feature relations) against an independent
float64 formula, its invariances, and its errors."""
import numpy as np
import pytest
import torch
from mmrazor.registry import MODELS as MMRAZOR_MODELS

from dist_kd_mm import DISTFeatureLoss

SHAPES = [(2, 8, 3, 4), (4, 16, 7, 7), (1, 5, 6), (3, 32, 2, 3, 2)]
WEIGHTS = [(1.0, 1.0, 1.0), (2.0, 0.5, 1.0), (1.0, 0.0, 3.0),
           (0.0, 1.0, 0.5)]


def maps(shape, seed, scale=2.0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=generator) * scale


def pearson_np(u, v, eps=1e-8):
    u, v = u - u.mean(), v - v.mean()
    return float(u @ v / (np.sqrt(u @ u) * np.sqrt(v @ v) + eps))


def reference(feat_s, feat_t, channel=1.0, spatial=1.0, weight=1.0):
    """The paper's two relations, one sample and position at a time."""
    s = np.asarray(feat_s, dtype=np.float64)
    t = np.asarray(feat_t, dtype=np.float64)
    s = s.reshape(s.shape[0], s.shape[1], -1)
    t = t.reshape(t.shape[0], t.shape[1], -1)
    channel_term = 1 - np.mean([
        pearson_np(s[n, :, p], t[n, :, p])
        for n in range(s.shape[0]) for p in range(s.shape[2])
    ])
    spatial_term = 1 - np.mean([
        pearson_np(s[n].sum(0), t[n].sum(0)) for n in range(s.shape[0])
    ])
    return weight * (channel * channel_term + spatial * spatial_term)


@pytest.mark.parametrize('shape', SHAPES)
@pytest.mark.parametrize('weights', WEIGHTS)
def test_matches_float64_reference(shape, weights):
    channel, spatial, weight = weights
    feat_s = maps(shape, 0)
    feat_t = 0.5 * feat_s + maps(shape, 1)
    loss = DISTFeatureLoss(channel, spatial, weight)
    value = loss(feat_s, feat_t)
    assert value.dtype == torch.float32
    assert value.item() == pytest.approx(
        reference(feat_s, feat_t, channel, spatial, weight), rel=1e-5,
        abs=1e-6)
    double = loss(feat_s.double(), feat_t.double())
    assert double.dtype == torch.float64
    assert double.item() == pytest.approx(
        reference(feat_s, feat_t, channel, spatial, weight), rel=1e-11,
        abs=1e-12)


@pytest.mark.parametrize('term', ['channel', 'spatial'])
def test_identical_maps_give_0_and_negated_maps_2(term):
    feat = maps((3, 6, 4, 5), 2)
    loss = DISTFeatureLoss(channel_weight=float(term == 'channel'),
                           spatial_weight=float(term == 'spatial'))
    assert loss(feat, feat.clone()).item() == pytest.approx(0.0, abs=1e-6)
    assert loss(feat, -feat).item() == pytest.approx(2.0, abs=1e-6)


def test_channel_term_ignores_a_positive_affine_map_per_position():
    feat_s, feat_t = maps((2, 8, 3, 3), 3), maps((2, 8, 3, 3), 4)
    generator = torch.Generator().manual_seed(5)
    scale = torch.rand(2, 1, 3, 3, generator=generator) + 0.5
    shift = torch.randn(2, 1, 3, 3, generator=generator)
    loss = DISTFeatureLoss(channel_weight=1.0, spatial_weight=0.0)
    assert loss(feat_s * scale + shift, feat_t).item() == pytest.approx(
        loss(feat_s, feat_t).item(), rel=1e-5)


def test_spatial_term_ignores_a_positive_affine_map_of_the_summed_map():
    feat_s, feat_t = maps((2, 4, 5, 5), 6), maps((2, 4, 5, 5), 7)
    # a * F + b / C per channel makes the channel sum a * sum + b, per sample
    a = torch.tensor([2.0, 0.3]).view(2, 1, 1, 1)
    b = torch.tensor([-1.0, 4.0]).view(2, 1, 1, 1)
    loss = DISTFeatureLoss(channel_weight=0.0, spatial_weight=1.0)
    assert loss(a * feat_s + b / 4, feat_t).item() == pytest.approx(
        loss(feat_s, feat_t).item(), rel=1e-5)
    # not per position: the channel term would not care, this one does
    position_scale = torch.rand(2, 1, 5, 5) + 0.5
    assert abs(loss(feat_s * position_scale, feat_t).item()
               - loss(feat_s, feat_t).item()) > 1e-3


def test_a_samples_spatial_term_does_not_depend_on_its_batch_mates():
    feat_s, feat_t = maps((3, 4, 5, 6), 8), maps((3, 4, 5, 6), 9)
    loss = DISTFeatureLoss(channel_weight=0.0, spatial_weight=1.0)
    alone = [loss(feat_s[i:i + 1], feat_t[i:i + 1]).item() for i in range(3)]
    assert loss(feat_s, feat_t).item() == pytest.approx(np.mean(alone),
                                                        rel=1e-6)
    other = feat_s.clone()
    other[1:] = maps((2, 4, 5, 6), 10)
    assert loss(other[:1], feat_t[:1]).item() == pytest.approx(alone[0])


def test_gradcheck_and_teacher_gets_no_gradient():
    feat_s = maps((2, 3, 2, 3), 11, 1.0).double().requires_grad_()
    feat_t = maps((2, 3, 2, 3), 12, 1.0).double().requires_grad_()
    assert torch.autograd.gradcheck(
        lambda s, t: DISTFeatureLoss(1.5, 0.7, teacher_detach=False)(s, t),
        (feat_s, feat_t))
    DISTFeatureLoss()(feat_s, feat_t).backward()
    assert feat_t.grad is None and torch.isfinite(feat_s.grad).all()


def test_degenerate_maps_are_finite():
    feat_s = torch.zeros(2, 4, 3, 3).requires_grad_()
    value = DISTFeatureLoss()(feat_s, torch.ones(2, 4, 3, 3))
    value.backward()
    assert torch.isfinite(value) and value.item() == pytest.approx(2.0)
    assert torch.isfinite(feat_s.grad).all()


def test_a_tuple_of_levels_gives_the_sum_of_their_losses():
    levels_s = [maps((2, 8, 8, 8), 13), maps((2, 8, 4, 4), 14)]
    levels_t = [maps((2, 8, 8, 8), 15), maps((2, 8, 4, 4), 16)]
    loss = DISTFeatureLoss()
    assert loss(tuple(levels_s), tuple(levels_t)).item() == pytest.approx(
        sum(loss(s, t).item() for s, t in zip(levels_s, levels_t)))


def test_low_precision_input_is_computed_in_float32():
    feat_s = maps((2, 16, 4, 4), 17).to(torch.bfloat16).requires_grad_()
    feat_t = maps((2, 16, 4, 4), 18).to(torch.bfloat16)
    value = DISTFeatureLoss()(feat_s, feat_t)
    assert value.dtype == torch.float32
    assert value.item() == pytest.approx(
        reference(feat_s.detach().float(), feat_t.float()), rel=1e-5)
    value.backward()
    assert feat_s.grad.dtype == torch.bfloat16


def test_bad_inputs_are_named():
    loss = DISTFeatureLoss()
    with pytest.raises(ValueError, match=r'preds_S \(2, 8, 4, 4\) vs '
                       r'preds_T \(2, 16, 4, 4\).*in_channel=8, '
                       r'out_channel=16'):
        loss(maps((2, 8, 4, 4), 0), maps((2, 16, 4, 4), 1))
    with pytest.raises(TypeError, match=r'preds_T \(teacher\) must be a '
                       'floating-point'):
        loss(maps((2, 8, 4), 0), torch.zeros(2, 8, 4, dtype=torch.long))
    with pytest.raises(TypeError, match='as many tensors'):
        loss((maps((2, 8, 4), 0), ), (maps((2, 8, 4), 0), ) * 2)
    with pytest.raises(ValueError, match=r'\(level 1\)'):
        loss((maps((2, 8, 4), 0), maps((2, 8, 4), 1)),
             (maps((2, 8, 4), 2), maps((2, 4, 4), 3)))
    bad = maps((2, 8, 4), 4)
    bad[0, 0, 0] = float('nan')
    with pytest.raises(FloatingPointError, match=r'preds_S \(student\)'):
        loss(bad, maps((2, 8, 4), 5))


def test_built_from_an_mmrazor_config():
    loss = MMRAZOR_MODELS.build(dict(type='dist_kd_mm.DISTFeatureLoss',
                                     channel_weight=2.0))
    assert isinstance(loss, DISTFeatureLoss) and loss.channel_weight == 2.0
