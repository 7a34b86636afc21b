"""Let ``torch.load(weights_only=True)`` read the checkpoints mmengine writes.

torch >= 2.6 loads with ``weights_only=True`` by default and mmengine 0.10.7
calls ``torch.load`` without the argument, so ``Runner.resume()`` and
``load_checkpoint`` fail with ``Weights only load failed ... Unsupported
global: GLOBAL mmengine.logging.history_buffer.HistoryBuffer``.

Instead of turning the safety off for every file
(``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1``), this adds to torch's allow-list the
few non-tensor types that mmengine itself stores in its message hub:

* ``HistoryBuffer`` and the numpy arrays, scalars and dtypes inside it;
* ``builtins.getattr``, which pickle uses to store the buffer's statistics
  methods (``getattr(HistoryBuffer, 'mean')``), mapped to a restricted
  function that resolves only public methods of ``HistoryBuffer`` and refuses
  everything else.

Any other global in a file is still refused by torch.
"""
import pickle
from typing import Any, Callable, Union

import numpy as np
import torch

SafeGlobal = Union[Callable, tuple[Callable, str]]


def _numpy_globals() -> list[Any]:
    """numpy callables and types that pickled arrays and scalars reference."""
    try:
        from numpy._core import multiarray  # numpy >= 2
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core import multiarray
    dtype_classes = [type(np.dtype(code)) for code in '?bhilqBHILQefdgFDGUS']
    return [multiarray._reconstruct, multiarray.scalar, np.ndarray, np.dtype,
            *dtype_classes]


def history_buffer_getattr(owner: Any, name: str) -> Callable:
    """``getattr`` limited to public methods of mmengine's HistoryBuffer."""
    from mmengine.logging.history_buffer import HistoryBuffer
    attribute = vars(HistoryBuffer).get(name) if isinstance(name,
                                                            str) else None
    if owner is not HistoryBuffer or name.startswith('_') or not callable(
            attribute):
        raise pickle.UnpicklingError(
            f'weights-only load refused getattr({owner!r}, {name!r}): '
            'dist_kd_mm allows getattr only for HistoryBuffer methods')
    return getattr(HistoryBuffer, name)


def mmengine_checkpoint_globals() -> list[SafeGlobal]:
    """Every non-tensor global that an mmengine checkpoint may reference."""
    from mmengine.logging.history_buffer import HistoryBuffer
    return [
        HistoryBuffer, *_numpy_globals(),
        (history_buffer_getattr, 'builtins.getattr')
    ]


def allow_mmengine_checkpoint_globals() -> None:
    """Add :func:`mmengine_checkpoint_globals` to torch's safe globals."""
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is None:  # torch < 2.4 does not load weights-only
        return
    add_safe_globals(mmengine_checkpoint_globals())
