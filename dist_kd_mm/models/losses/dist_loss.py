"""DIST loss: inter- and intra-class Pearson relations of class probabilities.

Huang et al., "Knowledge Distillation from A Stronger Teacher", NeurIPS 2022.
"""
from typing import Optional

import torch
from torch import Tensor, nn

from dist_kd_mm.registry import MODELS

from .dist_dense_inputs import (
    Labels,
    as_instances,
    resize_student_to_teacher,
    valid_groups,
    valid_mask,
)
from .dist_global_batch import gather_instances, scale_gradient, world_size
from .pearson import ACTIVATIONS, pearson
from .utils import (
    check_finite,
    check_logit_pair,
    check_norm_floor,
    check_temperature,
    zero_loss,
)

# dims of the (N, A, C, P) instances view that each relation reduces
INTER_DIMS = (2, )  # classes: one correlation per instance
INTRA_DIMS = (0, 1, 3)  # instances: one correlation per class
INTRA_PER_IMAGE_DIMS = (1, 3)  # one per image and class


@MODELS.register_module()
class DISTLoss(nn.Module):
    """DIST loss, a drop-in for mmrazor's ``DISTLoss`` (``type`` change only).

    With ``y = softmax(logits / tau)`` over classes (rows are instances,
    columns are classes) and ``pearson`` the cosine similarity of mean-centred
    vectors (``eps`` added to the denominator)::

        inter = 1 - mean over rows    of pearson(y_s[i, :], y_t[i, :])
        intra = 1 - mean over columns of pearson(y_s[:, c], y_t[:, c])
        loss  = loss_weight * tau**2 * (inter_loss_weight * inter
                                        + intra_loss_weight * intra)

    ``(N, C)`` logits have one instance per row (the paper's formula, equal
    to mmrazor's). In ``(N, C, *spatial)`` maps every pixel is an instance,
    as if flattened to ``(N*H*W, C)`` (mmrazor's intra-class term differs
    there); with ``num_anchors=A``, ``(N, A*C, H, W)`` anchor-head logits
    make every anchor at every pixel an instance. Student maps of another
    spatial size are resized to the teacher's. No instances give a zero
    loss. Computed in float32 (float64 stays float64) whatever the input
    dtype. Options, dense maps and precision: ``docs/losses.md``.

    Args:
        inter_loss_weight: ``beta``, weight of the inter-class relation.
            Defaults to 1.0.
        intra_loss_weight: ``gamma``, weight of the intra-class relation.
            Defaults to 1.0.
        tau: softmax (or sigmoid) temperature, > 0. Defaults to 1.0.
        loss_weight: overall weight. Defaults to 1.0.
        teacher_detach: detach the teacher logits. Defaults to True.
        activation: ``'softmax'`` over classes, or ``'sigmoid'`` element-wise
            for heads trained with sigmoid classification (e.g. RetinaNet).
            Defaults to ``'softmax'``.
        eps: added to the Pearson denominator, as in the authors' code.
            Defaults to 1e-8.
        intra_per_image: dense maps: intra-class relation per image (over
            its pixels), not over the batch. Defaults to False.
        ignore_index: label of the pixels of ``gt_labels`` that take no
            part. Defaults to 255.
        resize_mode: interpolation mode for student maps of another size.
            Defaults to ``'bilinear'``.
        align_corners: ``align_corners`` of that interpolation. Defaults to
            False.
        num_anchors: anchors per position of dense anchor-head logits.
            Defaults to 1.
        global_intra: intra-class relation over the instances of all
            processes (``all_gather``; the local rows keep their gradient,
            scaled so that DDP's average is the global batch's gradient).
            Defaults to False, the paper's per-GPU relations.
        norm_floor: the gradient of a student row (or column) whose centred
            probabilities have a norm below ``norm_floor`` times the
            teacher's is tapered by ``(norm / floor)**2``: about 0 at a
            constant row (a zero-initialised head), where the formula's is
            ``1/eps`` times the teacher's. The value, and the gradient above
            the floor, are the formula's. 0: the formula's gradient
            everywhere. Defaults to 1e-3.
    """

    def __init__(self,
                 inter_loss_weight: float = 1.0,
                 intra_loss_weight: float = 1.0,
                 tau: float = 1.0,
                 loss_weight: float = 1.0,
                 teacher_detach: bool = True,
                 activation: str = 'softmax',
                 eps: float = 1e-8,
                 intra_per_image: bool = False,
                 ignore_index: int = 255,
                 resize_mode: str = 'bilinear',
                 align_corners: bool = False,
                 num_anchors: int = 1,
                 global_intra: bool = False,
                 norm_floor: float = 1e-3) -> None:
        super().__init__()
        check_temperature('DISTLoss', tau)
        if activation not in ACTIVATIONS:
            raise ValueError(f'DISTLoss: activation must be one of '
                             f'{ACTIVATIONS}, got {activation!r}')
        if not eps > 0:
            raise ValueError(f'DISTLoss: eps must be > 0, got {eps!r}')
        check_norm_floor('DISTLoss', norm_floor)
        self.norm_floor = float(norm_floor)
        self.inter_loss_weight = float(inter_loss_weight)
        self.intra_loss_weight = float(intra_loss_weight)
        self.tau = float(tau)
        self.loss_weight = float(loss_weight)
        self.teacher_detach = teacher_detach
        self.activation = activation
        self.eps = float(eps)
        if not (isinstance(num_anchors, int) and num_anchors >= 1):
            raise ValueError(f'DISTLoss: num_anchors must be an int >= 1, '
                             f'got {num_anchors!r}')
        self.num_anchors = num_anchors
        if global_intra and intra_per_image:
            raise ValueError('DISTLoss: global_intra=True and '
                             'intra_per_image=True exclude each other')
        self.global_intra = global_intra
        self.intra_per_image = intra_per_image
        self.ignore_index = ignore_index
        self.resize_mode = resize_mode
        self.align_corners = align_corners

    def extra_repr(self) -> str:
        return (f'inter_loss_weight={self.inter_loss_weight}, '
                f'intra_loss_weight={self.intra_loss_weight}, tau={self.tau}, '
                f'loss_weight={self.loss_weight}, '
                f'activation={self.activation!r}, '
                f'intra_per_image={self.intra_per_image}, '
                f'num_anchors={self.num_anchors}, '
                f'global_intra={self.global_intra}, '
                f'norm_floor={self.norm_floor}')

    def forward(self,
                logits_S: Tensor,
                logits_T: Tensor,
                gt_labels: Optional[Labels] = None) -> Tensor:
        """Loss of student logits ``logits_S`` against teacher ``logits_T``.

        Args:
            logits_S: ``(N, C)`` or ``(N, C, *spatial)`` student logits.
            logits_T: teacher logits of the same shape, or for maps
                ``(N, C, H, W)`` of another spatial size (the student's are
                resized).
            gt_labels: optional labels: ``(N, H', W')`` tensor or mmseg data
                samples; pixels equal to ``ignore_index`` are left out.

        Returns:
            A scalar float32 (or float64) tensor.
        """
        terms = self.terms(logits_S, logits_T, gt_labels)
        if not terms:
            # No instances (e.g. a detection batch without RoIs), or every
            # weight 0: a zero that keeps the student in the graph.
            return zero_loss(logits_S)
        loss = sum(terms.values())
        return check_finite('DISTLoss', loss, logits_S, logits_T)

    def terms(self,
              logits_S: Tensor,
              logits_T: Tensor,
              gt_labels: Optional[Labels] = None) -> dict[str, Tensor]:
        """The weighted relations whose sum is the loss, as they enter it:
        ``{'inter': ..., 'intra': ...}`` (those of nonzero weight; none
        without instances). Arguments as :meth:`forward`'s."""
        check_logit_pair('DISTLoss', logits_S, logits_T)
        if logits_S.numel() == 0 or logits_T.numel() == 0:
            return {}
        x_s, x_t, mask = self.instances(logits_S, logits_T, gt_labels)
        return self._relations(x_s, x_t, mask)

    def instances(self,
                  logits_S: Tensor,
                  logits_T: Tensor,
                  gt_labels: Optional[Labels] = None
                  ) -> tuple[Tensor, Tensor, Optional[Tensor]]:
        """The logits as the loss sees them: student maps resized to the
        teacher's, both as ``(N, A, C, P)`` instance views, and the
        ``(N, 1, 1, P)`` mask of valid pixels (None without
        ``gt_labels``)."""
        if self.teacher_detach:
            logits_T = logits_T.detach()
        logits_S = resize_student_to_teacher(
            logits_S, logits_T, self.resize_mode, self.align_corners)
        mask = None
        if gt_labels is not None and self.num_anchors > 1:
            raise ValueError('DISTLoss: gt_labels (ignored pixels) cannot be '
                             'combined with num_anchors > 1')
        classes = logits_T.shape[1] // self.num_anchors
        if classes == 1 and (self.inter_loss_weight
                             or self.activation == 'softmax'):
            raise ValueError(
                f'DISTLoss: logits of shape {tuple(logits_T.shape)} have one '
                'class, over which the inter-class relation is constant (a '
                'softmax makes everything constant): the loss would be fixed'
                " and pass no gradient. For a one-logit head use activation="
                "'sigmoid' with inter_loss_weight=0 (the intra-class "
                'relation runs over the instances)')
        if gt_labels is not None:
            mask = valid_mask(gt_labels, logits_T.shape,
                              self.ignore_index).to(logits_T.device)
        return (as_instances(logits_S, self.num_anchors),
                as_instances(logits_T, self.num_anchors), mask)

    def _relations(self, x_s: Tensor, x_t: Tensor,
                   mask: Optional[Tensor]) -> dict[str, Tensor]:
        """The weighted relations of ``(N, A, C, P)`` logits, by name; the
        intra-class one over all processes' instances with
        ``global_intra``."""
        scale = self.loss_weight * self.tau**2
        inter = ('inter', INTER_DIMS, scale * self.inter_loss_weight)
        intra = ('intra', INTRA_PER_IMAGE_DIMS if self.intra_per_image else
                 INTRA_DIMS, scale * self.intra_loss_weight)
        processes = world_size() if self.global_intra else 1
        if processes == 1 or intra[2] == 0:
            return self._weighted(x_s, x_t, mask, inter, intra)
        terms = self._weighted(x_s, x_t, mask, inter)
        all_s, all_t, all_mask = gather_instances(x_s, x_t, mask)
        terms['intra'] = scale_gradient(
            self._weighted(all_s, all_t, all_mask, intra)['intra'],
            float(processes))
        return terms

    def _weighted(self, x_s: Tensor, x_t: Tensor, mask: Optional[Tensor],
                  *relations: tuple[str, tuple[int, ...], float]
                  ) -> dict[str, Tensor]:
        """``weight * (1 - mean correlation)`` of each of ``relations``
        (name, reduced dims, weight) of ``(N, A, C, P)`` logits, by name,
        from one Pearson call; those of weight 0 are left out. The mean
        runs over the groups that hold valid instances."""
        relations = [r for r in relations if r[2] != 0]
        if not relations:
            return {}
        correlations = pearson(x_s, x_t, [dims for _, dims, _ in relations],
                               self.eps, self.activation, class_dim=2,
                               tau=self.tau, mask=mask,
                               norm_floor=self.norm_floor)
        terms = {}
        for (name, dims, weight), corr in zip(relations, correlations):
            if mask is None:
                terms[name] = weight - corr.sum() * (weight / corr.numel())
            else:  # groups without valid instances are left out
                groups = valid_groups(x_s.shape, dims, mask)
                mean = corr.sum() / groups.clamp(min=1)
                terms[name] = weight * torch.where(groups > 0, 1 - mean,
                                                   mean * 0)
        return terms
