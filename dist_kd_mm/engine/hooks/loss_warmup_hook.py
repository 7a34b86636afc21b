"""A linear warm-up of distillation loss weights over the first epochs."""
from collections.abc import Sequence

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import IterBasedTrainLoop

from dist_kd_mm.registry import HOOKS


@HOOKS.register_module()
class DistillLossWarmupHook(Hook):
    """Scale distillation losses by ``min(epoch / warmup_epochs, 1)``.

    DKD (Zhao et al., CVPR 2022) ramps its loss weight up linearly over the
    first 20 epochs on CIFAR-100 (1 on ImageNet, i.e. no ramp): in epoch
    ``e`` (counted from 1) each named loss has ``loss_weight`` times
    ``min(e / warmup_epochs, 1)``. The factor is set before every training
    epoch from the runner's epoch, so a resumed run continues the ramp where
    it stopped. Each epoch's weights are logged while the ramp lasts.

    Args:
        loss_names: names of the distiller's ``distill_losses`` to scale.
            Defaults to ``('loss_dkd', )``.
        warmup_epochs: length of the ramp in epochs. Defaults to 20.
    """

    priority = 'NORMAL'

    def __init__(self,
                 loss_names: Sequence[str] = ('loss_dkd', ),
                 warmup_epochs: int = 20) -> None:
        if isinstance(loss_names, str) or not loss_names:
            raise TypeError('DistillLossWarmupHook: loss_names must be a '
                            'non-empty list of loss names, got '
                            f'{loss_names!r}')
        if warmup_epochs < 1:
            raise ValueError('DistillLossWarmupHook: warmup_epochs must be '
                             f'>= 1, got {warmup_epochs}')
        self.loss_names = tuple(loss_names)
        self.warmup_epochs = warmup_epochs
        self.base_weights: dict[str, float] = {}

    def before_train(self, runner) -> None:
        if isinstance(runner.train_loop, IterBasedTrainLoop) or not hasattr(
                runner.train_loop, 'max_epochs'):
            raise TypeError(
                'DistillLossWarmupHook ramps by epoch, but the run uses '
                f'{type(runner.train_loop).__name__}: use '
                "train_cfg=dict(by_epoch=True, ...) or remove the hook.")
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        losses = model.distiller.distill_losses
        for name in self.loss_names:
            if name not in losses:
                raise KeyError(
                    f'DistillLossWarmupHook: no distillation loss {name!r}; '
                    f'the distiller has {sorted(losses)}.')
            if not hasattr(losses[name], 'loss_weight'):
                raise TypeError(
                    f'DistillLossWarmupHook: {name!r} '
                    f'({type(losses[name]).__name__}) has no loss_weight.')
            self.base_weights.setdefault(name, float(losses[name].loss_weight))
        self.losses = losses

    def before_train_epoch(self, runner) -> None:
        factor = min((runner.epoch + 1) / self.warmup_epochs, 1.0)
        for name in self.loss_names:
            self.losses[name].loss_weight = self.base_weights[name] * factor
        if runner.epoch < self.warmup_epochs:
            weights = ', '.join(f'{name} {self.losses[name].loss_weight:.4g}'
                                for name in self.loss_names)
            runner.logger.info(f'DistillLossWarmupHook: epoch '
                               f'{runner.epoch + 1}, x{factor:.4g}: {weights}')
