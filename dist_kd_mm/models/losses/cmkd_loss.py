"""CMKD: Pearson and Spearman correlation matching, weighted per sample.

Niu, Wang, Cai, Hou, "Efficient and Robust Knowledge Distillation from A
Stronger Teacher Based on Correlation Matching", arXiv 2410.06561.
"""
import math

import torch
from torch import Tensor, nn

from dist_kd_mm.registry import MODELS

from .pearson import pearson
from .utils import (
    check_finite,
    check_logit_pair,
    check_norm_floor,
    check_temperature,
    zero_loss,
)

WEIGHTINGS = ('hard_to_rank', 'easy_to_rank', 'fixed')
SOFT_RANK_REGULARIZATIONS = ('l2', 'kl')
INSTANCE_DIMS = (1, )  # of (M, C, 1) rows: one correlation per instance
CLASS_DIMS = (0, 2)  # one correlation per class


def exact_ranks(x: Tensor) -> Tensor:
    """1-based ranks within each row of ``(M, C)``, ties sharing their
    average rank (scipy's ``rankdata(method='average')``). No gradient."""
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


def centred_rows(x: Tensor) -> Tensor:
    """Each row of ``(M, C)`` minus its mean."""
    return x - x.mean(dim=1, keepdim=True)


def row_std(centred: Tensor) -> Tensor:
    """The standard deviation ``(M, 1)`` of each centred row."""
    return centred.pow(2).mean(dim=1, keepdim=True).sqrt()


def row_zscore(x: Tensor, floor: Tensor) -> Tensor:
    """Each row of ``(M, C)`` centred and scaled to unit standard
    deviation. A row whose deviation is below its ``floor`` ``(M, 1)`` is
    divided by the floor instead and passes no gradient: its order is
    rounding noise, and the scaling's gradient, ``1/std``, would be
    unbounded (1e6 at a constant row with the former ``eps`` of 1e-12)."""
    centred = centred_rows(x)
    std = row_std(centred)
    flat = std < floor
    z = centred / torch.where(flat, floor, std).clamp_min(1e-30)
    return torch.where(flat, z.detach(), z)


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


def instances_by_classes(logits: Tensor) -> Tensor:
    """``(N, C)`` or ``(N, C, *spatial)`` as ``(N * prod(spatial), C)``."""
    if logits.dim() == 2:
        return logits
    return logits.flatten(2).transpose(1, 2).reshape(-1, logits.shape[1])


def normalized_entropy(probs: Tensor) -> Tensor:
    """``H(p) / log C`` of each row, in ``[0, 1]`` (0: one-hot, 1:
    uniform). ``(M, C) -> (M,)``."""
    entropy = -(probs * probs.clamp_min(1e-30).log()).sum(dim=1)
    return entropy / math.log(probs.shape[1])


@MODELS.register_module()
class CMKDLoss(nn.Module):
    """CMKD loss: DIST's Pearson relation plus a Spearman (rank) relation,
    mixed per instance by the instance's difficulty.

    With ``p = softmax(logits / tau)`` (rows are instances), for each
    instance ``i``::

        P_i = 1 - pearson(p_s[i], p_t[i])                  (DIST inter-class)
        S_i = 1 - pearson(softrank(z(log p_s[i])), rank(p_t[i]))  (Spearman)
        d_i = H(p_t[i]) / log C       (teacher's normalized entropy, 0..1)
        s_i = d_i | 1 - d_i | spearman_share     (weighting, see below)
        loss = loss_weight * tau**2 * (
                   mean_i[pearson_weight * (1 - s_i) * P_i
                          + spearman_weight * s_i * S_i]
                   + intra_loss_weight * DIST intra-class relation)

    ``z`` is a z-score per row, ``softrank`` torchsort's differentiable
    ranks with ``regularization_strength`` and ``rank`` the teacher's exact
    average ranks. The student's soft ranks are taken of its
    log-probabilities, which order the classes as the probabilities do but
    keep the many near-zero probabilities apart; after the z-score they do
    not depend on ``tau`` and the strength has one meaning for every
    temperature. As the strength goes to 0, ``S_i`` becomes ``1 -
    Spearman(p_s[i], p_t[i])`` exactly; as it grows, the soft ranks become
    linear in ``z(log p_s)``. A student row whose log-probabilities spread
    less than ``norm_floor`` times the teacher's (a zero-initialised head)
    has no order to learn: its ``S_i`` passes no gradient, and its Pearson
    terms pass the tapered gradient of ``DISTLoss``'s ``norm_floor``.

    Which parts follow the paper: a Pearson term on the probabilities and a
    Spearman term on their ranks, weighted per sample by difficulty. This
    project's choices (the paper's formula and ranking method were not
    available): the difficulty (normalized teacher entropy), the mixing
    ``s_i``, the z-score, torchsort's soft ranks and the default strength.

    Weightings (``s_i`` is the Spearman share of instance ``i``):

    * ``'hard_to_rank'`` (default): ``s_i = d_i``; on hard instances (flat
      teacher distribution, whose values say little) the ranking counts
      more, on confident ones the probability values.
    * ``'easy_to_rank'``: ``s_i = 1 - d_i``, the opposite direction.
    * ``'fixed'``: ``s_i = spearman_share`` for every instance;
      ``spearman_share=0`` is DIST exactly.

    Dense ``(N, C, H, W)`` logits: every pixel is an instance, as in
    ``DISTLoss``. The loss is computed in float32 (float64 stays float64);
    the teacher is detached unless ``teacher_detach=False`` (its ranks never
    carry a gradient); non-finite logits raise ``FloatingPointError``.

    Args:
        tau: softmax temperature, > 0.
        loss_weight: overall weight.
        pearson_weight: weight of the Pearson (inter-class) term.
        spearman_weight: weight of the Spearman term.
        intra_loss_weight: weight of DIST's intra-class relation (0: off).
        weighting: ``'hard_to_rank'``, ``'easy_to_rank'`` or ``'fixed'``.
        spearman_share: ``s_i`` for ``weighting='fixed'``, in ``[0, 1]``.
        regularization_strength: soft-rank strength (> 0) on z-scored rows.
        regularization: torchsort's ``'l2'`` or ``'kl'``.
        teacher_detach: detach the teacher logits.
        eps: added to the Pearson denominators.
        norm_floor: as ``DISTLoss``'s, for the Pearson terms; and the
            spread (standard deviation of the log-probabilities) below which
            a student row's Spearman term passes no gradient, relative to
            the teacher row's. 0: the formulas' gradients everywhere.
    """

    def __init__(self,
                 tau: float = 1.0,
                 loss_weight: float = 1.0,
                 pearson_weight: float = 1.0,
                 spearman_weight: float = 1.0,
                 intra_loss_weight: float = 1.0,
                 weighting: str = 'hard_to_rank',
                 spearman_share: float = 0.5,
                 regularization_strength: float = 0.1,
                 regularization: str = 'l2',
                 teacher_detach: bool = True,
                 eps: float = 1e-8,
                 norm_floor: float = 1e-3) -> None:
        super().__init__()
        check_temperature('CMKDLoss', tau)
        if weighting not in WEIGHTINGS:
            raise ValueError(f'CMKDLoss: weighting must be one of '
                             f'{WEIGHTINGS}, got {weighting!r}')
        if not 0 <= spearman_share <= 1:
            raise ValueError(f'CMKDLoss: spearman_share must be in [0, 1], '
                             f'got {spearman_share!r}')
        if not regularization_strength > 0:
            raise ValueError('CMKDLoss: regularization_strength must be > '
                             f'0, got {regularization_strength!r}')
        if regularization not in SOFT_RANK_REGULARIZATIONS:
            raise ValueError(f'CMKDLoss: regularization must be one of '
                             f'{SOFT_RANK_REGULARIZATIONS}, got '
                             f'{regularization!r}')
        self.tau = float(tau)
        self.loss_weight = float(loss_weight)
        self.pearson_weight = float(pearson_weight)
        self.spearman_weight = float(spearman_weight)
        self.intra_loss_weight = float(intra_loss_weight)
        self.weighting = weighting
        self.spearman_share = float(spearman_share)
        self.regularization_strength = float(regularization_strength)
        self.regularization = regularization
        self.teacher_detach = teacher_detach
        self.eps = float(eps)
        check_norm_floor('CMKDLoss', norm_floor)
        self.norm_floor = float(norm_floor)

    def extra_repr(self) -> str:
        return (f'tau={self.tau}, loss_weight={self.loss_weight}, '
                f'pearson_weight={self.pearson_weight}, '
                f'spearman_weight={self.spearman_weight}, '
                f'intra_loss_weight={self.intra_loss_weight}, '
                f'weighting={self.weighting!r}, '
                f'regularization_strength={self.regularization_strength}, '
                f'norm_floor={self.norm_floor}')

    def spearman_shares(self, probs_t: Tensor) -> Tensor:
        """``s_i`` of each instance from the teacher's probabilities
        ``(M, C)``; no gradient. Returns ``(M,)``."""
        if self.weighting == 'fixed':
            return probs_t.new_full((probs_t.shape[0], ),
                                    self.spearman_share)
        difficulty = normalized_entropy(probs_t.detach())
        if self.weighting == 'hard_to_rank':
            return difficulty
        return 1 - difficulty

    def spearman_term(self, log_probs_s: Tensor, probs_t: Tensor) -> Tensor:
        """``S_i = 1 - pearson(soft ranks of z(log p_s), ranks of p_t)``,
        ``(M, C) -> (M,)``."""
        floor = self.norm_floor * row_std(
            centred_rows(probs_t.clamp_min(1e-30).log()))
        ranks_s = soft_ranks(row_zscore(log_probs_s, floor),
                             self.regularization_strength,
                             self.regularization)
        ranks_t = exact_ranks(probs_t)
        corr, = pearson(ranks_s[..., None], ranks_t[..., None],
                        [INSTANCE_DIMS], self.eps,
                        norm_floor=self.norm_floor)
        return 1 - corr.flatten()

    def forward(self, logits_S: Tensor, logits_T: Tensor) -> Tensor:
        """Loss of student ``logits_S`` against teacher ``logits_T``, both
        ``(N, C)`` or ``(N, C, *spatial)`` of the same shape; a scalar.
        (No ``gt_labels``: ignored pixels are a ``DISTLoss`` option only.)"""
        terms = self.terms(logits_S, logits_T)
        if not terms:
            return zero_loss(logits_S)
        return check_finite('CMKDLoss', sum(terms.values()), logits_S,
                            logits_T)

    def terms(self, logits_S: Tensor, logits_T: Tensor) -> dict[str, Tensor]:
        """The parts whose sum is the loss, as they enter it (``loss_weight
        * tau**2`` included): ``'pearson'`` and ``'spearman'`` (the
        weighted means over instances) and ``'intra'`` (when its weight is
        not 0); none without instances. Arguments as :meth:`forward`'s."""
        rows_s, rows_t = self.instance_rows(logits_S, logits_T)
        if rows_s.numel() == 0:
            return {}
        log_probs_s = (rows_s / self.tau).log_softmax(dim=1)
        probs_t = (rows_t / self.tau).softmax(dim=1)
        shares = self.spearman_shares(probs_t)
        groupings = [INSTANCE_DIMS] + ([CLASS_DIMS]
                                       if self.intra_loss_weight else [])
        correlations = pearson(rows_s[..., None], rows_t[..., None],
                               groupings, self.eps, 'softmax', tau=self.tau,
                               norm_floor=self.norm_floor)
        pearson_term = 1 - correlations[0].flatten()
        spearman = self.spearman_term(log_probs_s, probs_t)
        scale = self.loss_weight * self.tau**2
        terms = {
            'pearson': scale * (self.pearson_weight *
                                (1 - shares) * pearson_term).mean(),
            'spearman': scale * (self.spearman_weight * shares *
                                 spearman).mean(),
        }
        if self.intra_loss_weight:
            terms['intra'] = (scale * self.intra_loss_weight) * (
                1 - correlations[1].mean())
        return terms

    def instance_rows(self, logits_S: Tensor,
                      logits_T: Tensor) -> tuple[Tensor, Tensor]:
        """Both logits checked and as ``(M, C)`` rows of instances, in
        float32 (or float64); the teacher's detached unless
        ``teacher_detach=False``."""
        check_logit_pair('CMKDLoss', logits_S, logits_T)
        if logits_S.shape != logits_T.shape:
            raise ValueError(
                f'CMKDLoss: logits_S {tuple(logits_S.shape)} and logits_T '
                f'{tuple(logits_T.shape)} must have the same shape')
        if logits_S.shape[1] < 2:
            raise ValueError(
                'CMKDLoss: ranks and the entropy weights need at least 2 '
                f'classes, got logits of shape {tuple(logits_S.shape)}')
        dtype = torch.promote_types(logits_S.dtype, torch.float32)
        if self.teacher_detach:
            logits_T = logits_T.detach()
        return (instances_by_classes(logits_S.to(dtype)),
                instances_by_classes(logits_T.to(dtype)))
