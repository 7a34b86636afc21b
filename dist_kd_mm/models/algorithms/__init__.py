"""Distillation algorithms of dist_kd_mm."""
from .student_roi_distill import StudentRoIDistill, box_head_on_rois

__all__ = ['StudentRoIDistill', 'box_head_on_rois']
