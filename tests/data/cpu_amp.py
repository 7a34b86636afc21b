"""Test-only: mmengine's AmpOptimWrapper emulated on the CPU, and a hook
that makes the teacher's logits overflow at one iteration.

mmengine's ``AmpOptimWrapper`` refuses to start without a GPU. This wrapper
is that class with torch's CPU loss scaler (``torch.amp.GradScaler('cpu')``,
dynamic) and CPU bfloat16 autocast; its ``backward``, ``step`` and
``optim_context`` are mmengine's own.
"""
import torch
from mmengine.hooks import Hook
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmengine.registry import HOOKS, OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class CPUAmpOptimWrapper(AmpOptimWrapper):
    """``AmpOptimWrapper`` with a dynamic CPU loss scaler."""

    def __init__(self, init_scale: float = 1024.0, **kwargs) -> None:
        OptimWrapper.__init__(self, **kwargs)  # skips the GPU assertion
        self._scale_update_param = None
        self.loss_scaler = torch.amp.GradScaler('cpu', init_scale=init_scale)
        self.cast_dtype = torch.bfloat16


@HOOKS.register_module()
class TeacherOverflowHook(Hook):
    """Put ``inf`` into the teacher's recorded logits at ``at_iter``."""

    def __init__(self, at_iter: int) -> None:
        self.at_iter = at_iter
        self.handle = None

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        if runner.iter == self.at_iter:
            fc = runner.model.teacher.head.fc
            # before the distiller's recorder hook on the same module
            self.handle = fc.register_forward_hook(
                lambda module, inputs, output: output.index_fill(
                    1, torch.tensor([0]), float('inf')), prepend=True)

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if self.handle is not None:
            self.handle.remove()
            self.handle = None
