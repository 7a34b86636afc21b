"""The teacher's own input normalization and size, where they differ from
the student's.

Teacher and student share one data preprocessor (the algorithm's), so a
teacher trained with another normalization (e.g. mean = std = 127.5) or at
another resolution (a 384-pixel checkpoint) would see inputs it was not
trained on, and run without an error. :func:`resolve_teacher_input` reads
what the teacher's config expects and either finds it equal to the
student's, or stops with an error, or (option ``teacher_input``) builds a
:class:`TeacherInput` that converts the student's normalized batch into the
teacher's before every teacher forward.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.hub import get_config

# transforms whose size is the size of the test images
CROPS = ('CenterCrop', 'EfficientNetCenterCrop')


def _pair(size) -> Optional[tuple[int, int]]:
    """``(height, width)`` of an mmcv size: an int, or ``(width, height)``."""
    if size is None:
        return None
    if isinstance(size, int):
        return (size, size)
    return (int(size[1]), int(size[0]))


def eval_size_of(cfg: Config) -> Optional[tuple[int, int]]:
    """The fixed ``(height, width)`` of a config's test images: its last
    center crop, or a resize that does not keep the ratio; None when the
    size varies (detection, segmentation) or is not stated."""
    pipeline = (cfg.get('test_dataloader', {}).get('dataset', {}).get(
        'pipeline') or cfg.get('test_pipeline') or [])
    size = None
    for transform in pipeline:
        kind = str(transform.get('type', '')).split('.')[-1]
        if kind in CROPS:
            size = _pair(transform.get('crop_size'))
        elif kind == 'Resize' and not transform.get('keep_ratio', False):
            size = _pair(transform.get('scale')) or size
    return size


def normalization_of(preprocessor: Optional[dict]) -> Optional[dict]:
    """``mean``, ``std`` and ``to_rgb`` of a data preprocessor config
    (mmpretrain's ``to_rgb`` or mmdet's and mmseg's ``bgr_to_rgb``); None
    when it normalizes nothing."""
    if not preprocessor or preprocessor.get('mean') is None:
        return None
    return dict(
        mean=[float(v) for v in preprocessor['mean']],
        std=[float(v) for v in preprocessor['std']],
        to_rgb=bool(
            preprocessor.get('to_rgb', preprocessor.get('bgr_to_rgb',
                                                        False))))


def _preprocessor_in(cfg: Config) -> Optional[dict]:
    """The data preprocessor of a full config (model's or top-level)."""
    return cfg.model.get('data_preprocessor') or cfg.get('data_preprocessor')


def preprocessor_of(model_cfg) -> Optional[dict]:
    """The data preprocessor config of a model given as a dict (its own, or
    its ``cfg_path`` config's); None for a built module."""
    if not isinstance(model_cfg, dict):
        return None
    if model_cfg.get('cfg_path'):
        return _preprocessor_in(get_config(model_cfg['cfg_path']))
    return model_cfg.get('data_preprocessor')


def teacher_expectation(teacher_cfg) -> tuple[Optional[dict], Optional[
        tuple[int, int]], str]:
    """What the teacher was trained with: its normalization, test size and
    the name of its config (``cfg_path``, or 'the teacher dict')."""
    if isinstance(teacher_cfg, dict) and teacher_cfg.get('cfg_path'):
        cfg = get_config(teacher_cfg['cfg_path'])  # read once
        return (normalization_of(_preprocessor_in(cfg)), eval_size_of(cfg),
                teacher_cfg['cfg_path'])
    if isinstance(teacher_cfg, dict):
        return (normalization_of(preprocessor_of(teacher_cfg)), None,
                'the teacher dict')
    return None, None, 'the teacher module'


class TeacherInput:
    """Converts the student's normalized batch into the teacher's input.

    Pixels are recovered with the student's mean and std, the channel order
    flipped if the two ``to_rgb`` differ, normalized with the teacher's mean
    and std, and resized (bicubic) to ``size`` when it is set and differs.

    Args:
        student: the student's ``mean``, ``std``, ``to_rgb``.
        teacher: the teacher's ``mean``, ``std``, ``to_rgb``.
        size: the teacher's ``(height, width)``, or None to keep the size.
    """

    def __init__(self, student: dict, teacher: dict,
                 size: Optional[tuple[int, int]]) -> None:
        self.flip = student['to_rgb'] != teacher['to_rgb']
        s_mean, s_std = (torch.tensor(student[k]) for k in ('mean', 'std'))
        t_mean, t_std = (torch.tensor(teacher[k]) for k in ('mean', 'std'))
        if self.flip:
            s_mean, s_std = s_mean.flip(0), s_std.flip(0)
        # x_t = (x_s * s_std + s_mean - t_mean) / t_std, per channel
        self.scale = (s_std / t_std).view(1, -1, 1, 1)
        self.shift = ((s_mean - t_mean) / t_std).view(1, -1, 1, 1)
        self.size = size

    def __call__(self, inputs: torch.Tensor) -> torch.Tensor:
        """``(N, C, H, W)`` student input -> the teacher's."""
        if self.flip:
            inputs = inputs.flip(1)
        inputs = inputs * self.scale.to(inputs) + self.shift.to(inputs)
        if self.size is not None and tuple(inputs.shape[-2:]) != self.size:
            inputs = F.interpolate(inputs, size=self.size, mode='bicubic',
                                   align_corners=False)
        return inputs


def resolve_teacher_input(
    teacher_cfg, data_preprocessor: Optional[dict], option: Optional[dict]
) -> tuple[Optional[TeacherInput], Optional[tuple[int, int]], str]:
    """The conversion the teacher needs, if any; the input size it expects
    when there is no conversion (checked on every forward); and the name of
    the teacher's config, for the messages.

    Args:
        teacher_cfg: the algorithm's ``teacher`` argument.
        data_preprocessor: the algorithm's (the student's) preprocessor.
        option: None (the teacher must expect the student's inputs), or
            ``teacher_input``: ``mean``, ``std``, ``to_rgb`` and ``size``,
            each defaulting to the teacher config's (``{}`` adapts to it).

    Raises:
        ValueError: the normalizations differ and ``option`` is None; an
            unknown key in ``option``.
    """
    student = normalization_of(data_preprocessor)
    expected, size, name = teacher_expectation(teacher_cfg)
    if option is None:
        if student and expected and not _same(student, expected):
            raise ValueError(
                f'The teacher ({name}) was trained on inputs normalized with '
                f'mean {expected["mean"]}, std {expected["std"]}, to_rgb '
                f'{expected["to_rgb"]}, but the distillation data '
                f'preprocessor gives mean {student["mean"]}, std '
                f'{student["std"]}, to_rgb {student["to_rgb"]}. Set '
                'model.teacher_input=dict() to convert the inputs to the '
                "teacher's own normalization (and size), or use a teacher "
                'trained like the student.')
        return None, size, name
    if student is None:
        raise ValueError('teacher_input needs the distillation data '
                         'preprocessor to normalize (mean and std)')
    check_option(option, len(student['mean']))
    teacher = dict(student, **(expected or {}))
    teacher.update({k: option[k] for k in ('mean', 'std', 'to_rgb')
                    if k in option})
    return TeacherInput(student, normalization_of(teacher),
                        _pair(option.get('size', size))), None, name


def check_option(option, channels: int) -> None:
    """Raise unless ``teacher_input`` is a dict of known keys with values
    of the right kind: ``mean`` and ``std`` of ``channels`` numbers,
    ``to_rgb`` a bool, ``size`` None, an int or a ``(width, height)``
    pair."""
    if not isinstance(option, dict):
        raise TypeError(
            'teacher_input must be a dict (dict() takes mean, std, to_rgb '
            "and size from the teacher's config) or None, got "
            f'{option!r}')
    unknown = set(option) - {'mean', 'std', 'to_rgb', 'size'}
    if unknown:
        raise ValueError(f'teacher_input: unknown keys {sorted(unknown)}; '
                         'it takes mean, std, to_rgb and size')
    for key in ('mean', 'std'):
        value = option.get(key)
        if key in option and not (
                isinstance(value, (list, tuple)) and len(value) == channels
                and all(isinstance(v, (int, float)) for v in value)):
            raise ValueError(
                f'teacher_input.{key} must be {channels} numbers, one per '
                f'channel of the inputs, got {value!r}')
    if not isinstance(option.get('to_rgb', False), bool):
        raise TypeError('teacher_input.to_rgb must be True or False, got '
                        f"{option['to_rgb']!r}")
    size = option.get('size')
    values = size if isinstance(size, (list, tuple)) else (size, size)
    if size is not None and (len(values) != 2 or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0
            for v in values)):
        raise ValueError(
            'teacher_input.size must be an int or (width, height) of '
            f'positive ints (None: no resizing), got {size!r}')


def _same(a: dict, b: dict) -> bool:
    return a['to_rgb'] == b['to_rgb'] and all(
        abs(x - y) <= 1e-6 * max(1.0, abs(y))
        for key in ('mean', 'std') for x, y in zip(a[key], b[key]))


def check_size(inputs: torch.Tensor, size: tuple[int, int],
               name: str) -> None:
    """Stop when the teacher gets images of another size than its own."""
    if tuple(inputs.shape[-2:]) != size:
        raise ValueError(
            f'The teacher ({name}) expects {size[0]}x{size[1]} inputs (its '
            f'test pipeline), but gets {inputs.shape[-2]}x{inputs.shape[-1]}'
            ': set model.teacher_input=dict() to resize its inputs to its '
            'own size, or use a teacher of the student\'s resolution.')
