"""Distillation of two-stage detectors with the teacher scoring the
student's RoIs."""
from collections.abc import Sequence
from typing import Optional

from mmengine.structures import BaseDataElement
from torch import Tensor, nn

from dist_kd_mm.registry import MODELS

from .single_teacher_distill import SingleTeacherDistill

ROI_COLUMNS = 5  # (batch index, x1, y1, x2, y2)


def check_rois(rois: object, num_images: int, source: str) -> Tensor:
    """Validate RoIs recorded from the student: ``(K, 5)`` float tensor whose
    first column is the image index in ``[0, num_images)``.

    Args:
        rois: the recorded value.
        num_images: images in the batch.
        source: where the RoIs were recorded, named in errors.
    """
    if not isinstance(rois, Tensor):
        raise TypeError(f'{source}: expected the RoIs as a Tensor of shape '
                        f'(K, {ROI_COLUMNS}), got {type(rois).__name__}')
    if rois.dim() != 2 or rois.shape[1] != ROI_COLUMNS:
        raise ValueError(f'{source}: expected RoIs of shape (K, '
                         f'{ROI_COLUMNS}) = (image index, x1, y1, x2, y2), '
                         f'got {tuple(rois.shape)}; check that the recorder '
                         'records the second input of the RoI extractor')
    if rois.numel() and not (0 <= rois[:, 0].min()
                             and rois[:, 0].max() < num_images):
        raise ValueError(f'{source}: RoI image indices must lie in [0, '
                         f'{num_images}), got {rois[:, 0].min():g}..'
                         f'{rois[:, 0].max():g}')
    return rois


def first_stage_index(roi_head: nn.Module, stage: int) -> int:
    """The box-head stage to run: ``stage`` for cascade heads, else 0."""
    num_stages = getattr(roi_head, 'num_stages', None)
    if num_stages is None:
        if stage != 0:
            raise ValueError(f'teacher_stage={stage} but the teacher\'s RoI '
                             f'head {type(roi_head).__name__} has one stage')
        return 0
    if not 0 <= stage < num_stages:
        raise ValueError(f'teacher_stage={stage} is out of range for the '
                         f'teacher\'s {type(roi_head).__name__} with '
                         f'{num_stages} stages')
    return stage


def box_head_on_rois(roi_head: nn.Module, features: Sequence[Tensor],
                     rois: Tensor, stage: int = 0) -> dict:
    """Classify ``rois`` with one stage of an mmdet RoI head.

    Runs the stage's RoI extractor and box head only: no sampling, no loss,
    no mask head and no later cascade stage.

    Args:
        roi_head: an mmdet ``StandardRoIHead`` or ``CascadeRoIHead``.
        features: the detector's multi-level features (FPN outputs).
        rois: ``(K, 5)`` RoIs, first column the image index.
        stage: cascade stage (0, the first, by default).

    Returns:
        mmdet's box results: ``cls_score`` ``(K, num_classes + 1)``,
        ``bbox_pred`` and ``bbox_feats``.
    """
    # mmdet's RoI heads run a box head on given RoIs only in _bbox_forward
    # (no public method skips the sampling and the loss)
    if getattr(roi_head, 'num_stages', None) is None:
        return roi_head._bbox_forward(tuple(features), rois)
    return roi_head._bbox_forward(
        first_stage_index(roi_head, stage), tuple(features), rois)


@MODELS.register_module()
class StudentRoIDistill(SingleTeacherDistill):
    """``SingleTeacherDistill`` for two-stage detectors whose teacher scores
    exactly the RoIs the student's RoI head sampled in the same step.

    Per training step:

    1. The student runs its normal ``mode='loss'`` forward under the student
       recorders. One of them must record the student's RoIs: a
       ``ModuleInputs`` recorder on ``roi_head.bbox_roi_extractor`` (its
       second input, ``data_idx=1``, is the ``(K, 5)`` RoI tensor).
    2. Under ``no_grad`` and the teacher recorders, the teacher computes its
       features (``extract_feat``: backbone and FPN) and runs one stage of
       its RoI head (the first by default, as in the DIST paper for a
       Cascade teacher) on those RoIs: RoI extractor and box head only, no
       RPN, no sampling, no loss, no mask head. A teacher recorder on that
       stage's ``fc_cls`` then holds ``(K, num_classes + 1)`` logits whose
       row ``k`` is the same box as the student's row ``k``.
    3. The distill losses are computed from the recorders as usual.

    The step is ``SingleTeacherDistill``'s with the student's forward first
    (:attr:`teacher_first` False), so that ``teacher_input`` and
    ``teacher_autocast`` apply to this teacher as to any (its records cast
    back to float32). Distill deliveries (which copy the teacher's random
    choices to the student) are not supported, nor is a trainable teacher.

    Args:
        student_rois: where the student's RoIs are recorded: the name of a
            student recorder and the index of the RoIs in its record
            (``dict(recorder='rois', data_idx=1)``).
        teacher_stage: the stage of a cascade teacher's RoI head to run.
        **kwargs: the arguments of ``SingleTeacherDistill``.
    """

    def __init__(self,
                 student_rois: Optional[dict] = None,
                 teacher_stage: int = 0,
                 **kwargs) -> None:
        if kwargs.get('teacher_acclimation') is not None:
            raise ValueError(
                'StudentRoIDistill: teacher_acclimation is for classifiers '
                '(one label per image); RoI distillation has no acclimation '
                'here (see docs/losses.md, DIST+)')
        try:
            super().__init__(**kwargs)
        except Exception:
            # mmrazor's recorder on the RoI extractor fails first on a
            # single-stage detector: name the real problem if it is that
            self._check_two_stage()
            raise
        student_rois = dict(student_rois or dict(recorder='rois',
                                                 data_idx=1))
        recorders = self.distiller.student_recorders.recorders
        if student_rois.get('recorder') not in recorders:
            raise KeyError(
                f'StudentRoIDistill: student_rois.recorder='
                f'{student_rois.get("recorder")!r} is not one of the '
                f'distiller\'s student_recorders {sorted(recorders)}; add '
                "e.g. rois=dict(type='ModuleInputs', "
                "source='roi_head.bbox_roi_extractor')")
        self.student_rois = student_rois
        self._check_two_stage()
        first_stage_index(self.teacher.roi_head, teacher_stage)
        self.teacher_stage = teacher_stage
        if self.teacher_trainable:
            raise ValueError('StudentRoIDistill: teacher_trainable=True is '
                             'not supported (the teacher computes no loss)')
        if self.distiller.deliveries.deliveries:
            raise ValueError(
                'StudentRoIDistill: distill_deliveries are not supported '
                '(the student runs before the teacher)')

    def _check_two_stage(self) -> None:
        """Raise unless the student and the (built) teacher have a
        ``roi_head``."""
        for name, attribute in (('student', 'architecture'),
                                ('teacher', 'teacher')):
            part = vars(self).get('_modules', {}).get(attribute)
            if part is not None and not hasattr(part, 'roi_head'):
                raise TypeError(f'StudentRoIDistill needs two-stage '
                                f'detectors; the {name} '
                                f'{type(part).__name__} has no roi_head')

    def recorded_student_rois(self, num_images: int) -> Tensor:
        """The ``(K, 5)`` RoIs the student's box head saw in this step."""
        name = self.student_rois['recorder']
        recorder = self.distiller.student_recorders.get_recorder(name)
        if not recorder.data_buffer:
            raise RuntimeError(
                f'StudentRoIDistill: student recorder {name!r} '
                f'({recorder.source}) recorded nothing in this step; it must '
                'be on the RoI extractor of the student\'s box head')
        rois = recorder.get_record_data(
            self.student_rois.get('record_idx', 0),
            self.student_rois.get('data_idx'))
        return check_rois(rois, num_images,
                          f'student recorder {name!r} ({recorder.source})')

    # the teacher scores the RoIs of the student's forward
    teacher_first = False

    def forward_teacher(self, batch_inputs: Tensor,
                        data_samples: Optional[list[BaseDataElement]] = None
                        ) -> dict:
        """Under the teacher recorders and :meth:`teacher_context`, the
        teacher's features (its own inputs with ``teacher_input``), then one
        stage of its box head on the student's RoIs; no losses."""
        rois = self.recorded_student_rois(batch_inputs.shape[0])
        with self.distiller.teacher_recorders, \
                self.teacher_context(batch_inputs.device.type):
            if self.teacher_input is not None:
                batch_inputs = self.teacher_input(batch_inputs)
            # float32 features for mmcv's RoIAlign, which has no bfloat16
            # kernel; the box head still runs under autocast
            features = [f.float() for f in
                        self.teacher.extract_feat(batch_inputs)]
            box_head_on_rois(self.teacher.roi_head, features, rois.detach(),
                             self.teacher_stage)
        return {}
