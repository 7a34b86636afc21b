"""Row-wise Pearson correlation, exact ranks and differentiable soft ranks.

Rows are instances, columns classes: ``(M, C)`` tensors throughout.
"""
import torch
from torch import Tensor

SOFT_RANK_REGULARIZATIONS = ('l2', 'kl')


def row_pearson(a: Tensor, b: Tensor, eps: float) -> Tensor:
    """Pearson correlation of each row of ``a`` with the same row of ``b``:
    cosine of the mean-centred rows, ``eps`` added to the denominator.
    Returns ``(M,)``."""
    a = a - a.mean(dim=1, keepdim=True)
    b = b - b.mean(dim=1, keepdim=True)
    return (a * b).sum(dim=1) / (a.norm(dim=1) * b.norm(dim=1) + eps)


def exact_ranks(x: Tensor) -> Tensor:
    """1-based ranks within each row, ties sharing their average rank
    (scipy's ``rankdata(method='average')``). No gradient."""
    values, order = x.detach().sort(dim=1)
    rows, classes = values.shape
    starts = torch.ones_like(values, dtype=torch.bool)
    starts[:, 1:] = values[:, 1:] != values[:, :-1]
    group = starts.long().cumsum(dim=1) - 1  # tie group of each sorted entry
    positions = torch.arange(1, classes + 1, dtype=x.dtype,
                             device=x.device).expand(rows, classes)
    group_mean = torch.zeros_like(positions).scatter_reduce(
        1, group, positions, reduce='mean', include_self=False)
    return torch.empty_like(positions).scatter_(1, order,
                                                group_mean.gather(1, group))


def row_zscore(x: Tensor, eps: float = 1e-12) -> Tensor:
    """Each row centred and scaled to unit standard deviation; a constant
    row becomes zeros with a finite gradient."""
    centred = x - x.mean(dim=1, keepdim=True)
    return centred / (centred.pow(2).mean(dim=1, keepdim=True) + eps).sqrt()


def soft_ranks(x: Tensor, strength: float, regularization: str) -> Tensor:
    """Differentiable 1-based ranks within each row (torchsort, Blondel et
    al. 2020: projection onto the permutahedron, O(C log C) per row).

    As ``strength`` goes to 0 they become the exact ranks (distinct values);
    large strengths shrink them towards the mean rank, linearly in ``x``.
    """
    import torchsort
    dtype = x.dtype
    if dtype not in (torch.float32, torch.float64):
        x = x.float()
    ranks = torchsort.soft_rank(x, regularization=regularization,
                                regularization_strength=strength)
    return ranks.to(dtype)
