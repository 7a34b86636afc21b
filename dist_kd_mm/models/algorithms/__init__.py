"""Distillation algorithms of dist_kd_mm."""
from .build_checks import load_teacher_checkpoint
from .single_teacher_distill import SingleTeacherDistill
from .student_roi_distill import StudentRoIDistill, box_head_on_rois
from .teacher_acclimation import TeacherAcclimation

__all__ = [
    'SingleTeacherDistill', 'StudentRoIDistill', 'TeacherAcclimation',
    'box_head_on_rois', 'load_teacher_checkpoint'
]
