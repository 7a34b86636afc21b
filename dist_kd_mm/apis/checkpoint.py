"""Turn a distillation checkpoint into a plain checkpoint of the student."""
from collections import OrderedDict
from typing import Any

STUDENT_PREFIX = 'architecture.'
KEPT_META = ('epoch', 'iter', 'seed', 'mmengine_version', 'dataset_meta')


def student_checkpoint(checkpoint: dict[str, Any],
                       prefix: str = STUDENT_PREFIX) -> dict[str, Any]:
    """The student's weights and run metadata of a distillation checkpoint.

    mmrazor's ``SingleTeacherDistill`` stores the student under
    ``architecture.`` and the frozen teacher under ``teacher.``; the result
    keeps the student's entries without the prefix, drops the teacher, the
    optimizer and the message hub, and loads into the student's plain config.

    Raises:
        KeyError: the checkpoint has no ``state_dict`` or no ``prefix`` keys.
    """
    if 'state_dict' not in checkpoint:
        raise KeyError('not an mmengine checkpoint: no "state_dict" key, '
                       f'keys are {sorted(checkpoint)[:8]}')
    state_dict = checkpoint['state_dict']
    student = OrderedDict((key[len(prefix):], value)
                          for key, value in state_dict.items()
                          if key.startswith(prefix))
    if not student:
        raise KeyError(
            f'no "{prefix}*" weights in the checkpoint: is it a distillation '
            f'checkpoint? Its first keys are {list(state_dict)[:5]}')
    meta = checkpoint.get('meta', {})
    kept = {key: meta[key] for key in KEPT_META if key in meta}
    kept['converted_from'] = 'distillation checkpoint (student only)'
    return dict(meta=kept, state_dict=student)
