"""Compiled operators of dist_kd_mm (the C++ extension ``dist_kd_mm._ext``).

``dist_relations_cpu`` is the fused CPU kernel of both DIST relations
(``csrc/dist_relations_cpu.cpp``). It is built at install time; where it is
missing (``DIST_KD_MM_WITH_OPS=0``) or does not apply (CUDA tensors, a
teacher that needs a gradient), the losses use their torch-ops
implementation, which gives the same values.
"""
from .compiled_relations import (
    compiled_kernel,
    compiled_kernel_available,
    compiled_relations_apply,
    dist_relations_compiled,
)

__all__ = [
    'compiled_kernel', 'compiled_kernel_available',
    'compiled_relations_apply', 'dist_relations_compiled'
]
