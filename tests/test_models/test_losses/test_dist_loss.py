"""DISTLoss against an independent float64 formula, mmrazor and autograd."""
import numpy as np
import pytest
import torch
from dist_reference import reference_dist
from mmrazor.models.losses import DISTLoss as MMRazorDISTLoss
from mmrazor.registry import MODELS as MMRAZOR_MODELS
from scipy import stats

import dist_kd_mm  # noqa: F401
from dist_kd_mm import CMKDLoss, DISTLoss

SHAPES = [(8, 10), (64, 100), (3, 1000), (2, 5, 4, 6), (1, 19, 8, 16),
          (4, 3, 7), (5, 2)]
SETTINGS = [
    dict(tau=1.0, inter_loss_weight=1.0, intra_loss_weight=1.0,
         loss_weight=1.0),
    dict(tau=4.0, inter_loss_weight=2.0, intra_loss_weight=2.0,
         loss_weight=1.0),
    dict(tau=1.0, inter_loss_weight=1.0, intra_loss_weight=1.0,
         loss_weight=2.0),
    dict(tau=0.5, inter_loss_weight=0.3, intra_loss_weight=1.7,
         loss_weight=0.7),
    dict(tau=2.0, inter_loss_weight=1.0, intra_loss_weight=0.0,
         loss_weight=1.0),
]


def random_logits(shape, seed, scale=3.0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=generator) * scale


def reference_for(loss: DISTLoss, logits_s, logits_t):
    return reference_dist(
        logits_s.double().numpy(), logits_t.double().numpy(), loss.tau,
        loss.inter_loss_weight, loss.intra_loss_weight, loss.loss_weight,
        loss.activation, loss.eps)


@pytest.mark.parametrize('shape', SHAPES)
@pytest.mark.parametrize('setting', SETTINGS)
@pytest.mark.parametrize('activation', ['softmax', 'sigmoid'])
def test_matches_float64_reference(shape, setting, activation):
    logits_s = random_logits(shape, 0)
    logits_t = logits_s * 0.5 + random_logits(shape, 1)
    loss = DISTLoss(activation=activation, **setting)
    value = loss(logits_s, logits_t)
    assert value.dtype == torch.float32
    expected = reference_for(loss, logits_s, logits_t)
    assert value.item() == pytest.approx(expected, rel=2e-5, abs=2e-6)


@pytest.mark.parametrize('shape', SHAPES)
def test_float64_input_matches_reference_tightly(shape):
    logits_s = random_logits(shape, 2).double()
    logits_t = random_logits(shape, 3).double()
    loss = DISTLoss(tau=2.0, inter_loss_weight=1.5, intra_loss_weight=0.5)
    value = loss(logits_s, logits_t)
    assert value.dtype == torch.float64
    assert value.item() == pytest.approx(
        reference_for(loss, logits_s, logits_t), rel=1e-12, abs=1e-12)


def test_reference_relation_agrees_with_scipy_pearson():
    """The float64 reference itself, checked against scipy's Pearson."""
    logits_s, logits_t = random_logits((6, 12), 4), random_logits((6, 12), 5)
    ys = torch.softmax(logits_s.double(), 1).numpy()
    yt = torch.softmax(logits_t.double(), 1).numpy()
    inter = 1 - np.mean([stats.pearsonr(u, v)[0] for u, v in zip(ys, yt)])
    intra = 1 - np.mean(
        [stats.pearsonr(u, v)[0] for u, v in zip(ys.T, yt.T)])
    expected = reference_dist(logits_s.numpy(), logits_t.numpy(), eps=0.0)
    assert inter + intra == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize('shape', [(8, 10), (256, 1000), (64, 100),
                                   (1024, 81)])
@pytest.mark.parametrize('setting', SETTINGS)
def test_matches_mmrazor_on_2d(shape, setting):
    logits_s = random_logits(shape, 6)
    logits_t = random_logits(shape, 7)
    ours = DISTLoss(**setting)(logits_s, logits_t)
    theirs = MMRazorDISTLoss(**setting)(logits_s.double(),
                                        logits_t.double())
    assert ours.item() == pytest.approx(theirs.item(), rel=2e-5, abs=2e-6)


def test_gradient_matches_mmrazor_autograd_on_2d():
    logits_s = random_logits((16, 10), 8).double().requires_grad_()
    logits_t = random_logits((16, 10), 9).double()
    setting = dict(tau=4.0, inter_loss_weight=2.0, intra_loss_weight=0.5)
    DISTLoss(**setting)(logits_s, logits_t).backward()
    ours = logits_s.grad.clone()
    logits_s.grad = None
    MMRazorDISTLoss(**setting)(logits_s, logits_t).backward()
    torch.testing.assert_close(ours, logits_s.grad, rtol=1e-10, atol=1e-12)


def test_dense_differs_from_mmrazor_intra_relation():
    """On (N, C, H, W) mmrazor correlates images, we correlate pixels."""
    logits_s = random_logits((2, 4, 3, 3), 10)
    logits_t = random_logits((2, 4, 3, 3), 11)
    ours = DISTLoss()(logits_s, logits_t).item()
    mmrazor = MMRazorDISTLoss()(logits_s, logits_t).item()
    assert ours == pytest.approx(
        reference_dist(logits_s.numpy(), logits_t.numpy()), rel=2e-5)
    assert abs(ours - mmrazor) > 1e-3


def test_dense_equals_2d_on_flattened_pixels():
    logits_s = random_logits((2, 19, 8, 16), 12)
    logits_t = random_logits((2, 19, 8, 16), 13)
    loss = DISTLoss(tau=2.0)
    dense = loss(logits_s, logits_t)
    flat = loss(logits_s.permute(0, 2, 3, 1).reshape(-1, 19),
                logits_t.permute(0, 2, 3, 1).reshape(-1, 19))
    torch.testing.assert_close(dense, flat, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('shape', [(5, 4), (2, 3, 2, 3), (1, 4), (3, 2)])
@pytest.mark.parametrize('activation', ['softmax', 'sigmoid'])
def test_gradcheck_student_and_teacher(shape, activation):
    logits_s = random_logits(shape, 14, 1.0).double().requires_grad_()
    logits_t = random_logits(shape, 15, 1.0).double().requires_grad_()
    loss = DISTLoss(tau=1.5, inter_loss_weight=0.7, intra_loss_weight=1.3,
                    loss_weight=2.0, teacher_detach=False,
                    activation=activation)
    assert torch.autograd.gradcheck(loss, (logits_s, logits_t))


def test_teacher_receives_no_gradient_by_default():
    logits_s = random_logits((8, 10), 16).requires_grad_()
    logits_t = random_logits((8, 10), 17).requires_grad_()
    DISTLoss()(logits_s, logits_t).backward()
    assert logits_t.grad is None
    assert logits_s.grad is not None and logits_s.grad.abs().sum() > 0


def test_teacher_gradient_when_not_detached_matches_autograd():
    logits_s = random_logits((6, 7), 18).double().requires_grad_()
    logits_t = random_logits((6, 7), 19).double().requires_grad_()
    DISTLoss(teacher_detach=False)(logits_s, logits_t).backward()
    ours = logits_t.grad.clone()
    logits_t.grad = None
    MMRazorDISTLoss(teacher_detach=False)(logits_s, logits_t).backward()
    torch.testing.assert_close(ours, logits_t.grad, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_low_precision_input_is_computed_in_float32(dtype):
    logits_s = random_logits((32, 100), 20).to(dtype).requires_grad_()
    logits_t = random_logits((32, 100), 21).to(dtype)
    loss = DISTLoss(tau=4.0)
    value = loss(logits_s, logits_t)
    assert value.dtype == torch.float32
    expected = reference_for(loss, logits_s.detach().float(), logits_t.float())
    assert value.item() == pytest.approx(expected, rel=1e-5)
    value.backward()
    assert logits_s.grad.dtype == dtype
    assert torch.isfinite(logits_s.grad.float()).all()


def finite_loss_and_grad(logits_s, logits_t, **kwargs):
    logits_s = logits_s.clone().requires_grad_()
    value = DISTLoss(**kwargs)(logits_s, logits_t)
    value.backward()
    assert torch.isfinite(value)
    assert torch.isfinite(logits_s.grad).all()
    return value.item()


def test_single_instance():
    logits_s, logits_t = random_logits((1, 10), 22), random_logits((1, 10), 23)
    value = finite_loss_and_grad(logits_s, logits_t)
    # one row: every class column has a single value, its Pearson is 0
    assert value == pytest.approx(
        reference_dist(logits_s.numpy(), logits_t.numpy()), rel=1e-5)
    inter_only = finite_loss_and_grad(logits_s, logits_t,
                                      intra_loss_weight=0.0)
    assert value - inter_only == pytest.approx(1.0, abs=1e-6)


def test_single_pixel_dense_map():
    logits_s = random_logits((1, 5, 1, 1), 24)
    logits_t = random_logits((1, 5, 1, 1), 25)
    value = finite_loss_and_grad(logits_s, logits_t)
    assert value == pytest.approx(
        reference_dist(logits_s.numpy(), logits_t.numpy()), rel=1e-5)


def test_constant_rows():
    logits_s = torch.full((4, 6), 3.0)
    logits_t = random_logits((4, 6), 26)
    value = finite_loss_and_grad(logits_s, logits_t)
    assert value == pytest.approx(
        reference_dist(logits_s.numpy(), logits_t.numpy()), rel=1e-5)


def test_all_zero_logits():
    zeros = torch.zeros(4, 6)
    # uniform probabilities: every centred vector is 0, every Pearson is 0
    assert finite_loss_and_grad(zeros, zeros) == pytest.approx(2.0)
    assert finite_loss_and_grad(
        zeros, zeros, tau=4.0, loss_weight=2.0) == pytest.approx(64.0)
    dense = finite_loss_and_grad(torch.zeros(2, 3, 4, 4),
                                 torch.zeros(2, 3, 4, 4), activation='sigmoid')
    assert dense == pytest.approx(2.0)


def test_non_finite_logits_raise_and_name_the_side():
    logits_s = random_logits((4, 6), 27)
    logits_t = random_logits((4, 6), 28)
    logits_s[1, 2] = float('nan')
    with pytest.raises(FloatingPointError, match=r'logits_S \(student\)'):
        DISTLoss()(logits_s, logits_t)
    logits_s[1, 2] = 0.0
    logits_t[0, 0] = float('inf')
    with pytest.raises(FloatingPointError, match=r'logits_T \(teacher\)'):
        DISTLoss()(logits_s, logits_t)


def test_bad_shapes_and_arguments_are_named():
    with pytest.raises(ValueError, match=r'\(8, 10\) vs logits_T \(8, 11\)'):
        DISTLoss()(torch.randn(8, 10), torch.randn(8, 11))
    with pytest.raises(ValueError, match='logits_S'):
        DISTLoss()(torch.randn(8), torch.randn(8))
    with pytest.raises(ValueError, match=r'no classes, shape \(4, 0\)'):
        DISTLoss()(torch.randn(4, 0), torch.randn(4, 0))
    with pytest.raises(TypeError, match='floating point'):
        DISTLoss()(torch.ones(2, 3, dtype=torch.long), torch.randn(2, 3))
    with pytest.raises(ValueError, match='tau'):
        DISTLoss(tau=0)
    with pytest.raises(ValueError, match='activation'):
        DISTLoss(activation='relu')


def test_no_instances_give_a_zero_loss_with_a_gradient():
    """A detection batch without RoIs: (0, C) logits, loss 0, zero grad."""
    logits_s = torch.randn(0, 81, requires_grad=True)
    loss = DISTLoss(loss_weight=2.0)(logits_s, torch.randn(0, 81))
    assert loss.dtype == torch.float32 and float(loss) == 0.0
    loss.backward()
    assert logits_s.grad is not None and logits_s.grad.shape == (0, 81)
    empty_map = torch.randn(2, 19, 0, 8, requires_grad=True)
    assert float(DISTLoss()(empty_map, torch.randn(2, 19, 0, 8))) == 0.0


def test_built_from_config_without_shadowing_mmrazor():
    ours = MMRAZOR_MODELS.build(
        dict(type='dist_kd_mm.DISTLoss', tau=4.0, loss_weight=2.0,
             inter_loss_weight=1.0, intra_loss_weight=1.0))
    assert type(ours) is DISTLoss
    assert ours.tau == 4.0 and ours.loss_weight == 2.0
    theirs = MMRAZOR_MODELS.build(dict(type='DISTLoss', tau=4.0))
    assert type(theirs) is MMRazorDISTLoss
    assert MMRAZOR_MODELS.get('DISTLoss') is MMRazorDISTLoss


@pytest.mark.parametrize('loss_type', ['DISTLoss', 'CMKDLoss'])
@pytest.mark.parametrize('value', [float('inf'), float('-inf'),
                                   float('nan')])
def test_non_finite_float32_logits_raise_in_both_losses(loss_type, value):
    """-inf included: a non-finite logit is an error even where the loss
    would be finite, alike in both losses."""
    from dist_kd_mm import CMKDLoss
    loss = DISTLoss() if loss_type == 'DISTLoss' else CMKDLoss()
    logits_s, logits_t = random_logits((4, 6), 40), random_logits((4, 6), 41)
    logits_s[2, 3] = value
    with pytest.raises(FloatingPointError,
                       match=r'logits_S \(student\) has 1 non-finite'):
        loss(logits_s, logits_t)


@pytest.mark.parametrize('loss_type', ['DISTLoss', 'CMKDLoss'])
@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_half_precision_overflow_lets_the_loss_scaler_skip_the_step(
        loss_type, dtype):
    """Under AMP an overflow gives a warning naming the side and a NaN loss
    with NaN gradients: torch's GradScaler (as mmengine's AmpOptimWrapper
    uses it) skips the step and lowers the scale."""
    from dist_kd_mm import CMKDLoss
    loss = DISTLoss() if loss_type == 'DISTLoss' else CMKDLoss()
    head = torch.nn.Linear(8, 6)
    optimizer = torch.optim.SGD(head.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler('cpu', init_scale=1024.0)
    features = random_logits((4, 8), 42)
    logits_t = random_logits((4, 6), 43).to(dtype)
    logits_t[1, 2] = float('inf')  # the teacher's fp16 logits overflowed
    before = head.weight.detach().clone()
    with pytest.warns(RuntimeWarning, match=r'logits_T \(teacher\).*skips'):
        value = loss(head(features).to(dtype), logits_t)
    assert torch.isnan(value)
    scaler.scale(value).backward()
    assert torch.isnan(head.weight.grad).all()
    scaler.step(optimizer)
    scaler.update()
    assert torch.equal(head.weight, before)  # the step was skipped
    assert scaler.get_scale() < 1024.0
    # the next, finite step goes through
    optimizer.zero_grad()
    scaler.scale(loss(head(features).to(dtype), logits_t.nan_to_num(
        posinf=0.0))).backward()
    scaler.step(optimizer)
    assert not torch.equal(head.weight, before)


def test_temperature_must_be_finite_and_cmkd_needs_two_classes():
    from dist_kd_mm import CMKDLoss
    for loss_type in (DISTLoss, CMKDLoss):
        for tau in (float('inf'), float('nan'), 0.0, -1.0):
            with pytest.raises(ValueError, match='tau must be a finite'):
                loss_type(tau=tau)
    with pytest.raises(ValueError, match=r'at least 2 classes.*\(4, 1\)'):
        CMKDLoss()(random_logits((4, 1), 44), random_logits((4, 1), 45))


def first_step_of_a_head(loss, init_std):
    """One SGD step (lr 0.1) of a ``Linear(16, 100)`` head initialised at
    ``init_std`` (0: zero, as mmpretrain's ViT head) under ``loss``: the
    norm of its weight gradient and the largest logit after the step."""
    generator = torch.Generator().manual_seed(0)
    features = torch.randn(32, 16, generator=generator)
    logits_t = torch.randn(32, 100, generator=generator) * 3
    weight = (torch.randn(100, 16, generator=generator) *
              init_std).requires_grad_()
    loss(features @ weight.t(), logits_t).backward()
    with torch.no_grad():
        after = features @ (weight - 0.1 * weight.grad).t()
    return float(weight.grad.norm()), float(after.abs().max())


@pytest.mark.parametrize('init_std', [0.0, 1e-6])
def test_a_zero_initialised_head_takes_no_singular_first_step(init_std):
    """The formula's gradient at a constant student row is 1/eps times the
    teacher's (|grad W| 4.7e5 here, logits to 7e4; CMKD's z-score made it
    1e17). With the default norm_floor, both losses taper it to about
    nothing there (the task loss moves the head first), and CMKD's gradient
    is no larger than DIST's; a head of ordinary scale gets the formula's
    gradient exactly."""
    dist_grad, dist_logit = first_step_of_a_head(DISTLoss(), init_std)
    cmkd_grad, cmkd_logit = first_step_of_a_head(CMKDLoss(), init_std)
    formula_grad, formula_logit = first_step_of_a_head(
        DISTLoss(norm_floor=0.0), init_std)
    assert dist_logit < 1 and cmkd_logit < 1
    assert cmkd_grad <= 1.01 * dist_grad
    assert formula_logit > 1e3 and formula_grad > 1e4 * dist_grad
    ordinary = [first_step_of_a_head(loss, 0.01)[0]
                for loss in (DISTLoss(), DISTLoss(norm_floor=0.0))]
    assert ordinary[0] == ordinary[1]


@pytest.mark.parametrize('loss_type', ['DISTLoss', 'CMKDLoss'])
@pytest.mark.parametrize('value', [-0.1, 1.0, 'small', None])
def test_norm_floor_must_be_in_zero_one(loss_type, value):
    loss_class = DISTLoss if loss_type == 'DISTLoss' else CMKDLoss
    with pytest.raises(ValueError, match=f'{loss_type}: norm_floor'):
        loss_class(norm_floor=value)
