"""What the distillation algorithms check: when they are built, that the
teacher checkpoint fits the teacher, that the student's batch augments are
not dropped, and that the losses' student and teacher sides are mapped to
the student and the teacher, with as many outputs; when the student is
initialized, that no recorded head starts at zero; at every training step,
that each distillation loss reaches the student.

(The teacher's input normalization and size are checked, or converted, by
:mod:`dist_kd_mm.models.algorithms.teacher_input`.)
"""
import warnings
from typing import Optional

import torch
from mmengine.logging import print_log
from mmengine.runner.checkpoint import CheckpointLoader
from torch import nn

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
    The teacher is then marked initialized, so that ``init_weights`` keeps
    the loaded weights.

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
    checkpoint = CheckpointLoader.load_checkpoint(filename,
                                                  map_location='cpu')
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
    if hasattr(teacher, 'is_init'):  # mmengine's BaseModule
        teacher.is_init = True


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


def student_side(argument: str) -> Optional[bool]:
    """Whether a loss argument is named as the student's side (mmrazor's
    ``logits_S``, ``s_feature``, ``student``), the teacher's, or neither
    (None)."""
    if argument.endswith('_S') or argument.startswith('s_') or (
            argument == 'student'):
        return True
    if argument.endswith('_T') or argument.startswith('t_') or (
            argument == 'teacher'):
        return False
    return None


def _mapped_sides(distiller: nn.Module):
    """``(loss name, argument, mapping, student side)`` of every loss
    argument that is named as a side and mapped to a recorder."""
    for loss_name, mappings in distiller.loss_forward_mappings.items():
        for argument, mapping in mappings.items():
            side = student_side(argument)
            if side is not None and 'recorder' in mapping:
                yield loss_name, argument, mapping, side


def _describe(mapping: dict) -> str:
    side = 'student' if mapping.get('from_student') else 'teacher'
    return (f"the {side}'s recorder {mapping['recorder']!r} "
            f"(from_student={mapping.get('from_student')})")


def check_loss_sides(distiller: nn.Module) -> None:
    """Stop when a loss's student argument (``logits_S``, ``s_feature``) is
    mapped to a teacher recorder or its teacher argument to the student's:
    swapped flags give the same (symmetric) loss value, and no gradient."""
    for loss_name, argument, mapping, from_student in _mapped_sides(
            distiller):
        if bool(mapping.get('from_student')) != from_student:
            raise ValueError(
                f'loss_forward_mappings.{loss_name}.{argument} maps '
                f'{_describe(mapping)}, but {argument} is the '
                f"{'student' if from_student else 'teacher'}'s side: set "
                f'from_student={from_student} (are the flags of '
                f'{loss_name} swapped?)')


def _output_width(model: nn.Module, recorder) -> tuple:
    """``(source, width)`` of a recorded module's output (a Linear's
    ``out_features``, a conv's ``out_channels``), else ``(source, None)``."""
    source = getattr(recorder, 'source', None)
    if type(recorder).__name__ != 'ModuleOutputsRecorder' or not source:
        return source, None
    try:
        module = model.get_submodule(source)
    except AttributeError:
        return source, None
    return source, getattr(module, 'out_features',
                           getattr(module, 'out_channels', None))


def check_output_widths(distiller: nn.Module, student: nn.Module,
                        teacher: nn.Module) -> None:
    """Stop when a loss compares recorded outputs of different widths (no
    connector between them): a teacher of 1000 classes against a student of
    100 would fail only at the first step."""
    widths = {}
    for loss_name, argument, mapping, _ in _mapped_sides(distiller):
        if mapping.get('connector'):
            continue
        side, model, recorders = (
            ('student', student, distiller.student_recorders)
            if mapping.get('from_student') else
            ('teacher', teacher, distiller.teacher_recorders))
        source, width = _output_width(
            model, recorders.recorders.get(mapping['recorder']))
        if width is not None:
            widths.setdefault(loss_name, {})[side] = (argument, source, width)
    for loss_name, sides in widths.items():
        if len(sides) == 2 and sides['student'][2] != sides['teacher'][2]:
            (arg_s, source_s, c_s), (arg_t, source_t, c_t) = (
                sides['student'], sides['teacher'])
            raise ValueError(
                f"{loss_name}: the teacher's {source_t!r} ({arg_t}) gives "
                f"{c_t} outputs, the student's {source_s!r} ({arg_s}) {c_s}: "
                'for logits, the teacher has '
                f'{c_t} classes and the student {c_s}. Distil between '
                'models of the same classes (num_classes of both heads), or '
                'map features of other widths through a connector.')


def warn_zero_initialized(distiller: nn.Module, student: nn.Module) -> None:
    """Warn when a recorded student module starts with all-zero weights
    (mmpretrain's ``VisionTransformerClsHead``): its logits are constant at
    the first step, where the Pearson losses' gradient is singular."""
    for name, recorder in distiller.student_recorders.recorders.items():
        source = getattr(recorder, 'source', None)
        try:
            weight = student.get_submodule(source).weight
        except (AttributeError, TypeError):
            continue
        if isinstance(weight, torch.Tensor) and not weight.any():
            warnings.warn(
                f"The student's {source!r} (recorder {name!r}) starts with "
                'all-zero weights, so its outputs are constant at the first '
                "step, where DIST's and CMKD's Pearson gradient is 1/eps "
                "times the teacher's. The losses taper it there (norm_floor,"
                ' docs/losses.md), so the head first learns from the task '
                'loss; with distillation alone it would stay constant. To '
                'start it like other heads, give the student head '
                "init_cfg=dict(type='TruncNormal', layer='Linear', std=0.02)"
                '.', UserWarning, stacklevel=2)


def check_student_gradients(losses: dict, distiller: nn.Module) -> None:
    """Stop when a distillation loss carries no gradient to the training
    student (its student side recorded without a graph, or mapped from the
    teacher)."""
    if not torch.is_grad_enabled():
        return
    for loss_name, loss in losses.items():
        if isinstance(loss, torch.Tensor) and not loss.requires_grad:
            mapping = distiller.loss_forward_mappings.get(loss_name, {})
            sides = ', '.join(f'{argument}: {_describe(record)}'
                              for argument, record in mapping.items()
                              if 'recorder' in record)
            raise RuntimeError(
                f'distill.{loss_name} carries no gradient to the student: '
                f'its inputs ({sides}) are all without a graph. Map the '
                "student's side from a student recorder (from_student=True) "
                'of a module that the student trains.')
