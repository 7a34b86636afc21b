"""Distillation algorithms of dist_kd_mm."""
from .student_roi_distill import StudentRoIDistill
from .teacher_roi_head import box_head_on_rois

__all__ = ['StudentRoIDistill', 'box_head_on_rois']
