"""DIST+'s teacher acclimation: parts of the teacher trained online."""
from collections.abc import Sequence
from typing import Optional

import torch
from mmengine.logging import print_log
from torch import Tensor, nn
from torch.nn.modules.batchnorm import _BatchNorm

from dist_kd_mm.registry import MODELS

from .teacher_records import map_teacher_records

DEFAULTS = dict(
    parts=('backbone.layer4', 'head'),
    loss=dict(type='dist_kd_mm.AcclimationLoss'),
    teacher_recorder='fc',
    student_recorder='fc',
    norm_eval=True,
    task_loss_weight=1.0,
)


def targets_of(data_samples: Optional[Sequence]) -> Tensor:
    """The ground-truth class of each sample: ``gt_label``, or the largest
    entry of ``gt_score`` where batch augments (Mixup, CutMix) mixed the
    labels."""
    if not data_samples:
        raise ValueError('teacher_acclimation needs data samples with labels '
                         '(gt_label), got none')
    targets = []
    for i, sample in enumerate(data_samples):
        if 'gt_score' in sample:
            targets.append(sample.gt_score.argmax().reshape(1))
        elif 'gt_label' in sample:
            targets.append(torch.as_tensor(sample.gt_label).reshape(-1)[:1])
        else:
            raise ValueError(
                f'teacher_acclimation: data sample {i} has neither gt_label '
                f'nor gt_score (a {type(sample).__name__}); acclimation '
                'needs one class label per image (classification)')
    return torch.cat(targets).long()


class TeacherAcclimation(nn.Module):
    """Trains the named parts of a teacher with an acclimation loss.

    The parts' parameters get ``requires_grad`` (the rest of the teacher
    stays frozen and in eval mode); the loss compares the teacher's and the
    student's logits as recorded by the distiller, and its gradient reaches
    the parts only. :meth:`detach_teacher_records` then cuts the teacher's
    records off the graph, so the student's losses see a detached teacher.

    Args:
        teacher: the teacher model.
        parts: names of the teacher's submodules to train. Defaults to
            ``('backbone.layer4', 'head')``.
        loss: config of the loss, called as ``loss(logits_S, logits_T,
            target)``. Defaults to ``dist_kd_mm.AcclimationLoss``.
        teacher_recorder: the distiller's teacher recorder of the logits.
            Defaults to ``'fc'``.
        student_recorder: the distiller's student recorder of the logits.
            Defaults to ``'fc'``.
        norm_eval: keep the parts' norm layers in eval mode (running
            statistics fixed, affine parameters trained). Defaults to True.
        task_loss_weight: weight of the teacher's own task loss (its
            ``mode='loss'`` losses, e.g. CE), which keeps the trained parts
            accurate; 0 trains them with the acclimation loss alone.
            Defaults to 1.0.
    """

    def __init__(self, teacher: nn.Module, **options) -> None:
        super().__init__()
        unknown = sorted(set(options) - set(DEFAULTS))
        if unknown:
            raise KeyError(f'teacher_acclimation: unknown keys {unknown}; '
                           f'the options are {sorted(DEFAULTS)}')
        options = {**DEFAULTS, **options}
        self.parts = tuple(options['parts'])
        if not self.parts or isinstance(options['parts'], str):
            raise ValueError('teacher_acclimation.parts must be a non-empty '
                             'list of teacher submodule names, got '
                             f'{options["parts"]!r}')
        modules = dict(teacher.named_modules())
        missing = [name for name in self.parts if name not in modules]
        if missing:
            children = [name for name, _ in teacher.named_children()]
            raise KeyError(
                f'teacher_acclimation.parts: the teacher '
                f'{type(teacher).__name__} has no submodule {missing}; its '
                f'children are {children} (name a module, e.g. '
                "'backbone.layer4')")
        self.teacher_recorder = options['teacher_recorder']
        self.student_recorder = options['student_recorder']
        self.norm_eval = bool(options['norm_eval'])
        self.task_loss_weight = float(options['task_loss_weight'])
        self.loss = MODELS.build(options['loss'])
        self._modules_of = [modules[name] for name in self.parts]
        for module in self._modules_of:
            module.requires_grad_(True)
        count = sum(p.numel() for m in self._modules_of
                    for p in m.parameters())
        names = ', '.join(f'teacher.{part}' for part in self.parts)
        print_log(
            f'teacher_acclimation: training {names} ({count} parameters) '
            f'with {type(self.loss).__name__}; their learning rate is the '
            "student's unless paramwise_cfg.custom_keys sets an lr_mult for "
            "'teacher.'", logger='current')

    def check_recorders(self, distiller: nn.Module) -> None:
        """Raise unless the distiller records the logits named."""
        for side, name in (('teacher', self.teacher_recorder),
                           ('student', self.student_recorder)):
            recorders = getattr(distiller, f'{side}_recorders').recorders
            if name not in recorders:
                raise KeyError(
                    f'teacher_acclimation.{side}_recorder={name!r} is not a '
                    f'{side} recorder of the distiller; it has '
                    f'{sorted(recorders)}')
        if distiller.deliveries.deliveries:
            raise ValueError(
                'teacher_acclimation cannot be combined with distiller '
                'deliveries: a delivered teacher output would carry the '
                "acclimated teacher's graph into the student")

    def set_modes(self, teacher: nn.Module, mode: bool) -> None:
        """The teacher in eval mode, but for the parts in ``mode`` (their
        norm layers in eval mode if ``norm_eval``)."""
        teacher.eval()
        for module in self._modules_of:
            module.train(mode)
            if self.norm_eval:
                for layer in module.modules():
                    if isinstance(layer, _BatchNorm):
                        layer.eval()

    def detach_teacher_records(self, distiller: nn.Module) -> Tensor:
        """The teacher's recorded logits (in the graph), after replacing
        every teacher record by its detached copy."""
        recorders = distiller.teacher_recorders.recorders
        logits = recorders[self.teacher_recorder].get_record_data()
        if not (isinstance(logits, Tensor) and logits.requires_grad):
            raise RuntimeError(
                f'teacher_acclimation: the teacher record '
                f'{self.teacher_recorder!r} ({type(logits).__name__}) does '
                f'not depend on the trained parts {self.parts}; record an '
                'output computed after them (the head)')
        map_teacher_records(distiller, Tensor.detach)
        return logits

    def forward(self, logits_T: Tensor, teacher_losses: dict,
                distiller: nn.Module,
                data_samples: Optional[Sequence]) -> dict:
        """The teacher's losses: ``loss_ta`` (the acclimation loss of its
        ``logits_T`` against the student's recorded logits) and its own task
        losses times ``task_loss_weight`` (if not 0)."""
        logits_S = distiller.student_recorders.recorders[
            self.student_recorder].get_record_data()
        losses = {'loss_ta': self.loss(
            logits_S, logits_T, targets_of(data_samples).to(logits_T.device))}
        if self.task_loss_weight:
            losses.update({
                f'{key}_task' if key == 'loss' else key:
                self.task_loss_weight * value
                for key, value in teacher_losses.items() if 'loss' in key
            })
        return losses
