"""A test-only hook that ends the process like a killed job."""
import os

from mmengine.hooks import Hook
from mmengine.registry import HOOKS

EXIT_CODE = 3


@HOOKS.register_module()
class StopTrainingHook(Hook):
    """Exit abruptly (no cleanup) after iteration ``stop_after_iter``.

    Its priority is the lowest, so the CheckpointHook of that iteration has
    already written its checkpoint.
    """

    priority = 'LOWEST'

    def __init__(self, stop_after_iter: int) -> None:
        self.stop_after_iter = stop_after_iter

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if runner.iter + 1 >= self.stop_after_iter:
            os._exit(EXIT_CODE)
