"""Let ``torch.load(weights_only=True)`` read the checkpoints mmengine writes.

torch >= 2.6 loads with ``weights_only=True`` by default and mmengine 0.10.7
calls ``torch.load`` without the argument, so ``Runner.resume()`` and
``load_checkpoint`` fail with ``Weights only load failed ... Unsupported
global: GLOBAL mmengine.logging.history_buffer.HistoryBuffer``.

Instead of turning the safety off for every file
(``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1``), this adds to torch's allow-list the
few non-tensor types that mmengine itself stores: its ``HistoryBuffer`` (in the
message hub) and the numpy arrays, scalars and dtypes inside it. Any other
global in a file is still refused by torch.
"""
from typing import Any, List

import numpy as np
import torch


def _numpy_globals() -> List[Any]:
    """numpy callables and types that pickled arrays and scalars reference."""
    try:
        from numpy._core import multiarray  # numpy >= 2
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core import multiarray
    dtype_classes = [type(np.dtype(code)) for code in '?bhilqBHILQefdgFDGUS']
    return [multiarray._reconstruct, multiarray.scalar, np.ndarray, np.dtype,
            *dtype_classes]


def mmengine_checkpoint_globals() -> List[Any]:
    """Every non-tensor global that an mmengine checkpoint may reference."""
    from mmengine.logging.history_buffer import HistoryBuffer
    return [HistoryBuffer, *_numpy_globals()]


def allow_mmengine_checkpoint_globals() -> None:
    """Add :func:`mmengine_checkpoint_globals` to torch's safe globals."""
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is None:  # torch < 2.4 does not load weights-only
        return
    add_safe_globals(mmengine_checkpoint_globals())
