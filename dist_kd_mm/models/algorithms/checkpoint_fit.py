"""How a distillation model takes the state dict of ``load_from`` or
``--resume``.

mmengine loads these files non-strictly, so a file that does not fit
loads nothing and only a list of missing keys says so. Here:

* a plain model's checkpoint (no ``architecture.`` or ``teacher.`` keys,
  e.g. an ImageNet-trained student from mmpretrain) is loaded into the
  student, and the log says how much of the student it filled;
* a distillation checkpoint must fit the student: a missing student entry,
  or one of another shape, is an error that names them;
* a lean checkpoint (``LeanCheckpointHook``) lacks the frozen teacher, which
  the run loaded from ``teacher_ckpt``: its entries are taken from that
  teacher, so the load lists no expected missing keys.
"""
from mmengine.logging import print_log
from torch import nn

from .build_checks import HARMLESS_MISSING, SHOWN

STUDENT, TEACHER = 'architecture.', 'teacher.'
CONVERTER = 'tools/model_converters/convert_kd_ckpt_to_student.py'


def _shapes(module: nn.Module) -> dict:
    return {k: tuple(v.shape) for k, v in module.state_dict().items()}


def fit_checkpoint(model: nn.Module, state_dict: dict, prefix: str) -> None:
    """Map, check or complete ``state_dict`` (in place) before ``model``
    (a ``SingleTeacherDistill`` under ``prefix``) loads it.

    Raises:
        KeyError: a plain checkpoint that fits neither the student nor
            anything else of the model.
        RuntimeError: a distillation checkpoint that lacks student entries
            or holds them in another shape.
    """
    local = [k[len(prefix):] for k in state_dict if k.startswith(prefix)]
    if not local:
        return
    student = _shapes(model.architecture)
    if not any(k.startswith((STUDENT, TEACHER)) for k in local):
        _load_into_student(model, state_dict, prefix, local, student)
        return
    _check_student(model, state_dict, prefix, student)
    _complete_lean_teacher(model, state_dict, prefix, local)


def _load_into_student(model, state_dict, prefix, local, student) -> None:
    """A plain checkpoint: its keys become the student's."""
    fitting = [k for k in local if k in student]
    if not fitting:
        teacher = set(model.teacher.state_dict())
        hint = (' Its keys fit the teacher: set model.teacher_ckpt to it.'
                if teacher and teacher <= set(local) else '')
        raise KeyError(
            f'The checkpoint given to load_from or --resume holds neither a '
            f'distillation model (keys {STUDENT!r}, {TEACHER!r}) nor the '
            f'student {type(model.architecture).__name__} (e.g. '
            f'{sorted(local)[:SHOWN]}; the student has e.g. '
            f'{sorted(student)[:SHOWN]}).{hint}')
    for key in local:
        state_dict[prefix + STUDENT + key] = state_dict.pop(prefix + key)
    other_shape = [k for k in fitting
                   if tuple(state_dict[prefix + STUDENT + k].shape)
                   != student[k]]
    print_log(
        "The checkpoint is a plain model's (no 'architecture.' or "
        "'teacher.' keys): it is loaded into the student "
        f'{type(model.architecture).__name__} ({STUDENT}*). '
        f'{len(fitting) - len(other_shape)} of the student\'s '
        f'{len(student)} entries come from it'
        + (f'; {len(other_shape)} of another shape are left as '
           f'initialized, e.g. {other_shape[:SHOWN]}' if other_shape else '')
        + '.', logger='current', level=30 if other_shape else 20)


def _check_student(model, state_dict, prefix, student) -> None:
    """A distillation checkpoint must hold every student entry, in shape."""
    missing = sorted(k for k in student if prefix + STUDENT + k not in
                     state_dict and not k.endswith(HARMLESS_MISSING))
    other_shape = [
        f'{k}: {tuple(state_dict[prefix + STUDENT + k].shape)} in the file, '
        f'{shape} in the student' for k, shape in sorted(student.items())
        if prefix + STUDENT + k in state_dict
        and tuple(state_dict[prefix + STUDENT + k].shape) != shape]
    if missing or other_shape:
        raise RuntimeError(
            'The checkpoint given to load_from or --resume does not fit the '
            f'student {type(model.architecture).__name__}: '
            f'{len(missing)} of its {len(student)} entries are missing '
            f'(e.g. {missing[:SHOWN]}), {len(other_shape)} have another '
            f'shape (e.g. {other_shape[:SHOWN]}). It was saved by a run '
            'with another student: resume with that run\'s config, or start '
            f'this student from its part ({CONVERTER}, then load_from, '
            'which loads what fits).')


def _complete_lean_teacher(model, state_dict, prefix, local) -> None:
    """A checkpoint without the frozen teacher gets the run's teacher,
    loaded from ``teacher_ckpt``."""
    kept = tuple(f'{TEACHER}{part}.' for part in model.acclimated_parts)
    if not model.teacher_ckpt or any(
            k.startswith(TEACHER) and not k.startswith(kept) for k in local):
        return
    for key, value in model.teacher.state_dict().items():
        state_dict.setdefault(prefix + TEACHER + key, value)
