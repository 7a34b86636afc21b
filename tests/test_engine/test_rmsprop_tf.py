"""RMSpropTF against TensorFlow 1's RMSPropOptimizer update, written here in
NumPy from its documented formula, and built from configs as the strong
ImageNet recipe names it."""
import copy

import numpy as np
import pytest
import torch
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope

from dist_kd_mm.engine import RMSpropTF


def tf_rmsprop(param, grads, lr, alpha, eps, momentum, weight_decay,
               centered):
    """TF: ms <- rho ms + (1 - rho) g^2 (ms starts at 1); mg likewise from 0
    when centered; mom <- momentum mom + lr g / sqrt(ms - mg^2 + eps);
    var <- var - mom. Weight decay is an L2 term of the loss."""
    param = param.astype(np.float64).copy()
    ms, mg, mom = np.ones_like(param), np.zeros_like(param), np.zeros_like(
        param)
    for grad in grads:
        g = grad.astype(np.float64) + weight_decay * param
        ms = alpha * ms + (1 - alpha) * g * g
        denom = ms
        if centered:
            mg = alpha * mg + (1 - alpha) * g
            denom = ms - mg * mg
        mom = momentum * mom + lr * g / np.sqrt(denom + eps)
        param = param - mom
    return param


def run_torch(optimizer_cls, param, grads, **kwargs):
    weight = torch.nn.Parameter(torch.tensor(param, dtype=torch.float64))
    optimizer = optimizer_cls([weight], **kwargs)
    for grad in grads:
        weight.grad = torch.tensor(grad, dtype=torch.float64)
        optimizer.step()
    return weight.detach().numpy()


SETTINGS = [
    dict(lr=0.048, alpha=0.9, eps=1e-3, momentum=0.9, weight_decay=1e-5,
         centered=False),  # the B2 recipe
    dict(lr=0.01, alpha=0.99, eps=1e-8, momentum=0.0, weight_decay=0.0,
         centered=False),
    dict(lr=0.02, alpha=0.9, eps=1e-6, momentum=0.5, weight_decay=1e-3,
         centered=True),
]


@pytest.mark.parametrize('settings', SETTINGS)
def test_matches_tensorflow_formula(settings):
    rng = np.random.default_rng(0)
    param = rng.normal(size=(4, 5))
    grads = [rng.normal(size=(4, 5)) * scale for scale in (1, 0.1, 3, 0.5,
                                                           2, 0.01)]
    ours = run_torch(RMSpropTF, param, grads, **settings)
    np.testing.assert_allclose(ours, tf_rmsprop(param, grads, **settings),
                               rtol=1e-12, atol=1e-12)


def test_differs_from_torch_rmsprop():
    """Why the recipe needs it: torch's RMSprop puts eps outside the root,
    starts the mean square at zero and keeps lr out of the momentum."""
    rng = np.random.default_rng(1)
    param = rng.normal(size=(3, 3))
    grads = [rng.normal(size=(3, 3)) for _ in range(3)]
    settings = dict(lr=0.048, alpha=0.9, eps=1e-3, momentum=0.9)
    ours = run_torch(RMSpropTF, param, grads, **settings)
    theirs = run_torch(torch.optim.RMSprop, param, grads, **settings)
    assert np.abs(ours - theirs).max() > 0.1


def test_state_dict_resumes_exactly():
    rng = np.random.default_rng(2)
    grads = [torch.tensor(rng.normal(size=6)) for _ in range(6)]
    weight = torch.nn.Parameter(torch.zeros(6, dtype=torch.float64))
    optimizer = RMSpropTF([weight], **SETTINGS[0])
    for grad in grads[:3]:
        weight.grad = grad
        optimizer.step()
    saved = copy.deepcopy((weight.detach().clone(), optimizer.state_dict()))
    for grad in grads[3:]:
        weight.grad = grad
        optimizer.step()
    resumed = torch.nn.Parameter(saved[0].clone())
    other = RMSpropTF([resumed], lr=1.0)
    other.load_state_dict(saved[1])
    for grad in grads[3:]:
        resumed.grad = grad
        other.step()
    assert torch.equal(resumed, weight)


@pytest.mark.parametrize('scope', ['mmpretrain', 'mmrazor'])
def test_builds_from_a_config_in_either_scope(scope):
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3),
                                torch.nn.BatchNorm2d(4))
    with DefaultScope.overwrite_default_scope(scope):
        wrapper = build_optim_wrapper(
            model,
            dict(optimizer=dict(type='dist_kd_mm.RMSpropTF', lr=0.048,
                                alpha=0.9, eps=1e-3, momentum=0.9,
                                weight_decay=1e-5),
                 paramwise_cfg=dict(norm_decay_mult=0.0,
                                    bias_decay_mult=0.0)))
    assert isinstance(wrapper.optimizer, RMSpropTF)
    decay = {tuple(group['params'][0].shape): group['weight_decay']
             for group in wrapper.optimizer.param_groups}
    assert decay == {(4, 3, 3, 3): 1e-5, (4, ): 0.0}


def test_bad_arguments_are_named():
    weight = [torch.nn.Parameter(torch.zeros(2))]
    with pytest.raises(ValueError, match='RMSpropTF: alpha'):
        RMSpropTF(weight, alpha=1.0)
    with pytest.raises(ValueError, match='RMSpropTF: eps'):
        RMSpropTF(weight, eps=-1.0)
