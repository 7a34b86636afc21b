"""Checks that teacher and student can share one preprocessed batch."""
import torch
from torch import nn

NORMALIZATION = ('mean', 'std', '_channel_conversion', '_enable_normalize')


def normalization_of(preprocessor: nn.Module) -> dict:
    """The normalization settings of an mmengine ``ImgDataPreprocessor``
    (``mean``/``std`` as lists, BGR->RGB flag); empty for others."""
    settings = {}
    for name in NORMALIZATION:
        value = getattr(preprocessor, name, None)
        if isinstance(value, torch.Tensor):
            value = [round(float(v), 4) for v in value.flatten()]
        if value is not None:
            settings[name.lstrip('_')] = value
    return settings


def check_same_normalization(algorithm_preprocessor: nn.Module,
                             teacher: nn.Module) -> None:
    """Raise if the teacher's own preprocessor normalizes images otherwise
    than the distiller's (whose output both networks receive)."""
    ours = normalization_of(algorithm_preprocessor)
    theirs = normalization_of(getattr(teacher, 'data_preprocessor', None))
    if ours and theirs and ours != theirs:
        raise ValueError(
            'The teacher was trained with other input normalization than '
            f'the student: teacher data_preprocessor {theirs}, student '
            f'{ours}. Both receive the student\'s preprocessed batch; use a '
            'teacher with the same mean/std/bgr_to_rgb or convert it')
