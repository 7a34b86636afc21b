"""The 2-D fast path equals the general (N, C, P) implementation."""
import pytest
import torch

from dist_kd_mm.models.losses.dist_relation import (
    DISTRelationFunction,
    dist_relations,
)
from dist_kd_mm.models.losses.row_relations import dist_row_relations


def general(logits_s, logits_t, *args):
    """The (N, C, P) implementation itself, on P = 1."""
    return DISTRelationFunction.apply(logits_s[..., None],
                                      logits_t[..., None], *args, False,
                                      None)


@pytest.mark.parametrize('activation', ['softmax', 'sigmoid'])
@pytest.mark.parametrize('tau,inter,intra', [(1.0, 1.0, 1.0), (4.0, 2.0, 0.5),
                                             (2.0, 0.0, 1.0),
                                             (1.0, 1.0, 0.0)])
def test_row_path_matches_the_general_one(activation, tau, inter, intra):
    generator = torch.Generator().manual_seed(0)
    logits_s = torch.randn(48, 30, generator=generator, dtype=torch.float64)
    logits_t = torch.randn(48, 30, generator=generator, dtype=torch.float64)
    logits_s[3] = 0.5  # a uniform student row (zero-norm branch)
    logits_t[:, 7] = -1.0  # a constant teacher column
    values, grads = [], []
    for function in (general, dist_row_relations):
        student = (logits_s * 3).requires_grad_()
        value = function(student, logits_t * 3, tau, inter, intra, 1e-8,
                         activation)
        value.backward()
        values.append(value.detach())
        grads.append(student.grad)
    torch.testing.assert_close(values[1], values[0], rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(grads[1], grads[0], rtol=1e-7, atol=1e-10)


def test_row_path_gradcheck():
    generator = torch.Generator().manual_seed(1)
    logits_s = torch.randn(6, 5, generator=generator,
                           dtype=torch.float64).requires_grad_()
    logits_t = torch.randn(6, 5, generator=generator, dtype=torch.float64)
    assert torch.autograd.gradcheck(
        lambda s: dist_row_relations(s, logits_t, 2.0, 1.0, 1.5, 1e-8,
                                     'softmax'), (logits_s, ))


def test_dist_relations_takes_the_row_path_for_unmasked_2d_input(
        monkeypatch):
    calls = []
    monkeypatch.setattr(DISTRelationFunction, 'apply',
                        lambda *args: calls.append(args) or torch.ones(()))
    logits = torch.randn(4, 6, 1)
    dist_relations(logits, logits, 1.0, 1.0, 1.0, 1e-8, 'softmax')
    assert calls == []  # the row path
    dist_relations(logits, logits, 1.0, 1.0, 1.0, 1e-8, 'softmax', False,
                   torch.ones(4, 1, 1))
    dist_relations(logits, logits.requires_grad_(), 1.0, 1.0, 1.0, 1e-8,
                   'softmax')
    assert len(calls) == 2  # masked, and teacher with gradient
