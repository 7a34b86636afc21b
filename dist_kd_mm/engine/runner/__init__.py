"""Loops, registered in :data:`dist_kd_mm.registry.LOOPS`."""
from .distill_val_loop import SingleTeacherDistillValLoop

__all__ = ['SingleTeacherDistillValLoop']
