"""Distillation of two-stage detectors with the teacher scoring the
student's RoIs."""
from typing import Optional

import torch
from mmengine.structures import BaseDataElement
from mmrazor.models.algorithms import SingleTeacherDistill
from mmrazor.models.algorithms.base import LossResults
from mmrazor.models.utils import add_prefix
from torch import Tensor

from dist_kd_mm.registry import MODELS

from .input_checks import check_same_normalization
from .teacher_roi_head import box_head_on_rois, check_rois, first_stage_index


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

    Teacher and student receive the same preprocessed batch, so their own
    preprocessors must normalize alike (checked when built). The student
    runs before the teacher, so distill deliveries (which copy
    the teacher's random choices to the student) are not supported, nor is a
    trainable teacher.

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
        super().__init__(**kwargs)
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
        for name, part in (('student', self.student),
                           ('teacher', self.teacher)):
            if not hasattr(part, 'roi_head'):
                raise TypeError(f'StudentRoIDistill needs two-stage '
                                f'detectors; the {name} '
                                f'{type(part).__name__} has no roi_head')
        check_same_normalization(self.data_preprocessor, self.teacher)
        first_stage_index(self.teacher.roi_head, teacher_stage)
        self.teacher_stage = teacher_stage
        if self.teacher_trainable:
            raise ValueError('StudentRoIDistill: teacher_trainable=True is '
                             'not supported (the teacher computes no loss)')
        if self.distiller.deliveries.deliveries:
            raise ValueError(
                'StudentRoIDistill: distill_deliveries are not supported '
                '(the student runs before the teacher)')

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

    @torch.no_grad()
    def teacher_roi_forward(self, batch_inputs: Tensor,
                            rois: Tensor) -> dict:
        """Teacher features, then its box head on ``rois``; returns mmdet's
        box results (``cls_score`` is ``(K, num_classes + 1)``)."""
        features = self.teacher.extract_feat(batch_inputs)
        return box_head_on_rois(self.teacher.roi_head, features,
                                rois.detach(), self.teacher_stage)

    def loss(self,
             batch_inputs: Tensor,
             data_samples: Optional[list[BaseDataElement]] = None
             ) -> LossResults:
        """Student loss, teacher on the student's RoIs, distill losses."""
        losses = dict()
        with self.distiller.student_recorders:
            if self.student_trainable:
                student_losses = self.student(
                    batch_inputs, data_samples, mode='loss')
            else:
                with torch.no_grad():
                    student_losses = self.student(
                        batch_inputs, data_samples, mode='loss')
        if self.calculate_student_loss:
            losses.update(add_prefix(student_losses, 'student'))

        rois = self.recorded_student_rois(batch_inputs.shape[0])
        with self.distiller.teacher_recorders:
            self.teacher_roi_forward(batch_inputs, rois)

        if not self.distillation_stopped:
            losses.update(add_prefix(
                self.distiller.compute_distill_losses(), 'distill'))
        return losses
