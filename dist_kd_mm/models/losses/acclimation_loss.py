"""DIST+'s teacher acclimation loss: Pearson over the non-target classes.

Huang et al., "DIST+: Knowledge Distillation From a Stronger Adaptive
Teacher", IEEE TPAMI 2025.
"""
import torch
from torch import Tensor, nn

from dist_kd_mm.registry import MODELS

from .pearson import pearson
from .utils import LOGITS, check_finite, check_temperature, describe

CLASSES = (1, )  # of (N, C - 1): one correlation per instance


@MODELS.register_module()
class AcclimationLoss(nn.Module):
    """``L_ta``, which trains the teacher towards its student's relations.

    For teacher and student logits ``z_t``, ``z_s`` of shape ``(N, C)``, the
    ground-truth class ``y_n`` of each instance, ``p`` the softmax at
    temperature ``tau`` and ``pearson`` the cosine of mean-centred vectors
    (``eps`` in the denominator)::

        loss = loss_weight * (1 - mean over n of
                   pearson(p(z_t[n, c != y_n]), p(z_s[n, c != y_n]).detach()))

    The ground-truth column is dropped before the softmax. Softmax over all
    classes and then dropping the column gives the same loss: the two differ
    by a positive factor per row, to which Pearson is blind. The student's
    logits are always detached: only the teacher learns from this loss.

    Args:
        tau: temperature of the softmax. Defaults to 1.0 (this project's
            choice; the paper does not state one).
        loss_weight: weight of the loss. Defaults to 1.0.
        eps: added to the Pearson denominator. Defaults to 1e-8.
    """

    def __init__(self,
                 tau: float = 1.0,
                 loss_weight: float = 1.0,
                 eps: float = 1e-8) -> None:
        super().__init__()
        check_temperature('AcclimationLoss', tau)
        if not eps > 0:
            raise ValueError(f'AcclimationLoss: eps must be > 0, got {eps!r}')
        self.tau = float(tau)
        self.loss_weight = float(loss_weight)
        self.eps = float(eps)

    def extra_repr(self) -> str:
        return f'tau={self.tau}, loss_weight={self.loss_weight}'

    def forward(self, logits_S: Tensor, logits_T: Tensor,
                target: Tensor) -> Tensor:
        """Loss of the teacher's logits against the student's (the
        arguments in the order of every loss: student, teacher).

        Args:
            logits_S: ``(N, C)`` student logits (detached here).
            logits_T: ``(N, C)`` teacher logits; the gradient goes here.
            target: ``(N, )`` ground-truth class indices.

        Returns:
            A scalar float32 (float64 for float64 input) tensor.
        """
        for name, logits in zip(LOGITS, (logits_S, logits_T)):
            if not (isinstance(logits, Tensor) and logits.dim() == 2
                    and logits.is_floating_point()):
                raise ValueError(
                    f'AcclimationLoss: {name} must be a floating-point '
                    f'(N, C) tensor, got {describe(logits)}')
        if logits_S.shape != logits_T.shape:
            raise ValueError(
                'AcclimationLoss: student and teacher logits differ in '
                f'shape: logits_S {tuple(logits_S.shape)} vs logits_T '
                f'{tuple(logits_T.shape)}; check the two recorders')
        num, classes = logits_T.shape
        if classes < 3:
            raise ValueError(
                f'AcclimationLoss: needs at least 3 classes (2 non-target '
                f'ones to correlate), got logits of shape {(num, classes)}')
        target = torch.as_tensor(target, device=logits_T.device)
        if (target.shape != (num, ) or target.is_floating_point()
                or bool(((target < 0) | (target >= classes)).any())):
            raise ValueError(
                f'AcclimationLoss: target must hold one class index in '
                f'[0, {classes}) per instance, shape ({num},); got '
                f'{describe(target)} {target.tolist()[:8]}')
        keep = torch.ones_like(logits_T, dtype=torch.bool)
        keep[torch.arange(num, device=keep.device), target] = False
        non_target_s = logits_S.detach()[keep].view(num, classes - 1)
        non_target_t = logits_T[keep].view(num, classes - 1)
        corr, = pearson(non_target_s, non_target_t, [CLASSES], self.eps,
                        activation='softmax', class_dim=1, tau=self.tau)
        loss = self.loss_weight * (1 - corr.mean())
        return check_finite('AcclimationLoss', loss, logits_S,
                                 logits_T)
