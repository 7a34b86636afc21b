"""mmrazor's ``SingleTeacherDistill`` with a verified teacher checkpoint, the
teacher's own inputs, a half-precision teacher and DIST+'s acclimation."""
import contextlib
from typing import Optional

import torch
from mmrazor.models.algorithms import (
    SingleTeacherDistill as MMRazorSingleTeacherDistill,
)
from mmrazor.models.utils import add_prefix

from dist_kd_mm.registry import MODELS

from .build_checks import (
    check_batch_augments,
    check_loss_sides,
    check_output_widths,
    check_student_gradients,
    load_teacher_checkpoint,
    warn_zero_initialized,
)
from .checkpoint_fit import fit_checkpoint
from .teacher_acclimation import TeacherAcclimation
from .teacher_input import check_size, preprocessor_of, resolve_teacher_input
from .teacher_records import (
    autocast_dtype,
    float16_overflow_hint,
    float32_teacher_records,
)


@MODELS.register_module()
class SingleTeacherDistill(MMRazorSingleTeacherDistill):
    """mmrazor's ``SingleTeacherDistill``, whose ``teacher_ckpt`` must fit,
    with the teacher's own inputs, a half-precision teacher and DIST+'s
    teacher acclimation as options.

    mmrazor loads ``teacher_ckpt`` non-strictly, so a file whose keys do not
    fit the teacher (a distillation checkpoint, another architecture) loads
    nothing and training goes on against a random teacher. Here every
    teacher parameter and buffer must come from the file, or the run stops
    before training with an error that says what does not fit
    (:func:`~dist_kd_mm.models.algorithms.build_checks.load_teacher_checkpoint`).

    The teacher must see inputs like those it was trained on: when its
    config (``teacher.cfg_path``) normalizes otherwise than the student, the
    build stops with an error, and when its test images have a fixed size (a
    center crop) that the batches do not have, the first teacher forward
    does. ``teacher_input=dict()`` converts the batches to the teacher's own
    normalization and size instead
    (:mod:`dist_kd_mm.models.algorithms.teacher_input`).

    The build also stops on a loss whose student and teacher sides are
    mapped the wrong way round, and on recorded logits of other class counts;
    every training step, on a distillation loss that carries no gradient to
    the student; initialization warns about a recorded student head that
    starts at zero (:mod:`~dist_kd_mm.models.algorithms.build_checks`). The
    checkpoint of ``load_from`` or ``--resume`` is loaded into the student
    when it is a plain model's, and must fit the student when it is a
    distillation checkpoint
    (:mod:`~dist_kd_mm.models.algorithms.checkpoint_fit`).

    One training step (:meth:`loss`) serves every option, as mmrazor's: the
    teacher's forward under its recorders, then the student's, then the
    distillation losses. The options change the context of the teacher's
    forward: a graph when it is trainable or acclimated, none otherwise, and
    autocast with ``teacher_autocast``; and what its records become before
    the losses: detached after acclimation, float32 after autocast.
    mmrazor's ``student_trainable=False`` without the student's own loss runs
    the student without a graph.

    Args:
        teacher_ckpt: the teacher's checkpoint (path or URL). Defaults to
            None.
        teacher_ckpt_strict: ``False`` loads what fits and warns, for
            partial loading on purpose (a bool). Defaults to True.
        teacher_acclimation: None (a frozen teacher), or the options of
            :class:`TeacherAcclimation` (``{}`` for its defaults): named
            parts of the teacher (its last stage and head) are trained online
            with DIST+'s acclimation loss against the detached student,
            logged as ``teacher.loss_ta``. Defaults to None.
        teacher_input: None (the teacher takes the student's inputs, which
            is checked), or ``mean``, ``std``, ``to_rgb``, ``size`` of the
            teacher's input, each defaulting to its config's (``{}``: all
            from its config). Defaults to None.
        teacher_autocast: ``'bfloat16'`` or ``'float16'`` runs the frozen
            teacher's training forward under autocast of that dtype (its
            records cast back to float32 for the losses); None runs it in
            the run's precision. Defaults to None.
        **kwargs: the arguments of mmrazor's ``SingleTeacherDistill``.
    """

    def __init__(self,
                 teacher_ckpt: Optional[str] = None,
                 teacher_ckpt_strict: bool = True,
                 teacher_acclimation: Optional[dict] = None,
                 teacher_input: Optional[dict] = None,
                 teacher_autocast: Optional[str] = None,
                 **kwargs) -> None:
        check_batch_augments(kwargs.get('architecture'),
                             kwargs.get('data_preprocessor'))
        if not isinstance(teacher_ckpt_strict, bool):
            raise TypeError('teacher_ckpt_strict must be True or False, got '
                            f'{teacher_ckpt_strict!r}')
        autocast = autocast_dtype(teacher_autocast)
        # the student's normalization: the algorithm's preprocessor, else
        # the student's own (which mmrazor then uses)
        resolved = resolve_teacher_input(
            kwargs.get('teacher'), kwargs.get('data_preprocessor')
            or preprocessor_of(kwargs.get('architecture')), teacher_input)
        super().__init__(teacher_ckpt=None, **kwargs)
        check_loss_sides(self.distiller)
        check_output_widths(self.distiller, self.student, self.teacher)
        self.teacher_input, self.teacher_size, self._teacher_name = resolved
        if self.teacher_input is not None or self.teacher_size is not None:
            # training and validation both call the teacher's forward
            self.teacher.register_forward_pre_hook(self._teacher_inputs,
                                                   with_kwargs=True)
        self.teacher_ckpt = teacher_ckpt
        if teacher_ckpt:
            load_teacher_checkpoint(self.teacher, teacher_ckpt,
                                    teacher_ckpt_strict)
        self.acclimation = None
        if teacher_acclimation is not None:
            if self.teacher_trainable or not self.student_trainable:
                raise ValueError(
                    'teacher_acclimation trains parts of the teacher against '
                    'a training student: leave teacher_trainable False and '
                    'student_trainable True')
            self.acclimation = TeacherAcclimation(self.teacher,
                                                  **teacher_acclimation)
            self.acclimation.check_recorders(self.distiller)
        self.teacher_autocast = autocast
        if self.teacher_autocast is not None and (
                self.teacher_trainable or self.acclimation is not None):
            raise ValueError(
                'teacher_autocast is for a frozen teacher: it cannot be '
                'combined with teacher_trainable or teacher_acclimation')

    # the teacher's forward comes first, so that its deliveries reach the
    # student; a teacher that scores the student's RoIs comes second
    teacher_first = True

    def loss(self, batch_inputs: torch.Tensor, data_samples=None) -> dict:
        """The student's task loss, the distillation losses, and the
        teacher's own losses when it trains."""
        # forwards, each under its recorders
        if self.teacher_first:
            teacher_losses = self.forward_teacher(batch_inputs, data_samples)
        student_losses = self.forward_student(batch_inputs, data_samples)
        if not self.teacher_first:
            teacher_losses = self.forward_teacher(batch_inputs, data_samples)
        # the teacher's records for the losses: detached from an acclimated
        # teacher (whose logits stay in the graph for its own loss), float32
        # after autocast
        if self.acclimation is not None:
            logits_T = self.acclimation.detach_teacher_records(self.distiller)
        if self.teacher_autocast is not None:
            float32_teacher_records(self.distiller)
        # losses: the teacher's when it trains, the student's, the
        # acclimation of the teacher's parts, the distillation losses
        losses = {}
        if self.teacher_trainable:
            losses.update(add_prefix(teacher_losses, 'teacher'))
        if self.calculate_student_loss:
            losses.update(add_prefix(student_losses, 'student'))
        if self.acclimation is not None:
            losses.update(add_prefix(self.acclimation(
                logits_T, teacher_losses, self.distiller, data_samples),
                'teacher'))
        if not self.distillation_stopped:
            with float16_overflow_hint(self.teacher_autocast):
                distill_losses = self.distiller.compute_distill_losses()
            if self.student_trainable:
                check_student_gradients(distill_losses, self.distiller)
            losses.update(add_prefix(distill_losses, 'distill'))
        return losses

    def forward_teacher(self, batch_inputs: torch.Tensor,
                        data_samples=None) -> dict:
        """The teacher's ``mode='loss'`` forward under its recorders and
        deliveries, in :meth:`teacher_context`; returns its losses."""
        self.distiller.set_deliveries_override(False)
        with self.distiller.teacher_recorders, self.distiller.deliveries, \
                self.teacher_context(batch_inputs.device.type):
            return self.teacher(batch_inputs, data_samples, mode='loss')

    def forward_student(self, batch_inputs: torch.Tensor,
                        data_samples=None) -> dict:
        """The student's ``mode='loss'`` forward under its recorders, its
        deliveries replayed; without a graph when it is frozen and its own
        loss is off (mmrazor's ``student_trainable``)."""
        self.distiller.set_deliveries_override(True)
        frozen = not (self.student_trainable or self.calculate_student_loss)
        with self.distiller.student_recorders, self.distiller.deliveries, \
                torch.no_grad() if frozen else contextlib.nullcontext():
            return self.student(batch_inputs, data_samples, mode='loss')

    def teacher_context(self, device_type: str) -> contextlib.ExitStack:
        """No graph for a frozen teacher, and autocast with
        ``teacher_autocast``."""
        stack = contextlib.ExitStack()
        if not (self.teacher_trainable or self.acclimation is not None):
            stack.enter_context(torch.no_grad())
        if self.teacher_autocast is not None:
            stack.enter_context(
                torch.autocast(device_type, dtype=self.teacher_autocast))
        return stack

    def _teacher_inputs(self, module, args, kwargs):
        """Convert (or check) the batch of every teacher forward."""
        inputs = args[0] if args else kwargs['inputs']
        if self.teacher_input is None:
            if self.teacher_size is not None:
                check_size(inputs, self.teacher_size, self._teacher_name)
            return None
        inputs = self.teacher_input(inputs)
        if args:
            return (inputs, ) + tuple(args[1:]), kwargs
        return args, dict(kwargs, inputs=inputs)

    def init_weights(self) -> None:
        """mmengine's initialization, then a warning for a recorded
        student head that starts at zero."""
        super().init_weights()
        warn_zero_initialized(self.distiller, self.student)

    def _load_from_state_dict(self, state_dict: dict, prefix: str, *args,
                              **kwargs) -> None:
        """Load a plain checkpoint into the student, check that a
        distillation checkpoint fits it, and complete a lean one with the
        teacher (:func:`~.checkpoint_fit.fit_checkpoint`)."""
        fit_checkpoint(self, state_dict, prefix)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    @property
    def acclimated_parts(self) -> tuple[str, ...]:
        """Names of the teacher's trained submodules (none if frozen)."""
        return self.acclimation.parts if self.acclimation else ()

    def train(self, mode: bool = True) -> None:
        """mmrazor's modes; an acclimated teacher is in eval mode but for
        its trained parts."""
        super().train(mode)
        if getattr(self, 'acclimation', None) is not None:
            self.acclimation.set_modes(self.teacher, mode)
