"""The two DIST relations with a hand-written backward.

Both relations are computed on a ``(N, C, P)`` view of the logits: ``N``
images, ``C`` classes and ``P`` positions per image (``P = 1`` for ``(N, C)``
logits, ``P = H * W`` for dense maps). An instance is one ``(n, p)`` pair.

* inter-class relation: Pearson correlation over classes (reduce ``dim=1``),
  one value per instance;
* intra-class relation: Pearson correlation over instances (reduce
  ``dims=(0, 2)``), one value per class; or, per image, over the positions of
  each image (reduce ``dims=(2,)``), one value per image and class.

An optional ``(N, 1, P)`` mask of valid positions (1 valid, 0 ignored) takes
the ignored instances out of both relations: means, centring and sums run
over valid positions only, ignored rows are no inter-class group, and each
relation averages over the groups that hold at least one valid position.

No permute of the dense maps is needed: both reductions run on the native
layout. Memory stays close to the logits' own size: forward keeps only the
two probability tensors and per-group statistics (the intra-class means
first, then one pass over chunks of positions for the centred sums), and
backward recomputes the centred values chunk by chunk and writes the
gradient in place (see ``CHUNK_ELEMENTS``).

For one relation with groups ``k`` (``K`` of them), centred vectors
``a = y_s - mean(y_s)``, ``b = y_t - mean(y_t)``, ``D = |a| |b| + eps`` and
``r = <a, b> / D``, the term ``w * (1 - mean_k r_k)`` has

    d/da = -(w / K) * (b - r |b| a / |a|) / D

which is already centred (over the valid positions, and 0 at ignored ones),
so it is also the gradient with respect to ``y_s``. Where ``|a| = 0`` the
``a / |a|`` part is taken as 0, as autograd's norm subgradient does.
"""
from typing import Optional

import torch
from torch import Tensor

from dist_kd_mm.ops import compiled_relations_apply, dist_relations_compiled

from .activations import activate, activation_backward_
from .row_relations import dist_row_relations

INTER_DIMS: tuple[int, ...] = (1, )
INTRA_DIMS: tuple[int, ...] = (0, 2)
INTRA_PER_IMAGE_DIMS: tuple[int, ...] = (2, )
# Elements (256 KiB of float32) of one chunk of positions; smaller inputs
# are one chunk. Chosen by dist_kd_mm.utils.memory measurements: peak memory
# of 2x19x64x128 maps fell from 3.7x to 2.1x their size at equal speed.
CHUNK_ELEMENTS = 1 << 16


def position_chunks(shape: torch.Size) -> list[slice]:
    """Slices of the position axis (dim 2) with about CHUNK_ELEMENTS each."""
    num, classes, positions = shape
    step = max(1, CHUNK_ELEMENTS // max(1, num * classes))
    return [slice(start, min(start + step, positions))
            for start in range(0, positions, step)]


def _reduce(x: Tensor, dims: tuple[int, ...]) -> Tensor:
    return x.sum(dim=dims, keepdim=True)


class _Relation:
    """Per-group statistics of one relation, filled chunk by chunk.

    ``dims`` are the reduced dims of ``(N, C, P)``; ``mask`` is ``None`` or
    ``(N, 1, P)`` with 1 for valid positions.
    """

    def __init__(self, dims: tuple[int, ...], y_s: Tensor, y_t: Tensor,
                 mask: Optional[Tensor]) -> None:
        self.dims = dims
        self.per_row = dims == INTER_DIMS  # groups are rows of a chunk
        num, classes, positions = y_s.shape
        if self.per_row:
            shape = (num, 1, positions)
            self.mean_s = y_s.new_empty(shape)
            self.mean_t = y_s.new_empty(shape)
            self.num_groups = (num * positions if mask is None else int(
                mask.sum()))
        else:
            self.mean_s, self.mean_t, self.num_groups = self._means(
                y_s, y_t, mask, classes)
            shape = self.mean_s.shape
        self.dot = y_s.new_zeros(shape)
        self.sq_s = y_s.new_zeros(shape)
        self.sq_t = y_s.new_zeros(shape)

    def _means(self, y_s: Tensor, y_t: Tensor, mask: Optional[Tensor],
               classes: int) -> tuple[Tensor, Tensor, int]:
        """Means over the instances (of the batch or of each image)."""
        if mask is None:
            mean_s = y_s.mean(dim=self.dims, keepdim=True)
            groups = mean_s.numel()
            return mean_s, y_t.mean(dim=self.dims, keepdim=True), groups
        count = _reduce(mask, self.dims)  # (1, 1, 1) or (N, 1, 1)
        sum_s = sum_t = 0
        for chunk in position_chunks(y_s.shape):
            weights = mask[..., chunk]
            sum_s = sum_s + _reduce(y_s[..., chunk] * weights, self.dims)
            sum_t = sum_t + _reduce(y_t[..., chunk] * weights, self.dims)
        divisor = count.clamp(min=1)
        groups = int((count > 0).sum()) * classes
        return sum_s / divisor, sum_t / divisor, groups

    def centred(self, y_s: Tensor, y_t: Tensor, chunk: slice,
                mask: Optional[Tensor]) -> tuple[Tensor, Tensor]:
        """Centred chunks (0 at ignored positions)."""
        mean_s, mean_t = self.mean_s, self.mean_t
        if self.per_row:
            mean_s, mean_t = mean_s[..., chunk], mean_t[..., chunk]
        a, b = y_s[..., chunk] - mean_s, y_t[..., chunk] - mean_t
        if mask is not None:
            a.mul_(mask[..., chunk])
            b.mul_(mask[..., chunk])
        return a, b

    def accumulate(self, y_s: Tensor, y_t: Tensor, chunk: slice,
                   mask: Optional[Tensor]) -> None:
        """Add one chunk's centred products to the group sums."""
        if self.per_row:
            self.mean_s[..., chunk] = y_s[..., chunk].mean(1, keepdim=True)
            self.mean_t[..., chunk] = y_t[..., chunk].mean(1, keepdim=True)
        a, b = self.centred(y_s, y_t, chunk, mask)
        target = (lambda t: t[..., chunk]) if self.per_row else (lambda t: t)
        target(self.dot).add_(_reduce(a * b, self.dims))
        target(self.sq_s).add_(_reduce(a * a, self.dims))
        target(self.sq_t).add_(_reduce(b * b, self.dims))

    def finish(self, eps: float) -> None:
        """Norms, denominators and correlations from the sums."""
        self.norm_s = self.sq_s.sqrt_()
        self.norm_t = self.sq_t.sqrt_()
        self.denom = self.norm_s * self.norm_t + eps
        self.corr = self.dot / self.denom  # one value per group

    def relation(self) -> Tensor:
        """``1 - mean of the correlations`` over the groups with data."""
        if self.num_groups == 0:
            return self.corr.new_zeros(())
        return 1 - self.corr.sum() / self.num_groups

    def grad_coefficients(self, weight: Tensor, teacher_side: bool,
                          chunk: slice) -> tuple[Tensor, Tensor]:
        """``(alpha, beta)`` with ``d term / d own = alpha*other + beta*own``.

        ``weight`` is ``w / K`` times the upstream gradient.
        """
        own, other = ((self.norm_t, self.norm_s) if teacher_side else
                      (self.norm_s, self.norm_t))
        denom, corr = self.denom, self.corr
        if self.per_row:
            own, other = own[..., chunk], other[..., chunk]
            denom, corr = denom[..., chunk], corr[..., chunk]
        alpha = -weight / denom
        safe_own = torch.where(own > 0, own, torch.ones_like(own))
        beta = torch.where(own > 0, weight * corr * other / (safe_own * denom),
                           torch.zeros_like(own))
        return alpha, beta


class DISTRelationFunction(torch.autograd.Function):
    """``w_inter * inter relation + w_intra * intra relation``."""

    @staticmethod
    def forward(ctx, logits_s: Tensor, logits_t: Tensor, tau: float,
                inter_weight: float, intra_weight: float, eps: float,
                activation: str, intra_per_image: bool,
                mask: Optional[Tensor]) -> Tensor:
        y_s = activate(logits_s, tau, activation)
        y_t = activate(logits_t, tau, activation)
        intra_dims = INTRA_PER_IMAGE_DIMS if intra_per_image else INTRA_DIMS
        relations = (_Relation(INTER_DIMS, y_s, y_t, mask),
                     _Relation(intra_dims, y_s, y_t, mask))
        for chunk in position_chunks(y_s.shape):
            for relation in relations:
                relation.accumulate(y_s, y_t, chunk, mask)
        for relation in relations:
            relation.finish(eps)
        loss = (inter_weight * relations[0].relation() +
                intra_weight * relations[1].relation())
        ctx.save_for_backward(y_s, y_t)
        ctx.mask = mask
        ctx.relations = relations
        ctx.weights = (inter_weight, intra_weight)
        ctx.tau = tau
        ctx.activation = activation
        return loss

    @staticmethod
    def backward(ctx, grad_output: Tensor):
        grad_s = grad_t = None
        if ctx.needs_input_grad[0]:
            grad_s = _logits_gradient(ctx, grad_output, teacher_side=False)
        if ctx.needs_input_grad[1]:
            grad_t = _logits_gradient(ctx, grad_output, teacher_side=True)
        return grad_s, grad_t, None, None, None, None, None, None, None


def _logits_gradient(ctx, grad_output: Tensor, teacher_side: bool) -> Tensor:
    """Gradient w.r.t. the student (or teacher) logits, shape ``(N, C, P)``.

    Both sides have the same form with the roles of ``a`` and ``b`` swapped;
    the result is written chunk by chunk into one tensor.
    """
    y_s, y_t = ctx.saved_tensors
    y = y_t if teacher_side else y_s
    grad = torch.empty_like(y)
    active = [(relation, grad_output * (weight / relation.num_groups))
              for relation, weight in zip(ctx.relations, ctx.weights)
              if weight != 0 and relation.num_groups > 0]
    for chunk in position_chunks(y.shape):
        grad_chunk = None
        for relation, weight in active:
            a, b = relation.centred(y_s, y_t, chunk, ctx.mask)
            own, other = (b, a) if teacher_side else (a, b)
            alpha, beta = relation.grad_coefficients(weight, teacher_side,
                                                     chunk)
            term = other.mul_(alpha).addcmul_(own, beta)
            grad_chunk = term if grad_chunk is None else grad_chunk.add_(
                term)
        if grad_chunk is None:
            grad[..., chunk] = 0
        else:
            grad[..., chunk] = activation_backward_(
                grad_chunk, y[..., chunk], ctx.tau, ctx.activation)
    return grad


def dist_relations(logits_s: Tensor,
                   logits_t: Tensor,
                   tau: float,
                   inter_weight: float,
                   intra_weight: float,
                   eps: float,
                   activation: str,
                   intra_per_image: bool = False,
                   mask: Optional[Tensor] = None) -> Tensor:
    """Weighted DIST relations of ``(N, C, P)`` logits (a scalar).

    ``mask``: ``None`` or ``(N, 1, P)``, 1 for valid positions.
    Implementations, all with the same values: the compiled CPU kernel
    (:mod:`dist_kd_mm.ops`) where it applies; otherwise, for ``(N, C, 1)``
    logits without a mask or teacher gradient, the row path
    (:mod:`row_relations`); otherwise :class:`DISTRelationFunction`.
    """
    if compiled_relations_apply(logits_s, logits_t):
        return dist_relations_compiled(logits_s, logits_t, tau,
                                       inter_weight, intra_weight, eps,
                                       activation, intra_per_image, mask)
    if (logits_s.shape[2] == 1 and mask is None and not intra_per_image
            and not logits_t.requires_grad):
        return dist_row_relations(logits_s[..., 0], logits_t[..., 0], tau,
                                  inter_weight, intra_weight, eps,
                                  activation)
    return DISTRelationFunction.apply(logits_s, logits_t, tau, inter_weight,
                                      intra_weight, eps, activation,
                                      intra_per_image, mask)
