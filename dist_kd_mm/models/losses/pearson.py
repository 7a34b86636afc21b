"""Pearson correlation, written once for every loss of this package.

``pearson(x_s, x_t, groupings)`` returns, for each grouping (a tuple of
reduced dims), the Pearson correlation of ``x_s`` and ``x_t`` within each
group: the cosine of the mean-centred vectors with ``eps`` added to the
denominator, ``r = <a, b> / (|a| |b| + eps)``. An optional activation
(softmax over ``class_dim`` or an element-wise sigmoid, at temperature
``tau``) is applied to both inputs first, and an optional mask leaves
elements out (means, centring and sums run over the valid elements only).

For DIST on ``(N, A, C, P)`` logits (``A`` anchors per position, ``P``
positions) the inter-class relation reduces ``(2,)`` and the intra-class
relation ``(0, 1, 3)``; other losses pick their own dims.

Memory stays near the gradient's own size. The last dim is processed in
chunks of about ``CHUNK_ELEMENTS`` elements; nothing of the inputs' size is
kept for backward but the inputs themselves, from which backward recomputes
the activations chunk by chunk (an input of one chunk keeps its
activations instead, which costs little and saves their recomputation).
A softmax over the last dim makes the input one chunk, and a trailing dim
of size 1 is dropped first (ATen's kernels are several times slower with
it).

Backward is written by hand. For one group with centred ``a``, ``b``,
``D = |a| |b| + eps`` and upstream gradient ``g``::

    d r / d a = b / D - r |b| a / (|a| D)

which is already centred, so it is also the gradient w.r.t. the
(activated) input; where ``|a| = 0`` the second part is 0, as autograd's
norm subgradient. Summed over the groupings, the gradient w.r.t. ``y_s``
is ``alpha * y_t - beta * y_s + k`` with per-group coefficients: one pass
over the chunks, nothing centred again.
"""
import math
from collections.abc import Sequence
from typing import Optional, Union

import torch
from torch import Tensor

ACTIVATIONS = ('softmax', 'sigmoid')
# Elements of one chunk of the last dim (1 MiB of float32); an input that
# is not larger is one chunk. Chosen with
# tools/analysis_tools/benchmark_loss.py.
CHUNK_ELEMENTS = 1 << 18
# Fewest positions of a chunk: narrower slices of the last dim run strided
# kernels far slower (ResNet layer4 maps, 256x512x49, were 3x slower than
# unchunked in 2-position chunks).
MIN_CHUNK_POSITIONS = 64

Dims = tuple[int, ...]


def chunks_of(shape: Sequence[int]) -> list[slice]:
    """Slices of the last dim with about ``CHUNK_ELEMENTS`` elements each
    (at least ``MIN_CHUNK_POSITIONS`` positions)."""
    positions = shape[-1]
    per_position = max(1, math.prod(shape[:-1]))
    step = max(MIN_CHUNK_POSITIONS, CHUNK_ELEMENTS // per_position)
    return [slice(start, min(start + step, positions))
            for start in range(0, positions, step)]


def _at(stat: Tensor, chunk: slice) -> Tensor:
    """A per-group statistic at one chunk (groups may span the last dim)."""
    return stat if stat.shape[-1] == 1 else stat[..., chunk]


class _Activation:
    """The activation at a temperature, in the computation dtype."""

    def __init__(self, kind: Optional[str], class_dim: int, tau: float,
                 dtype: torch.dtype, ndim: int) -> None:
        self.kind, self.class_dim, self.tau, self.dtype = (kind, class_dim,
                                                           tau, dtype)
        # a softmax over the last dim cannot be split into chunks of it
        self.splits_last = kind != 'softmax' or class_dim != ndim - 1

    def __call__(self, x: Tensor) -> Tensor:
        x = x.to(self.dtype)
        if self.kind is None:
            return x
        if self.tau != 1:
            x = x / self.tau
        if self.kind == 'softmax':
            return x.softmax(dim=self.class_dim)
        return x.sigmoid()

    def backward_(self, grad_y: Tensor, y: Tensor) -> Tensor:
        """The gradient w.r.t. ``y`` made the one w.r.t. the input, in
        place."""
        if self.kind is None:
            return grad_y
        if self.kind == 'softmax':
            inner = (grad_y * y).sum(dim=self.class_dim, keepdim=True)
            grad_y.sub_(inner).mul_(y)
        else:
            grad_y.mul_(y).mul_(1 - y)
        return grad_y.div_(self.tau) if self.tau != 1 else grad_y


class _Group:
    """Statistics of one grouping (reduced ``dims``), filled chunk by
    chunk: means, centred dot products and squared norms."""

    def __init__(self, dims: Dims, shape: torch.Size, mask: Optional[Tensor],
                 dtype: torch.dtype, chunked: bool) -> None:
        self.dims = dims
        self.shape = shape
        self.chunked = chunked
        # means over several chunks need a pass of their own
        self.spans_chunks = chunked and len(shape) - 1 in dims
        # the mask varies along a reduced dim: means over valid elements
        self.masked_mean = mask is not None and any(mask.shape[d] > 1
                                                    for d in dims)
        self.count = None
        if self.masked_mean:
            self.count = torch.broadcast_to(mask, shape).to(dtype).sum(
                dims, keepdim=True).clamp_(min=1)
        self.mean_s = self.mean_t = self.dot = self.sq_s = self.sq_t = None
        self.norm_s = self.norm_t = None

    def _store(self, name: str, value: Tensor, chunk: slice) -> None:
        """Set (one chunk), add (groups spanning chunks) or write the
        chunk's part of a statistic."""
        current = getattr(self, name)
        if not self.chunked:
            setattr(self, name, value)
        elif len(self.shape) - 1 in self.dims:
            setattr(self, name, value if current is None else
                    current.add_(value))
        else:
            if current is None:
                current = value.new_empty((*value.shape[:-1],
                                           self.shape[-1]))
                setattr(self, name, current)
            current[..., chunk] = value

    def _sum(self, x: Tensor) -> Tensor:
        return x.sum(self.dims, keepdim=True)

    def _means(self, y_s: Tensor, y_t: Tensor, mask: Optional[Tensor],
               chunk: slice, count: Union[Tensor, float, None]
               ) -> tuple[Tensor, Tensor]:
        """Sums of a chunk (``count=None``) or its means."""
        if self.masked_mean:
            m = _at(mask, chunk)
            sum_s, sum_t = self._sum(y_s * m), self._sum(y_t * m)
        elif count is None:
            sum_s, sum_t = self._sum(y_s), self._sum(y_t)
        else:
            return (y_s.mean(self.dims, keepdim=True),
                    y_t.mean(self.dims, keepdim=True))
        if count is None:
            return sum_s, sum_t
        return sum_s.div_(count), sum_t.div_(count)

    def _count(self, chunk: slice) -> Union[Tensor, float]:
        """Elements of each group (valid ones where the mask varies)."""
        if self.masked_mean:
            return _at(self.count, chunk)
        return float(math.prod(self.shape[d] for d in self.dims))

    def add_means(self, y_s: Tensor, y_t: Tensor, mask: Optional[Tensor],
                  chunk: slice) -> None:
        """Accumulate a chunk's sums (groups that span chunks)."""
        sum_s, sum_t = self._means(y_s, y_t, mask, chunk, None)
        self._store('mean_s', sum_s, chunk)
        self._store('mean_t', sum_t, chunk)

    def finish_means(self) -> None:
        """Turn the accumulated sums into means."""
        count = self._count(slice(None))
        self.mean_s = self.mean_s.div_(count)
        self.mean_t = self.mean_t.div_(count)

    def centred(self, y_s: Tensor, y_t: Tensor, mask: Optional[Tensor],
                chunk: slice) -> tuple[Tensor, Tensor]:
        """Centred values of a chunk (0 at masked elements)."""
        a = y_s - _at(self.mean_s, chunk)
        b = y_t - _at(self.mean_t, chunk)
        if mask is not None:
            a.mul_(_at(mask, chunk))
            b.mul_(_at(mask, chunk))
        return a, b

    def accumulate(self, y_s: Tensor, y_t: Tensor, mask: Optional[Tensor],
                   chunk: slice) -> None:
        """Add a chunk's centred products (means of groups within the chunk,
        or of an input of one chunk, are taken here)."""
        if not self.spans_chunks:
            mean_s, mean_t = self._means(y_s, y_t, mask, chunk,
                                         self._count(chunk))
            self._store('mean_s', mean_s, chunk)
            self._store('mean_t', mean_t, chunk)
        a, b = self.centred(y_s, y_t, mask, chunk)
        self._store('dot', self._sum(a * b), chunk)
        if not self.chunked:  # the norms at once
            self.norm_s = torch.linalg.vector_norm(a, dim=self.dims,
                                                   keepdim=True)
            self.norm_t = torch.linalg.vector_norm(b, dim=self.dims,
                                                   keepdim=True)
            return
        self._store('sq_s', self._sum(a.square_()), chunk)
        self._store('sq_t', self._sum(b.square_()), chunk)

    def correlation(self, eps: float) -> Tensor:
        """``r`` of every group; keeps norms and denominators for
        backward."""
        if self.chunked:
            self.norm_s = self.sq_s.sqrt_()
            self.norm_t = self.sq_t.sqrt_()
        self.denom = self.norm_s * self.norm_t + eps
        self.corr = self.dot / self.denom
        del self.dot
        return self.corr

    def coefficients(self, grad: Tensor, teacher_side: bool
                     ) -> tuple[Tensor, Tensor, Tensor]:
        """``(alpha, beta, k)``: ``d/d own = alpha * other - beta * own +
        k`` (before masking), for the upstream gradient ``grad`` of ``r``.
        A zero-norm ``own`` has ``r = 0`` exactly, hence ``beta = 0``."""
        own, other = ((self.norm_t, self.norm_s) if teacher_side else
                      (self.norm_s, self.norm_t))
        mean_own, mean_other = ((self.mean_t, self.mean_s) if teacher_side
                                else (self.mean_s, self.mean_t))
        alpha = grad / self.denom
        beta = (alpha * self.corr).mul_(other).div_(own.clamp_min(1e-30))
        k = (alpha * mean_other).neg_().addcmul_(beta, mean_own)
        return alpha, beta, k


class _PearsonFunction(torch.autograd.Function):
    """Correlations of every grouping; see :func:`pearson`."""

    @staticmethod
    def forward(ctx, x_s: Tensor, x_t: Tensor, groupings: tuple[Dims, ...],
                eps: float, activation: _Activation,
                mask: Optional[Tensor]) -> tuple[Tensor, ...]:
        chunks = (chunks_of(x_s.shape) if activation.splits_last else
                  [slice(None)])
        groups = [_Group(dims, x_s.shape, mask, activation.dtype,
                         len(chunks) > 1) for dims in groupings]
        kept = None
        if len(chunks) == 1:
            kept = activation(x_s), activation(x_t)
        spanning = [g for g in groups if g.spans_chunks]
        if spanning:  # their means first
            for chunk in chunks:
                y_s, y_t = kept or (activation(x_s[..., chunk]),
                                    activation(x_t[..., chunk]))
                for group in spanning:
                    group.add_means(y_s, y_t, mask, chunk)
            for group in spanning:
                group.finish_means()
        for chunk in chunks:
            y_s, y_t = kept or (activation(x_s[..., chunk]),
                                activation(x_t[..., chunk]))
            for group in groups:
                group.accumulate(y_s, y_t, mask, chunk)
        correlations = tuple(group.correlation(eps) for group in groups)
        ctx.save_for_backward(x_s, x_t)
        ctx.kept, ctx.groups, ctx.mask = kept, groups, mask
        ctx.chunks = chunks
        ctx.activation = activation
        ctx.set_materialize_grads(False)  # unused correlations: None
        return correlations

    @staticmethod
    def backward(ctx, *grads: Optional[Tensor]):
        x_s, x_t = ctx.saved_tensors
        grad_s = grad_t = None
        if ctx.needs_input_grad[0]:
            grad_s = _input_gradient(ctx, grads, x_s, x_t, teacher_side=False)
        if ctx.needs_input_grad[1]:
            grad_t = _input_gradient(ctx, grads, x_s, x_t, teacher_side=True)
        return grad_s, grad_t, None, None, None, None


def _input_gradient(ctx, grads: Sequence[Optional[Tensor]], x_s: Tensor,
                    x_t: Tensor, teacher_side: bool) -> Tensor:
    """Gradient w.r.t. ``x_s`` (or ``x_t``), written chunk by chunk."""
    x = x_t if teacher_side else x_s
    terms = [group.coefficients(grad, teacher_side)
             for group, grad in zip(ctx.groups, grads) if grad is not None]
    out = None if len(ctx.chunks) == 1 else torch.empty_like(x)
    for chunk in ctx.chunks:
        y_s, y_t = ctx.kept or (ctx.activation(x_s[..., chunk]),
                                ctx.activation(x_t[..., chunk]))
        own, other = (y_t, y_s) if teacher_side else (y_s, y_t)
        grad = None
        for alpha, beta, k in terms:
            term = other * _at(alpha, chunk)
            term.addcmul_(own, _at(beta, chunk), value=-1)
            term.add_(_at(k, chunk))
            grad = term if grad is None else grad.add_(term)
        if grad is None:
            grad = torch.zeros_like(own)
        elif ctx.mask is not None:
            grad.mul_(_at(ctx.mask, chunk))
        grad = ctx.activation.backward_(grad, own)
        if out is None:
            return grad.to(x.dtype)
        out[..., chunk] = grad
    return out


def pearson(x_s: Tensor,
            x_t: Tensor,
            groupings: Sequence[Dims],
            eps: float = 1e-8,
            activation: Optional[str] = None,
            class_dim: int = 1,
            tau: float = 1.0,
            mask: Optional[Tensor] = None) -> tuple[Tensor, ...]:
    """Pearson correlations of ``x_s`` and ``x_t`` within groups.

    Args:
        x_s: student tensor of any shape; its last dim is processed in
            chunks (unless the softmax runs over it).
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
    if (ndim > 1 and x_s.shape[-1] == 1 and class_dim != ndim - 1
            and all(set(dims) - {ndim - 1} for dims in groupings)):
        # A trailing dim of size 1 (rows as (N, A, C, 1)) makes ATen's
        # softmax and broadcast kernels several times slower: drop it.
        kept = tuple(tuple(d for d in dims if d != ndim - 1)
                     for dims in groupings)
        correlations = pearson(x_s.squeeze(-1), x_t.squeeze(-1), kept, eps,
                               activation, class_dim, tau,
                               None if mask is None else mask.squeeze(-1))
        return tuple(corr[..., None] for corr in correlations)
    dtype = torch.promote_types(
        torch.promote_types(x_s.dtype, x_t.dtype), torch.float32)
    if mask is not None:
        mask = mask.to(dtype)
    return _PearsonFunction.apply(
        x_s, x_t, groupings, float(eps),
        _Activation(activation, class_dim, tau, dtype, ndim), mask)
