"""What the distillation algorithms check when they are built: that the
teacher checkpoint fits the teacher, and that the student's batch augments
are not dropped.

(The teacher's input normalization and size are checked, or converted, by
:mod:`dist_kd_mm.models.algorithms.teacher_input`.)
"""
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
