"""Peak tensor memory of a piece of code, on any device (CPU included).

torch reports allocator statistics for CUDA only. This tracker sees every
tensor an operator creates (a ``TorchDispatchMode``), keeps weak references
to their storages and sums the bytes of the ones still alive after each
operator; the peak of that sum is the peak memory the code added on top of
what existed before (its inputs, for example). Autograd's backward ops run
through the same mode, so ``loss.backward()`` inside the block is counted.
"""
import torch
from torch.multiprocessing.reductions import StorageWeakRef

# torch exposes TorchDispatchMode and tree_flatten under these names only
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten


class PeakMemoryTracker(TorchDispatchMode):
    """``with PeakMemoryTracker() as tracker: ...``; then ``tracker.peak``.

    Attributes:
        peak: the largest number of bytes held at once by tensors created
            inside the block.
        current: bytes of those tensors still alive.
    """

    def __init__(self) -> None:
        super().__init__()
        self.peak = 0
        self.current = 0
        self._live: dict[int, tuple[StorageWeakRef, int]] = {}

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        outputs = func(*args, **kwargs)
        self._sweep()
        # outputs sharing an input's storage (views, in-place ops) are no
        # new memory
        inputs = {
            value.untyped_storage().data_ptr()
            for value in tree_flatten((args, kwargs))[0]
            if isinstance(value, torch.Tensor)
        }
        for value in tree_flatten(outputs)[0]:
            if isinstance(value, torch.Tensor):
                self._add(value, inputs)
        self.peak = max(self.peak, self.current)
        return outputs

    def _add(self, tensor: torch.Tensor, inputs: set[int]) -> None:
        storage = tensor.untyped_storage()
        key = storage.data_ptr()
        nbytes = storage.nbytes()
        if nbytes == 0 or key in self._live or key in inputs:
            return
        self._live[key] = (StorageWeakRef(storage), nbytes)
        self.current += nbytes

    def _sweep(self) -> None:
        for key in [k for k, (ref, _) in self._live.items() if ref.expired()]:
            self.current -= self._live.pop(key)[1]
