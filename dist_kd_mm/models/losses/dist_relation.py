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
layout. Forward keeps only the activated probabilities and small per-group
statistics; backward recomputes the centred values.

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

ACTIVATIONS = ('softmax', 'sigmoid')
INTER_DIMS: tuple[int, ...] = (1, )
INTRA_DIMS: tuple[int, ...] = (0, 2)
INTRA_PER_IMAGE_DIMS: tuple[int, ...] = (2, )


def activate(logits: Tensor, tau: float, activation: str) -> Tensor:
    """Class probabilities of ``(N, C, P)`` logits at temperature ``tau``."""
    scaled = logits / tau
    if activation == 'softmax':
        return scaled.softmax(dim=1)
    return scaled.sigmoid()


def activation_backward(grad_y: Tensor, y: Tensor, tau: float,
                        activation: str) -> Tensor:
    """Gradient w.r.t. the logits given the gradient w.r.t. ``y``."""
    if activation == 'softmax':
        inner = (grad_y * y).sum(dim=1, keepdim=True)
        return (grad_y - inner).mul_(y).div_(tau)
    return grad_y.mul(y).mul_(1 - y).div_(tau)


class _GroupStats:
    """Per-group statistics of one relation (shapes broadcast to y).

    ``mask`` is ``None`` (all valid) or ``(N, 1, P)`` with 1 for valid.
    """

    def __init__(self, y_s: Tensor, y_t: Tensor, dims: tuple[int, ...],
                 eps: float, mask: Optional[Tensor]) -> None:
        self.mask = mask
        if mask is None:
            self.mean_s = y_s.mean(dim=dims, keepdim=True)
            self.mean_t = y_t.mean(dim=dims, keepdim=True)
            self.num_groups = self.mean_s.numel()
        else:
            count = mask.expand_as(y_s).sum(dim=dims, keepdim=True)
            divisor = count.clamp(min=1)
            self.mean_s = (y_s * mask).sum(dim=dims, keepdim=True) / divisor
            self.mean_t = (y_t * mask).sum(dim=dims, keepdim=True) / divisor
            self.num_groups = int((count > 0).sum())
        a, b = self.centred(y_s, y_t)
        self.dot = (a * b).sum(dim=dims, keepdim=True)
        self.norm_s = torch.linalg.vector_norm(a, dim=dims, keepdim=True)
        self.norm_t = torch.linalg.vector_norm(b, dim=dims, keepdim=True)
        self.denom = self.norm_s * self.norm_t + eps
        self.corr = self.dot / self.denom  # one value per group

    def relation(self) -> Tensor:
        """``1 - mean of the correlations`` over the groups with data."""
        if self.num_groups == 0:
            return self.corr.new_zeros(())
        return 1 - self.corr.sum() / self.num_groups

    def centred(self, y_s: Tensor, y_t: Tensor) -> tuple[Tensor, Tensor]:
        a, b = y_s - self.mean_s, y_t - self.mean_t
        if self.mask is not None:
            a.mul_(self.mask)
            b.mul_(self.mask)
        return a, b

    def grad_coefficients(self, weight: Tensor, own_norm: Tensor,
                          other_norm: Tensor) -> tuple[Tensor, Tensor]:
        """``(alpha, beta)`` with ``d term / d own = alpha*other + beta*own``.

        ``weight`` is ``w / K`` times the upstream gradient.
        """
        alpha = -weight / self.denom
        safe_norm = torch.where(own_norm > 0, own_norm,
                                torch.ones_like(own_norm))
        scaled_corr = weight * self.corr * other_norm
        beta = torch.where(own_norm > 0,
                           scaled_corr / (safe_norm * self.denom),
                           torch.zeros_like(own_norm))
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
        inter = _GroupStats(y_s, y_t, INTER_DIMS, eps, mask)
        intra = _GroupStats(y_s, y_t, intra_dims, eps, mask)
        loss = (inter_weight * inter.relation() +
                intra_weight * intra.relation())
        ctx.save_for_backward(y_s, y_t)
        ctx.stats = (inter, intra)
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

    Both sides have the same form with the roles of ``a`` and ``b`` swapped.
    """
    y_s, y_t = ctx.saved_tensors
    grad_y: Optional[Tensor] = None
    for stats, weight in zip(ctx.stats, ctx.weights):
        if weight == 0 or stats.num_groups == 0:
            continue
        a, b = stats.centred(y_s, y_t)
        own, other = (b, a) if teacher_side else (a, b)
        norms = ((stats.norm_t, stats.norm_s) if teacher_side else
                 (stats.norm_s, stats.norm_t))
        alpha, beta = stats.grad_coefficients(
            grad_output * (weight / stats.num_groups), *norms)
        term = torch.addcmul(other * alpha, own, beta)
        grad_y = term if grad_y is None else grad_y.add_(term)
    y = y_t if teacher_side else y_s
    if grad_y is None:
        grad_y = torch.zeros_like(y)
    return activation_backward(grad_y, y, ctx.tau, ctx.activation)


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
    """
    return DISTRelationFunction.apply(logits_s, logits_t, tau, inter_weight,
                                      intra_weight, eps, activation,
                                      intra_per_image, mask)
