"""mmrazor's ``SingleTeacherDistill`` with a verified teacher checkpoint."""
import contextlib
from typing import Optional

import torch
from mmengine.logging import print_log
from mmengine.runner.checkpoint import _load_checkpoint
from mmrazor.models.algorithms import (
    SingleTeacherDistill as MMRazorSingleTeacherDistill,
)
from mmrazor.models.utils import add_prefix
from torch import nn

from dist_kd_mm.registry import MODELS

from .teacher_acclimation import TeacherAcclimation
from .teacher_autocast import autocast_dtype, float32_teacher_records
from .teacher_input import check_size, resolve_teacher_input

# prefixes of a distillation checkpoint: the student and its teacher
DISTILL_PREFIXES = ('architecture.', 'teacher.')
# entries a checkpoint may lack without harm (older BatchNorm layers)
HARMLESS_MISSING = ('num_batches_tracked', )
SHOWN = 5  # keys named in a message


def _drop_prefix(state_dict: dict, prefix: str) -> dict:
    return {k[len(prefix):]: v for k, v in state_dict.items()
            if k.startswith(prefix)}


def _fit_hint(state_dict: dict, expected: set) -> str:
    """How to make a checkpoint fit, where a prefix explains the misfit."""
    for prefix in DISTILL_PREFIXES + ('module.', 'model.'):
        stripped = _drop_prefix(state_dict, prefix)
        if stripped and expected <= set(stripped):
            if prefix in DISTILL_PREFIXES:
                return (f' It is a distillation checkpoint: its {prefix!r} '
                        'keys fit the teacher. Extract them with '
                        'tools/model_converters/convert_kd_ckpt_to_student.py'
                        f' (--prefix {prefix}) and point teacher_ckpt at '
                        'the result.')
            return (f' Its keys fit once the prefix {prefix!r} is stripped: '
                    'save the state dict without it.')
    if any(k.startswith(DISTILL_PREFIXES) for k in state_dict):
        return (' It looks like a distillation checkpoint (keys start with '
                f'{DISTILL_PREFIXES}): convert it with '
                'tools/model_converters/convert_kd_ckpt_to_student.py.')
    return (' Is it a checkpoint of another architecture? Set '
            'teacher_ckpt_strict=False only if partial loading is meant.')


def load_teacher_checkpoint(teacher: nn.Module, filename: str,
                            strict: bool = True) -> None:
    """Load ``filename`` into ``teacher``, checking that it fits.

    Every parameter and buffer of the teacher must come from the file
    (BatchNorm's ``num_batches_tracked``, which older checkpoints lack,
    excepted); keys of the file that the teacher does not have (another
    head, EMA copies) are logged. Tensors of another shape always fail.

    Args:
        teacher: the teacher model.
        filename: a local path or URL (mmengine's checkpoint loaders).
        strict: raise when a teacher entry is missing from the file.
            ``False`` logs it instead, for partial loading on purpose.
            Defaults to True.

    Raises:
        KeyError: a teacher entry is missing (``strict``); the message names
            the file, the count of matched keys, some missing and unexpected
            keys, and how to convert a distillation checkpoint.
    """
    checkpoint = _load_checkpoint(filename, map_location='cpu')
    state_dict = checkpoint.get('state_dict', checkpoint)
    if all(k.startswith('module.') for k in state_dict):
        state_dict = _drop_prefix(state_dict, 'module.')
    expected = set(teacher.state_dict())
    missing = sorted(k for k in expected - set(state_dict)
                     if not k.endswith(HARMLESS_MISSING))
    unexpected = sorted(set(state_dict) - expected)
    if missing:
        message = (
            f'teacher_ckpt {filename!r} does not fit the teacher '
            f'{type(teacher).__name__}: {len(expected & set(state_dict))} '
            f'of its {len(expected)} keys are in the file; missing e.g. '
            f'{missing[:SHOWN]}, unexpected e.g. {unexpected[:SHOWN]}.'
            + _fit_hint(state_dict, expected))
        if strict:
            raise KeyError(message)
        print_log(message + ' Loading what fits (teacher_ckpt_strict='
                  'False).', logger='current', level=30)
    elif unexpected:
        print_log(f'teacher_ckpt {filename!r}: {len(unexpected)} keys that '
                  f'the teacher does not have are left out, e.g. '
                  f'{unexpected[:SHOWN]}', logger='current')
    teacher.load_state_dict(state_dict, strict=False)


def check_batch_augments(architecture, data_preprocessor) -> None:
    """Stop when the student's batch augments (Mixup, CutMix in its
    ``train_cfg.augments``) would be ignored: the algorithm's data
    preprocessor runs instead of the student's."""
    if not isinstance(architecture, dict):
        return
    augments = (architecture.get('train_cfg') or {}).get('augments')
    if augments and not (data_preprocessor or {}).get('batch_augments'):
        kinds = [a.get('type') for a in augments]
        raise ValueError(
            f"The student's train_cfg.augments ({kinds}) would be ignored: "
            "in distillation the algorithm's data_preprocessor prepares the "
            "batches of both models, not the student's. Set "
            'model.data_preprocessor.batch_augments=dict(augments=[...]) '
            '(e.g. batch_augments=_base_.model.train_cfg in the config), '
            "or remove them from the student's train_cfg.")


@MODELS.register_module()
class SingleTeacherDistill(MMRazorSingleTeacherDistill):
    """mmrazor's ``SingleTeacherDistill``, whose ``teacher_ckpt`` must fit,
    with DIST+'s teacher acclimation as an option.

    mmrazor loads ``teacher_ckpt`` non-strictly, so a file whose keys do not
    fit the teacher (a distillation checkpoint, another architecture) loads
    nothing and training goes on against a random teacher, with only a
    missing-keys dump in the log. Here every teacher parameter and buffer
    must come from the file (:func:`load_teacher_checkpoint`), or the run
    stops before training with an error that says what does not fit.

    The teacher must see inputs like those it was trained on: when its
    config (``teacher.cfg_path``) normalizes otherwise than the algorithm's
    data preprocessor, the build stops with an error, and when its test
    images have a fixed size (a center crop) that the batches do not have,
    the first teacher forward does. ``teacher_input=dict()`` converts the
    batches to the teacher's own normalization and size instead
    (:mod:`dist_kd_mm.models.algorithms.teacher_input`).

    With ``teacher_acclimation``, named parts of the teacher (its last stage
    and head) are trained online with DIST+'s acclimation loss against the
    detached student, logged as ``teacher.loss_ta`` (with the teacher's own
    task loss, ``teacher.loss_task``, unless its weight is 0); the student's
    losses see a detached teacher (:class:`TeacherAcclimation`).

    Args:
        teacher_ckpt: the teacher's checkpoint (path or URL). Defaults to
            None.
        teacher_ckpt_strict: ``False`` loads what fits and warns, for
            partial loading on purpose. Defaults to True.
        teacher_acclimation: None (a frozen teacher), or the options of
            :class:`TeacherAcclimation` (``{}`` for its defaults). Defaults
            to None.
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
        resolved = resolve_teacher_input(kwargs.get('teacher'),
                                         kwargs.get('data_preprocessor'),
                                         teacher_input)
        super().__init__(teacher_ckpt=None, **kwargs)
        self.teacher_input, self.teacher_size, self._teacher_name = resolved
        if self.teacher_input is not None or self.teacher_size is not None:
            # training and validation both call the teacher's forward
            self.teacher.register_forward_pre_hook(self._teacher_inputs,
                                                   with_kwargs=True)
        self.teacher_ckpt = teacher_ckpt
        if teacher_ckpt:
            load_teacher_checkpoint(self.teacher, teacher_ckpt,
                                    teacher_ckpt_strict)
            self.teacher._is_init = True  # init_weights must not overwrite
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
        self.teacher_autocast = autocast_dtype(teacher_autocast)
        if self.teacher_autocast is not None and (
                self.teacher_trainable or self.acclimation is not None):
            raise ValueError(
                'teacher_autocast is for a frozen teacher: it cannot be '
                'combined with teacher_trainable or teacher_acclimation')

    def _teacher_inputs(self, module, args, kwargs):
        """Convert (or check) the batch of every teacher forward."""
        inputs = args[0] if args else kwargs['inputs']
        if self.teacher_input is None:
            check_size(inputs, self.teacher_size, self._teacher_name)
            return None
        inputs = self.teacher_input(inputs)
        if args:
            return (inputs, ) + tuple(args[1:]), kwargs
        return args, dict(kwargs, inputs=inputs)

    @property
    def acclimated_parts(self) -> tuple[str, ...]:
        """Names of the teacher's trained submodules (none if frozen)."""
        return self.acclimation.parts if self.acclimation else ()

    def loss(self, batch_inputs: torch.Tensor, data_samples=None) -> dict:
        """mmrazor's losses; with acclimation, the teacher's too; with
        ``teacher_autocast``, from a half-precision teacher forward."""
        if self.acclimation is None and self.teacher_autocast is None:
            return super().loss(batch_inputs, data_samples)
        # teacher: with acclimation a graph through the trained parts only,
        # with autocast no graph and half precision; then its records are
        # detached, or cast back to float32, for the student's losses
        self.distiller.set_deliveries_override(False)
        with self.distiller.teacher_recorders, self.distiller.deliveries, \
                self._teacher_precision(batch_inputs):
            teacher_losses = self.teacher(batch_inputs, data_samples,
                                          mode='loss')
        if self.acclimation is not None:
            logits_T = self.acclimation.detach_teacher_records(self.distiller)
        else:
            float32_teacher_records(self.distiller)
        # student: its task loss, as mmrazor's
        self.distiller.set_deliveries_override(True)
        losses = {}
        with self.distiller.student_recorders, self.distiller.deliveries:
            student_losses = self.student(batch_inputs, data_samples,
                                          mode='loss')
        if self.calculate_student_loss:
            losses.update(add_prefix(student_losses, 'student'))
        # the teacher's acclimation loss against the detached student, and
        # its own task loss
        if self.acclimation is not None:
            losses.update(add_prefix(self.acclimation(
                logits_T, teacher_losses, self.distiller, data_samples),
                'teacher'))
        # distillation losses on the detached (or float32) teacher records
        if not self.distillation_stopped:
            losses.update(add_prefix(
                self.distiller.compute_distill_losses(), 'distill'))
        return losses

    def _teacher_precision(self, batch_inputs: torch.Tensor):
        """No graph and autocast for a half-precision teacher forward."""
        stack = contextlib.ExitStack()
        if self.teacher_autocast is not None:
            stack.enter_context(torch.no_grad())
            stack.enter_context(torch.autocast(batch_inputs.device.type,
                                               dtype=self.teacher_autocast))
        return stack

    def train(self, mode: bool = True) -> None:
        """mmrazor's modes; an acclimated teacher is in eval mode but for
        its trained parts."""
        super().train(mode)
        if getattr(self, 'acclimation', None) is not None:
            self.acclimation.set_modes(self.teacher, mode)
