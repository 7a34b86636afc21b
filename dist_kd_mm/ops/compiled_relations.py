"""When and how the losses call the compiled DIST relations kernel."""
import contextlib
from collections.abc import Iterator
from typing import Optional

import torch
from torch import Tensor

try:
    from dist_kd_mm import _ext
except ImportError:  # built without ops (DIST_KD_MM_WITH_OPS=0)
    _ext = None

_enabled = True


def compiled_kernel_available() -> bool:
    """Whether ``dist_kd_mm._ext`` was built and imports."""
    return _ext is not None


@contextlib.contextmanager
def compiled_kernel(enabled: bool) -> Iterator[None]:
    """Use (or, with ``enabled=False``, bypass) the compiled kernel inside
    the block, e.g. to compare it with the torch-ops implementation."""
    global _enabled
    previous, _enabled = _enabled, enabled
    try:
        yield
    finally:
        _enabled = previous


def compiled_relations_apply(logits_s: Tensor, logits_t: Tensor) -> bool:
    """Whether the kernel takes this ``(N, C, P)`` pair: CPU float32 or
    float64 tensors of one dtype and a teacher without gradient."""
    return (_enabled and _ext is not None and logits_s.device.type == 'cpu'
            and logits_t.device.type == 'cpu'
            and logits_s.dtype in (torch.float32, torch.float64)
            and logits_t.dtype == logits_s.dtype
            and not logits_t.requires_grad)


def dist_relations_compiled(logits_s: Tensor, logits_t: Tensor, tau: float,
                            inter_weight: float, intra_weight: float,
                            eps: float, activation: str,
                            intra_per_image: bool,
                            mask: Optional[Tensor]) -> Tensor:
    """Weighted DIST relations of ``(N, C, P)`` logits by the compiled
    kernel (a scalar of the logits' dtype; gradient for the student only).

    ``mask``: ``None`` or ``(N, 1, P)``, 1 for valid positions.
    """
    return _ext.dist_relations_cpu(logits_s, logits_t, mask, tau,
                                   inter_weight, intra_weight, eps,
                                   activation == 'softmax', intra_per_image)
