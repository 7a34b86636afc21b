"""Helpers for the command-line tools."""
from .checkpoint import student_checkpoint
from .cli import (
    add_common_arguments,
    build_runner,
    load_config,
    resolve_work_dir,
)

__all__ = [
    'add_common_arguments', 'build_runner', 'load_config', 'resolve_work_dir',
    'student_checkpoint'
]
