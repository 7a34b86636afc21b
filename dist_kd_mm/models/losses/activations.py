"""Class probabilities of the DIST losses and their backward."""
from torch import Tensor

ACTIVATIONS = ('softmax', 'sigmoid')


def activate(logits: Tensor, tau: float, activation: str) -> Tensor:
    """Class probabilities of ``(N, C, P)`` logits at temperature ``tau``."""
    scaled = logits / tau if tau != 1 else logits
    if activation == 'softmax':
        return scaled.softmax(dim=1)
    return scaled.sigmoid()


def activation_backward_(grad_y: Tensor, y: Tensor, tau: float,
                         activation: str) -> Tensor:
    """Turn the gradient w.r.t. ``y`` into the one w.r.t. the logits, in
    place."""
    if activation == 'softmax':
        inner = (grad_y * y).sum(dim=1, keepdim=True)
        grad_y.sub_(inner).mul_(y)
    else:
        grad_y.mul_(y).mul_(1 - y)
    return grad_y.div_(tau) if tau != 1 else grad_y
