"""Pearson correlations of student and teacher within groups, with a
memory-saving backward.

``pearson(x_s, x_t, groupings)`` returns, for each grouping (a tuple of
reduced dims), the correlation of ``x_s`` and ``x_t`` within each group: the
cosine of the mean-centred vectors with ``eps`` in the denominator,
``r = <a, b> / (|a| |b| + eps)``. Both inputs may first go through a
softmax over ``class_dim`` or a sigmoid, at temperature ``tau``; a mask
leaves elements out (means, centring and sums run over the valid ones).
DIST's ``(N, A, C, P)`` instances reduce ``(2,)`` (inter-class) and
``(0, 1, 3)`` (intra-class).

As timm's memory-efficient activations, the forward and the backward are
pure functions beside a thin :class:`PearsonFunction`, which keeps for
backward the inputs and the per-group statistics (one value per group).
Inputs larger than ``CHUNK_ELEMENTS`` are processed in slices of their last
dim, so that nothing of the inputs' size is held at once but a slice, and
backward recomputes their activations; an input of one slice (all the
``(N, C)`` logits) keeps its activations instead, whose recomputation cost
10-18% of the loss's time there. A softmax over the last dim is one slice.

The gradient, for one group with centred ``a``, ``b``, ``D = |a| |b| + eps``
and upstream gradient ``g``::

    d r / d a = g (b / D - r |b| a / (|a| D))

is already centred, hence also the gradient w.r.t. the activated input
(0 in the second part where ``|a| = 0``, autograd's subgradient of the
norm). Written in the uncentred values, ``alpha * y_t - beta * y_s + k``
with per-group ``alpha``, ``beta``, ``k``.

The correlation does not depend on ``|a|``, so its gradient grows as
``1/|a|``, up to ``b / eps`` at a constant ``a`` (a zero-initialised head):
one step then throws the logits to 1e4-1e5. With ``norm_floor`` > 0, the
gradient of a side whose centred norm is below ``norm_floor`` times the
other side's is multiplied by ``(|a| / floor)**2``: at most ``1 / floor``
in norm, about 0 at a constant ``a``, and continuous at the floor. The
correlation's value is the formula's everywhere, and so is its gradient
above the floor.
"""
import math
from collections.abc import Sequence
from typing import Optional

import torch
from torch import Tensor

ACTIVATIONS = ('softmax', 'sigmoid')
# Elements of one slice of the last dim (1 MiB of float32).
CHUNK_ELEMENTS = 1 << 18
# Fewest positions of a slice: narrower ones run strided kernels far slower.
MIN_CHUNK_POSITIONS = 64

Dims = tuple[int, ...]


def chunks_of(shape: Sequence[int]) -> list[slice]:
    """Slices of the last dim with about ``CHUNK_ELEMENTS`` elements each
    (at least ``MIN_CHUNK_POSITIONS`` positions)."""
    positions = shape[-1]
    step = max(MIN_CHUNK_POSITIONS,
               CHUNK_ELEMENTS // max(1, math.prod(shape[:-1])))
    return [slice(start, min(start + step, positions))
            for start in range(0, positions, step)]


def at(stat: Tensor, chunk: slice) -> Tensor:
    """The view of a per-group statistic over one slice of the last dim."""
    return stat if stat.shape[-1] == 1 else stat[..., chunk]


def activate(x: Tensor, options: dict) -> Tensor:
    """The activation of ``x / tau`` in the computation dtype."""
    x = x.to(options['dtype'])
    if options['activation'] is None:
        return x
    if options['tau'] != 1:
        x = x / options['tau']
    if options['activation'] == 'softmax':
        return x.softmax(dim=options['class_dim'])
    return x.sigmoid()


def activation_backward_(grad: Tensor, y: Tensor, options: dict) -> Tensor:
    """The gradient w.r.t. the activation ``y`` made the one w.r.t. its
    input, in place."""
    if options['activation'] == 'softmax':
        grad.sub_((grad * y).sum(options['class_dim'], keepdim=True))
        grad.mul_(y)
    elif options['activation'] == 'sigmoid':
        grad.mul_(y).mul_(1 - y)
    if options['activation'] is not None and options['tau'] != 1:
        grad.div_(options['tau'])
    return grad


def group_count(shape: Sequence[int], dims: Dims,
                mask: Optional[Tensor]):
    """Elements of each group: a number, or with a mask a tensor of the
    valid ones (at least 1)."""
    count = math.prod(shape[d] for d in dims
                      if mask is None or mask.shape[d] == 1)
    if mask is None:
        return count
    return mask.sum(dims, keepdim=True).mul_(count).clamp_(min=1)


def group_sum(y: Tensor, dims: Dims, mask: Optional[Tensor]) -> Tensor:
    return (y if mask is None else y * mask).sum(dims, keepdim=True)


def group_mean(y: Tensor, dims: Dims, mask: Optional[Tensor],
               count) -> Tensor:
    if mask is None:
        return y.mean(dims, keepdim=True)
    return group_sum(y, dims, mask).div_(count)


def centred(y: Tensor, mean: Tensor, mask: Optional[Tensor]) -> Tensor:
    """``y - mean``, 0 where the mask is 0."""
    return (y - mean) if mask is None else (y - mean).mul_(mask)


def pearson_forward(x_s: Tensor, x_t: Tensor, groupings: Sequence[Dims],
                    mask: Optional[Tensor], options: dict
                    ) -> tuple[list[dict[str, Tensor]], tuple[Tensor, ...]]:
    """Per grouping, the statistics of its groups: ``mean_s``, ``mean_t``,
    ``norm_s``, ``norm_t``, ``denom`` and the correlation ``r``; and the
    activations of an input of one slice (none for several)."""
    shape = x_s.shape
    chunks = chunks_of(shape) if options['splittable'] else [slice(None)]
    counts = [group_count(shape, dims, mask) for dims in groupings]
    stats, kept = [], ()
    if len(chunks) == 1:  # the formula at once
        y_s, y_t = kept = activate(x_s, options), activate(x_t, options)
        for dims, count in zip(groupings, counts):
            st = dict(mean_s=group_mean(y_s, dims, mask, count),
                      mean_t=group_mean(y_t, dims, mask, count))
            a = centred(y_s, st['mean_s'], mask)
            b = centred(y_t, st['mean_t'], mask)
            st['r'] = (a * b).sum(dims, keepdim=True)
            st['norm_s'] = torch.linalg.vector_norm(a, dim=dims, keepdim=True)
            st['norm_t'] = torch.linalg.vector_norm(b, dim=dims, keepdim=True)
            stats.append(st)
    else:  # slice by slice: sums, means, then centred products
        def activated():
            for chunk in chunks:
                yield (chunk, activate(x_s[..., chunk], options),
                       activate(x_t[..., chunk], options))

        def zeros(dims):
            return x_s.new_zeros([1 if d in dims else n
                                  for d, n in enumerate(shape)],
                                 dtype=options['dtype'])

        stats = [{name: zeros(dims) for name in
                  ('mean_s', 'mean_t', 'r', 'norm_s', 'norm_t')}
                 for dims in groupings]
        for chunk, y_s, y_t in activated():
            m = None if mask is None else at(mask, chunk)
            for dims, st in zip(groupings, stats):
                at(st['mean_s'], chunk).add_(group_sum(y_s, dims, m))
                at(st['mean_t'], chunk).add_(group_sum(y_t, dims, m))
        for count, st in zip(counts, stats):
            st['mean_s'].div_(count)
            st['mean_t'].div_(count)
        for chunk, y_s, y_t in activated():
            m = None if mask is None else at(mask, chunk)
            for dims, st in zip(groupings, stats):
                a = centred(y_s, at(st['mean_s'], chunk), m)
                b = centred(y_t, at(st['mean_t'], chunk), m)
                at(st['r'], chunk).add_((a * b).sum(dims, keepdim=True))
                at(st['norm_s'], chunk).add_(
                    a.square_().sum(dims, keepdim=True))
                at(st['norm_t'], chunk).add_(
                    b.square_().sum(dims, keepdim=True))
        for st in stats:  # the sums of squares made norms
            st['norm_s'].sqrt_()
            st['norm_t'].sqrt_()
    for st in stats:  # r: the centred dot product over the denominator
        st['denom'] = st['norm_s'] * st['norm_t'] + options['eps']
        st['r'].div_(st['denom'])
    return stats, kept


def pearson_backward(x_s: Tensor, x_t: Tensor, stats: list[dict],
                     kept: Sequence[Tensor], grads: Sequence[Optional[Tensor]],
                     mask: Optional[Tensor], options: dict,
                     teacher_side: bool) -> Tensor:
    """The gradient w.r.t. ``x_s`` (or ``x_t``), slice by slice, from the
    upstream gradients of the correlations (None: unused); the activations
    are ``kept`` ones, or recomputed."""
    own, other = ('t', 's') if teacher_side else ('s', 't')
    terms = []
    for st, grad in zip(stats, grads):
        if grad is None:
            continue
        norm_own, norm_other = st[f'norm_{own}'], st[f'norm_{other}']
        alpha = grad / st['denom']
        if options['norm_floor']:  # tapered below the floor
            floor = options['norm_floor'] * norm_other
            alpha = alpha * torch.where(norm_own < floor,
                                        (norm_own / floor).square(), 1.0)
        # a zero-norm own side has r = 0 exactly: beta = 0
        beta = (alpha * st['r']).mul_(norm_other).div_(
            norm_own.clamp_min(1e-30))
        k = (alpha * st[f'mean_{other}']).neg_().addcmul_(
            beta, st[f'mean_{own}'])
        terms.append((alpha, beta, k))
    x = x_t if teacher_side else x_s
    chunks = chunks_of(x.shape) if options['splittable'] else [slice(None)]
    out = torch.empty_like(x) if len(chunks) > 1 else None
    for chunk in chunks:
        y_s, y_t = kept or (activate(x_s[..., chunk], options),
                            activate(x_t[..., chunk], options))
        y_own, y_other = (y_t, y_s) if teacher_side else (y_s, y_t)
        grad = torch.zeros_like(y_own) if not terms else None
        for alpha, beta, k in terms:
            term = y_other * at(alpha, chunk)
            term.addcmul_(y_own, at(beta, chunk), value=-1).add_(at(k, chunk))
            grad = term if grad is None else grad.add_(term)
        if mask is not None:
            grad.mul_(at(mask, chunk))
        grad = activation_backward_(grad, y_own, options).to(x.dtype)
        if out is None:
            return grad
        out[..., chunk] = grad
    return out


class PearsonFunction(torch.autograd.Function):
    """The correlations of every grouping (see :func:`pearson`); keeps for
    backward the inputs, the per-group statistics, and the activations of
    an input of one slice."""

    @staticmethod
    def forward(ctx, x_s, x_t, mask, groupings, options):
        stats, kept = pearson_forward(x_s, x_t, groupings, mask, options)
        ctx.save_for_backward(x_s, x_t, mask, *kept)
        ctx.stats, ctx.options = stats, options
        ctx.set_materialize_grads(False)  # unused correlations: None
        return tuple(st['r'] for st in stats)

    @staticmethod
    def backward(ctx, *grads):
        x_s, x_t, mask, *kept = ctx.saved_tensors
        grad_s, grad_t = (
            pearson_backward(x_s, x_t, ctx.stats, kept, grads, mask,
                             ctx.options, side)
            if ctx.needs_input_grad[side] else None for side in (0, 1))
        return grad_s, grad_t, None, None, None


def pearson(x_s: Tensor,
            x_t: Tensor,
            groupings: Sequence[Dims],
            eps: float = 1e-8,
            activation: Optional[str] = None,
            class_dim: int = 1,
            tau: float = 1.0,
            mask: Optional[Tensor] = None,
            norm_floor: float = 0.0) -> tuple[Tensor, ...]:
    """Pearson correlations of ``x_s`` and ``x_t`` within groups.

    Args:
        x_s: student tensor of any shape.
        x_t: teacher tensor of the same shape.
        groupings: for each correlation to compute, the dims it reduces
            (a group is one index of the remaining dims).
        eps: added to the denominator. Defaults to 1e-8.
        activation: None, ``'softmax'`` (over ``class_dim``) or
            ``'sigmoid'``, applied to ``x / tau`` of both sides. Defaults to
            None.
        class_dim: the softmax dim. Defaults to 1.
        tau: temperature of the activation. Defaults to 1.0.
        mask: None, or 1 (valid) / 0 (left out) broadcastable to ``x_s``.
            Defaults to None.
        norm_floor: the gradient of a side whose centred norm is below
            ``norm_floor`` times the other's is tapered (module docstring);
            0 keeps the formula's gradient everywhere. Defaults to 0.0.

    Returns:
        One tensor per grouping, of the input's shape with the reduced dims
        of size 1, in float32 (float64 for float64 input): the correlation
        of each group, 0 for a group without valid elements or of zero
        variance.
    """
    if x_s.shape != x_t.shape:
        raise ValueError(f'pearson: shapes differ: {tuple(x_s.shape)} vs '
                         f'{tuple(x_t.shape)}')
    if activation is not None and activation not in ACTIVATIONS:
        raise ValueError(f'pearson: activation must be None or one of '
                         f'{ACTIVATIONS}, got {activation!r}')
    ndim = x_s.dim()
    class_dim %= ndim
    groupings = tuple(tuple(sorted(d % ndim for d in dims))
                      for dims in groupings)
    if ndim > 1 and x_s.shape[-1] == 1 and class_dim != ndim - 1:
        # ATen's kernels are several times slower with a trailing dim of 1
        # ((N, C) rows as (N, 1, C, 1)): compute without it
        squeezed = tuple(tuple(d for d in dims if d != ndim - 1)
                         for dims in groupings)
        if all(squeezed):
            return tuple(r[..., None] for r in pearson(
                x_s.squeeze(-1), x_t.squeeze(-1), squeezed, eps, activation,
                class_dim, tau, None if mask is None else mask.squeeze(-1),
                norm_floor))
    dtype = torch.promote_types(
        torch.promote_types(x_s.dtype, x_t.dtype), torch.float32)
    options = dict(eps=float(eps), activation=activation,
                   class_dim=class_dim, tau=float(tau), dtype=dtype,
                   norm_floor=float(norm_floor),
                   splittable=activation != 'softmax'
                   or class_dim != ndim - 1)
    return PearsonFunction.apply(x_s, x_t,
                                 None if mask is None else mask.to(dtype),
                                 groupings, options)
