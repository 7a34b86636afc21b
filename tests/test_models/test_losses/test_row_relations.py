"""The 2-D fast path equals the general (N, C, P) implementation."""
import pytest
import torch

from dist_kd_mm.models.losses import dist_relation
from dist_kd_mm.models.losses.dist_relation import (
    DISTRelationFunction,
    dist_relations,
)
from dist_kd_mm.models.losses.row_relations import dist_row_relations

pytestmark = pytest.mark.usefixtures('relations_kernel')


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


def test_dist_relations_chooses_the_implementation(monkeypatch,
                                                   relations_kernel):
    calls = []

    def record(name):
        return lambda *args: calls.append(name) or torch.ones(())

    monkeypatch.setattr(dist_relation, 'dist_relations_compiled',
                        record('compiled'))
    monkeypatch.setattr(dist_relation, 'dist_row_relations', record('rows'))
    monkeypatch.setattr(DISTRelationFunction, 'apply', record('general'))
    rows, maps = torch.randn(4, 6, 1), torch.randn(2, 6, 5)
    args = (1.0, 1.0, 1.0, 1e-8, 'softmax')
    dist_relations(rows, rows, *args)
    dist_relations(rows, rows, *args, False, torch.ones(4, 1, 1))
    dist_relations(maps, maps, *args)
    dist_relations(rows, rows.clone().requires_grad_(), *args)
    dist_relations(rows.double(), rows.float(), *args)
    if relations_kernel == 'compiled':  # not: teacher gradient, two dtypes
        expected = ['compiled'] * 3 + ['general', 'rows']
    else:  # masked, dense and teacher with gradient take the general one
        expected = ['rows', 'general', 'general', 'general', 'rows']
    assert calls == expected
