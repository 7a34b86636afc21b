"""Per-term losses, teacher-student agreement and the gradients that the
distillation and task losses send into the student, logged while it trains.
"""
import inspect
import math
from typing import Optional

import torch
from mmengine.hooks import Hook, LoggerHook
from mmengine.model import is_model_wrapper
from torch import Tensor

from dist_kd_mm.registry import HOOKS

# mmrazor's logit losses and the names of their student and teacher inputs
# (this project's losses say it with instance_rows / instances)
MMRAZOR_LOGIT_LOSSES = {
    'KLDivergence': ('preds_S', 'preds_T'),
    'DKDLoss': ('preds_S', 'preds_T'),
    'DISTLoss': ('logits_S', 'logits_T'),
}
PREFIX = 'train/diag/'


def series_name(loss_name: str) -> str:
    """``loss_dist`` -> ``dist``: mmengine's log processor averages every
    series whose name holds ``loss`` over its window, and these are taken
    at one iteration."""
    name = loss_name[len('loss_'):] if loss_name.startswith('loss_') else \
        loss_name
    return name.replace('loss', 'l')


def logit_rows(loss: torch.nn.Module,
               kwargs: dict) -> Optional[tuple[Tensor, Tensor, str]]:
    """The ``(M, C)`` student and teacher rows of a logit loss's inputs as
    the loss sees them (dense pixels and RoIs are rows; ignored pixels left
    out), and ``'softmax'`` or ``'sigmoid'``; None for other losses."""
    if hasattr(loss, 'instances'):  # DISTLoss
        x_s, x_t, mask = loss.instances(**kwargs)
        classes = x_s.shape[2]
        rows_s = x_s.transpose(2, 3).reshape(-1, classes)
        rows_t = x_t.transpose(2, 3).reshape(-1, classes)
        if mask is not None:
            keep = mask.expand(x_s.shape[0], x_s.shape[1], 1, -1).reshape(-1)
            rows_s, rows_t = rows_s[keep > 0], rows_t[keep > 0]
        return rows_s, rows_t, loss.activation
    if hasattr(loss, 'instance_rows'):  # CMKDLoss
        return (*loss.instance_rows(kwargs['logits_S'], kwargs['logits_T']),
                'softmax')
    names = MMRAZOR_LOGIT_LOSSES.get(type(loss).__name__)
    if names is None or not all(
            isinstance(kwargs.get(n), Tensor) and kwargs[n].dim() == 2
            for n in names):
        return None
    return kwargs[names[0]], kwargs[names[1]], 'softmax'


def agreement_stats(rows_s: Tensor, rows_t: Tensor,
                    activation: str) -> dict[str, Tensor]:
    """Top-1 agreement, KL(teacher || student) at tau 1 and both mean
    entropies (nats) of ``(M, C)`` logit rows: over the classes'
    distribution for a softmax, summed over the classes' Bernoulli
    distributions for a sigmoid."""
    rows_s, rows_t = rows_s.double(), rows_t.double()
    agreement = (rows_s.argmax(1) == rows_t.argmax(1)).double().mean()
    if activation == 'softmax':
        log_s, log_t = rows_s.log_softmax(1), rows_t.log_softmax(1)
        p_s, p_t = log_s.exp(), log_t.exp()
        kl = (p_t * (log_t - log_s)).sum(1)
        entropy_s, entropy_t = -(p_s * log_s).sum(1), -(p_t * log_t).sum(1)
    else:
        log_s, log_1s = torch.nn.functional.logsigmoid(rows_s), \
            torch.nn.functional.logsigmoid(-rows_s)
        log_t, log_1t = torch.nn.functional.logsigmoid(rows_t), \
            torch.nn.functional.logsigmoid(-rows_t)
        p_s, p_t = log_s.exp(), log_t.exp()
        kl = (p_t * (log_t - log_s) + (1 - p_t) * (log_1t - log_1s)).sum(1)
        entropy_s = -(p_s * log_s + (1 - p_s) * log_1s).sum(1)
        entropy_t = -(p_t * log_t + (1 - p_t) * log_1t).sum(1)
    return dict(agreement=agreement, kl=kl.mean(),
                entropy_student=entropy_s.mean(),
                entropy_teacher=entropy_t.mean())


def thrown_off_teacher(kl: float, entropy_teacher: float,
                       classes: int) -> bool:
    """Whether a student is confidently wrong where its teacher is sure:
    the teacher's mean entropy below half a uniform distribution's
    (``log C / 2``), and KL(teacher || student) above a uniform student's
    (``log C - H(teacher)``) by more than ``log C``."""
    log_c = math.log(classes)
    return entropy_teacher < log_c / 2 and kl > 2 * log_c - entropy_teacher


def grad_norm(loss: Optional[Tensor], tensors: list[Tensor]) -> Optional[
        Tensor]:
    """The norm of ``loss``'s gradient w.r.t. ``tensors`` (together), None
    when ``loss`` does not reach them. The graph is kept for training's
    own backward, and nothing accumulates into ``.grad``."""
    if loss is None or not loss.requires_grad:
        return None
    grads = torch.autograd.grad(loss, tensors, retain_graph=True,
                                allow_unused=True)
    grads = [g for g in grads if g is not None]
    if not grads:
        return None
    return torch.stack([g.double().square().sum() for g in grads]).sum().sqrt()


def summed(losses: dict, prefix: str) -> Optional[Tensor]:
    """The part of the total loss that ``parse_losses`` makes of the keys
    starting with ``prefix`` (tensors and lists of tensors, e.g. mmdet's
    per-level losses)."""
    values = [v.mean() if isinstance(v, Tensor) else sum(t.mean() for t in v)
              for k, v in losses.items()
              if k.startswith(prefix) and 'loss' in k]
    return sum(values[1:], values[0]) if values else None


def unwrap(model: torch.nn.Module) -> torch.nn.Module:
    return model.module if is_model_wrapper(model) else model


@HOOKS.register_module()
class DistillDiagnosticsHook(Hook):
    """Log what each distillation loss is made of, how far the student
    agrees with the teacher, and which loss drives the student's head.

    At each iteration the logger logs (or every ``interval`` iterations),
    the training step's own tensors give, under ``train/diag/`` in
    mmengine's message hub (so in the text log, ``scalars.json`` and every
    visualizer backend; names in ``docs/training.md``):

    * each loss's terms as they enter it (``loss_weight``, ``tau**2``
      included), for losses with a ``terms`` method: DIST's ``inter`` and
      ``intra``; DIST+'s ``channel`` and ``spatial``; CMKD's ``pearson``,
      ``spearman``, ``intra`` and the mean per-instance Spearman share;
    * for logit losses (this project's and mmrazor's ``KLDivergence``,
      ``DKDLoss``, ``DISTLoss``), over the rows the loss sees (images,
      pixels, anchors, RoIs): top-1 agreement, KL(teacher || student) at
      tau 1 and both mean entropies;
    * the gradient norm that the distillation losses together and the
      student's task losses together send into each recorded student
      tensor (the head's logits), and their ratio.

    It reads the step and changes nothing in it: the gradients are taken
    with ``torch.autograd.grad`` on the step's graph, which is kept for the
    step's own backward, so that training is bit-identical with and without
    the hook. Under DDP each process measures its own batch; mmengine logs
    process 0's, as it does for losses.

    It warns once when a softmax student is thrown further from a sure
    teacher than a uniform guess, by more than ``log C`` nats: KL(teacher ||
    student) at tau 1 above ``2 log C - H(teacher)``, the teacher's entropy
    below ``log C / 2`` (:func:`thrown_off_teacher`). In this project's
    digits experiment that happened at the first measurement of every run
    whose distillation loss was too strong for its learning rate, and in
    no healthy run (``docs/stronger_teacher.md``).

    Args:
        interval: measure every ``interval`` training iterations; None: at
            the iterations the ``LoggerHook`` logs. Defaults to None.
        grad_norms: measure the gradient norms. Defaults to True.
        warn: warn when the student is thrown off its teacher. Defaults to
            True.
    """

    priority = 'NORMAL'  # before LoggerHook (BELOW_NORMAL) reads the hub

    def __init__(self,
                 interval: Optional[int] = None,
                 grad_norms: bool = True,
                 warn: bool = True) -> None:
        if interval is not None and not (isinstance(interval, int)
                                         and interval >= 1):
            raise ValueError('DistillDiagnosticsHook: interval must be None '
                             f'(the logger\'s) or an int >= 1, got '
                             f'{interval!r}')
        self.interval = interval
        self.grad_norms = grad_norms
        self.warn = warn
        self.handles: list = []
        self.calls: dict = {}
        self.values: dict = {}
        self.classes: dict = {}  # softmax logit series: number of classes
        self.warned = False

    def before_train(self, runner) -> None:
        self.attach(unwrap(runner.model))
        self.logger = next((hook for hook in runner.hooks
                            if isinstance(hook, LoggerHook)), None)
        if self.interval is None and self.logger is None:
            raise ValueError('DistillDiagnosticsHook: interval=None takes '
                             "the LoggerHook's interval, but the run has no "
                             'LoggerHook: give an interval')

    def attach(self, model: torch.nn.Module) -> None:
        """Measure the steps of ``model``, a distillation algorithm."""
        distiller = getattr(model, 'distiller', None)
        if distiller is None or not hasattr(distiller, 'distill_losses'):
            raise TypeError(
                'DistillDiagnosticsHook: the model '
                f'({type(model).__name__}) has no mmrazor distiller with '
                'distill_losses: use the hook with a distillation algorithm '
                '(SingleTeacherDistill) or remove it from custom_hooks')
        self.model, self.distiller = model, distiller

    def due(self, runner, batch_idx: int) -> bool:
        """Whether this iteration is measured: when the LoggerHook logs it,
        or every ``interval`` iterations."""
        if self.interval is not None:
            return self.every_n_train_iters(runner, self.interval)
        logger = self.logger
        return logger.every_n_inner_iters(batch_idx, logger.interval) or (
            logger.end_of_epoch(runner.train_dataloader, batch_idx) and (
                not logger.ignore_last
                or len(runner.train_dataloader) <= logger.interval))

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        if self.due(runner, batch_idx):
            self.arm()

    def arm(self) -> None:
        """Measure the next training forward of the model."""
        self._remove_handles()
        self.calls, self.values = {}, {}
        for name, loss in self.distiller.distill_losses.items():
            self.handles.append(loss.register_forward_pre_hook(
                self._capture(name), with_kwargs=True))
        self.handles.append(self.model.register_forward_hook(
            self._measure, with_kwargs=True))

    def _capture(self, name: str):
        def hook(module, args, kwargs):
            self.calls[name] = (module, args, kwargs)
        return hook

    def _measure(self, model, args, kwargs, losses) -> None:
        """Runs when the algorithm's ``forward(mode='loss')`` returns, while
        the step's graph is alive."""
        self._remove_handles()
        if kwargs.get('mode', args[2] if len(args) > 2 else None) != 'loss' \
                or not isinstance(losses, dict):
            return
        with torch.no_grad():
            for name, (loss, call_args, call_kwargs) in self.calls.items():
                self._loss_values(name, loss, call_args, call_kwargs)
        if self.grad_norms:
            self._grad_values(losses)

    def _loss_values(self, name: str, loss, args, kwargs) -> None:
        series = series_name(name)
        if args:  # mmrazor passes keywords; positional ones by signature
            kwargs = inspect.signature(loss.forward).bind(*args,
                                                          **kwargs).arguments
        if hasattr(loss, 'terms'):
            for term, value in loss.terms(**kwargs).items():
                self.values[f'{series}.{term}'] = value
        rows = logit_rows(loss, kwargs)
        if hasattr(loss, 'spearman_shares') and rows is not None:  # CMKD
            self.values[f'{series}.spearman_share'] = loss.spearman_shares(
                (rows[1] / loss.tau).softmax(1)).mean()
        if rows is not None and rows[0].numel():
            for stat, value in agreement_stats(*rows).items():
                self.values[f'{series}.{stat}'] = value
            if rows[2] == 'softmax':
                self.classes[series] = rows[0].shape[1]

    def _grad_values(self, losses: dict) -> None:
        distill, task = summed(losses, 'distill.'), summed(losses, 'student.')
        for recorder, tensors in self._student_records():
            norms = {'distill': grad_norm(distill, tensors),
                     'task': grad_norm(task, tensors)}
            for source, norm in norms.items():
                if norm is not None:
                    self.values[f'grad.{recorder}.{source}'] = norm
            if all(norm is not None for norm in norms.values()):
                ratio = norms['distill'] / norms['task'].clamp_min(1e-30)
                self.values[f'grad.{recorder}.ratio'] = ratio

    def _student_records(self) -> list[tuple[str, list[Tensor]]]:
        """The student tensors that the distillation losses read (before any
        connector) and that carry a gradient, grouped by recorder: all
        records of a recorder (e.g. the FPN levels of a shared head) give
        one norm."""
        records: dict[str, list[Tensor]] = {}
        recorders = self.distiller.student_recorders
        for mappings in self.distiller.loss_forward_mappings.values():
            for record in mappings.values():
                if not record.get('from_student'):
                    continue
                data = recorders.get_recorder(
                    record['recorder']).get_record_data(
                        record.get('record_idx', 0), record.get('data_idx'))
                found = records.setdefault(record['recorder'], [])
                for tensor in (data if isinstance(data, (tuple, list)) else
                               [data]):
                    if isinstance(tensor, Tensor) and tensor.requires_grad \
                            and not any(tensor is t for t in found):
                        found.append(tensor)
        return [(name, tensors) for name, tensors in records.items()
                if tensors]

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        values = self.collect()
        for name, value in values.items():
            runner.message_hub.update_scalar(PREFIX + name, value)
        if values and self.warn and not self.warned:
            self._check_thrown_off(runner, values)

    def collect(self) -> dict[str, float]:
        """The values measured since :meth:`arm`, as floats; disarms."""
        self._remove_handles()
        values = {name: float(value) for name, value in self.values.items()}
        self.values = {}
        return values

    def _check_thrown_off(self, runner, values: dict) -> None:
        """Warn, once, about a student thrown off its teacher."""
        for series, classes in self.classes.items():
            kl = values.get(f'{series}.kl')
            entropy = values.get(f'{series}.entropy_teacher')
            if kl is None or not thrown_off_teacher(kl, entropy, classes):
                continue
            self.warned = True
            grads = ', '.join(
                f'{name[len("grad."):-len(".distill")]!r} '
                f'{value:.3g} ({values.get(name[:-8] + ".ratio", 0):.3g}x '
                'the task\'s)' for name, value in values.items()
                if name.startswith('grad.') and name.endswith('.distill'))
            message = (
                f'DistillDiagnosticsHook: at iteration {runner.iter + 1} '
                f'the student is further from the teacher than a uniform '
                f'guess: {series}.kl = KL(teacher || student) = {kl:.3g} > '
                f'2 log C - H(teacher) = '
                f'{2 * math.log(classes) - entropy:.3g} ({classes} classes).'
                ' A distillation loss too strong for the learning rate '
                'throws the student there in its first steps (the '
                'distillation gradient into the head: '
                f'{grads or "not measured"}). Lower loss_weight (DIST '
                'scales its relations by tau**2: loss_weight * tau**2 of '
                '2, not 32, trained the digits students), or the learning '
                'rate, or ramp the weight up with DistillLossWarmupHook; '
                'see docs/losses.md#choosing-tau-and-weights')
            runner.logger.warning(message)
            return

    def _remove_handles(self) -> None:
        for handle in self.handles:
            handle.remove()
        self.handles = []
