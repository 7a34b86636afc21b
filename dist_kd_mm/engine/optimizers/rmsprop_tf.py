"""RMSprop in TensorFlow's form, for the strong ImageNet recipe."""
from collections.abc import Callable, Iterable
from typing import Optional

import torch
from torch.optim import Optimizer

from dist_kd_mm.registry import OPTIMIZERS


@OPTIMIZERS.register_module()
class RMSpropTF(Optimizer):
    """RMSprop as TensorFlow 1's ``RMSPropOptimizer`` computes it.

    The EfficientNet recipe the DIST paper's strong strategy (B2) follows
    uses it. Per parameter ``p`` with gradient ``g`` (plus
    ``weight_decay * p``, an L2 term):

    .. code-block:: text

        ms  = alpha * ms + (1 - alpha) * g^2           ms starts at 1
        mg  = alpha * mg + (1 - alpha) * g             only if centered
        mom = momentum * mom + lr * g / sqrt(ms - mg^2 + eps)
        p   = p - mom

    It differs from ``torch.optim.RMSprop`` in three ways: ``eps`` is inside
    the square root, the mean square starts at one instead of zero (so early
    steps are not huge), and the learning rate enters the momentum buffer
    (so a change of lr acts on new gradients only).

    Args:
        params: parameters or parameter groups.
        lr: learning rate. Defaults to 1e-2.
        alpha: decay of the mean square (TF's ``decay``). Defaults to 0.9.
        eps: added to the mean square inside the square root. Defaults to
            1e-10 (TF's default; the B2 recipe uses 1e-3).
        weight_decay: L2 factor added to the gradient. Defaults to 0.
        momentum: momentum factor. Defaults to 0.
        centered: divide by the variance (the mean square minus the squared
            mean gradient) instead of the mean square. Defaults to False.
    """

    def __init__(self,
                 params: Iterable,
                 lr: float = 1e-2,
                 alpha: float = 0.9,
                 eps: float = 1e-10,
                 weight_decay: float = 0.0,
                 momentum: float = 0.0,
                 centered: bool = False) -> None:
        for name, value in (('lr', lr), ('eps', eps),
                            ('weight_decay', weight_decay),
                            ('momentum', momentum)):
            if value < 0:
                raise ValueError(f'RMSpropTF: {name} must be >= 0, got '
                                 f'{value}')
        if not 0 <= alpha < 1:
            raise ValueError(f'RMSpropTF: alpha must be in [0, 1), got '
                             f'{alpha}')
        super().__init__(
            params,
            dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                 momentum=momentum, centered=centered))

    @torch.no_grad()
    def step(self, closure: Optional[Callable] = None) -> Optional[float]:
        """One update of every parameter that has a gradient."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for param in group['params']:
                if param.grad is None:
                    continue
                if param.grad.is_sparse:
                    raise RuntimeError('RMSpropTF does not support sparse '
                                       'gradients')
                self._update(param, group)
        return loss

    def _update(self, param: torch.Tensor, group: dict) -> None:
        grad = param.grad
        if group['weight_decay']:
            grad = grad.add(param, alpha=group['weight_decay'])
        state = self.state[param]
        if not state:
            state['step'] = 0
            state['square_avg'] = torch.ones_like(param)
            if group['momentum'] > 0:
                state['momentum_buffer'] = torch.zeros_like(param)
            if group['centered']:
                state['grad_avg'] = torch.zeros_like(param)
        state['step'] += 1
        alpha = group['alpha']
        square_avg = state['square_avg']
        square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        if group['centered']:
            grad_avg = state['grad_avg'].mul_(alpha).add_(grad,
                                                          alpha=1 - alpha)
            denom = square_avg.addcmul(grad_avg, grad_avg, value=-1)
        else:
            denom = square_avg
        denom = denom.add(group['eps']).sqrt_()
        if group['momentum'] > 0:
            buffer = state['momentum_buffer']
            buffer.mul_(group['momentum']).addcdiv_(grad, denom,
                                                    value=group['lr'])
            param.sub_(buffer)
        else:
            param.addcdiv_(grad, denom, value=-group['lr'])
