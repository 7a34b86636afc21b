"""The two DIST relations of ``(M, C)`` logits, the fast path for 2-D input.

Same values and gradients as :mod:`dist_relation` on ``(M, C, 1)`` without a
mask, with fewer passes over the ``(M, C)`` tensors:

* forward: one activation per side; per relation one centring per side, the
  centred dot product and norms (rows with ``vecdot``/``vector_norm``,
  columns with products summed over rows: a strided ``vector_norm`` over
  dim 0 is several times slower);
* backward: the gradient of each relation w.r.t. the probabilities is
  ``alpha * b + beta * a`` with centred ``a = y_s - m_s``, ``b = y_t - m_t``
  and per-group ``alpha``, ``beta`` (see :mod:`dist_relation`). Summed over
  both relations it is ``A * y_t + B * y_s + K`` with ``A`` and ``B`` outer
  sums of the row and column coefficients and ``K`` the folded means, so
  nothing is centred again.
"""
import torch
from torch import Tensor

from .activations import activate, activation_backward_

ROWS, COLUMNS = 1, 0  # reduced dim of the inter- and intra-class relation


def _centred_stats(y_s: Tensor, y_t: Tensor, dim: int) -> tuple:
    """Means, norms and Pearson parts of one relation, reducing ``dim``."""
    mean_s = y_s.mean(dim, keepdim=True)
    mean_t = y_t.mean(dim, keepdim=True)
    a, b = y_s - mean_s, y_t - mean_t
    if dim == ROWS:
        dot = torch.linalg.vecdot(a, b, dim=1).unsqueeze(1)
        norm_s = torch.linalg.vector_norm(a, dim=1, keepdim=True)
        norm_t = torch.linalg.vector_norm(b, dim=1, keepdim=True)
    else:
        dot = (a * b).sum(0, keepdim=True)
        norm_s = a.mul_(a).sum(0, keepdim=True).sqrt_()
        norm_t = b.mul_(b).sum(0, keepdim=True).sqrt_()
    return mean_s, mean_t, norm_s, norm_t, dot


class DISTRowsFunction(torch.autograd.Function):
    """``inter_weight * inter + intra_weight * intra`` of ``(M, C)``."""

    @staticmethod
    def forward(ctx, logits_s: Tensor, logits_t: Tensor, tau: float,
                inter_weight: float, intra_weight: float, eps: float,
                activation: str) -> Tensor:
        y_s = activate(logits_s, tau, activation)
        y_t = activate(logits_t, tau, activation)
        relations, loss = [], logits_s.new_zeros(())
        for dim, weight in ((ROWS, inter_weight), (COLUMNS, intra_weight)):
            if weight == 0:
                continue
            mean_s, mean_t, norm_s, norm_t, dot = _centred_stats(
                y_s, y_t, dim)
            denom = norm_s * norm_t + eps
            corr = dot / denom
            loss = loss + weight * (1 - corr.mean())
            relations.append((weight, mean_s, mean_t, norm_s, norm_t, denom,
                              corr))
        ctx.save_for_backward(y_s, y_t)
        ctx.relations = relations
        ctx.tau, ctx.activation = tau, activation
        return loss

    @staticmethod
    def backward(ctx, grad_output: Tensor):
        if not ctx.needs_input_grad[0]:
            return (None, ) * 7
        y_s, y_t = ctx.saved_tensors
        if not ctx.relations:
            return (torch.zeros_like(y_s), ) + (None, ) * 6
        coeff_t = coeff_s = constant = 0
        for weight, mean_s, mean_t, norm_s, norm_t, denom, corr in \
                ctx.relations:
            scale = grad_output * (weight / corr.numel())
            alpha = -scale / denom
            beta = torch.where(
                norm_s > 0,
                scale * corr * norm_t / (norm_s.clamp_min(1e-30) * denom),
                torch.zeros_like(norm_s))
            coeff_t = coeff_t + alpha
            coeff_s = coeff_s + beta
            constant = constant - (alpha * mean_t + beta * mean_s)
        grad = y_t * coeff_t
        grad.addcmul_(y_s, coeff_s).add_(constant)
        grad = activation_backward_(grad, y_s, ctx.tau, ctx.activation)
        return (grad, ) + (None, ) * 6


def dist_row_relations(logits_s: Tensor, logits_t: Tensor, tau: float,
                       inter_weight: float, intra_weight: float, eps: float,
                       activation: str) -> Tensor:
    """Weighted DIST relations of ``(M, C)`` logits (a scalar); the
    teacher logits get no gradient."""
    return DISTRowsFunction.apply(logits_s, logits_t.detach(), tau,
                                  inter_weight, intra_weight, eps,
                                  activation)
