"""Registries of dist_kd_mm.

``MODELS`` is a direct child of mmengine's root model registry with scope
``dist_kd_mm``, next to mmrazor's, mmpretrain's, mmdet's and mmseg's. So
``type='dist_kd_mm.DISTLoss'`` (or any ``dist_kd_mm.`` module) resolves from
configs of every one of those scopes (mmengine searches the root's direct
children for a scoped name), while ``type='DISTLoss'`` in an mmrazor config
still builds mmrazor's own loss. ``HOOKS``, ``LOOPS`` and ``OPTIMIZERS`` are
the same for hooks, loops and optimizers.
"""
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import Registry


def _child(name: str, parent: Registry, location: str) -> Registry:
    """A registry of scope ``dist_kd_mm`` under one of mmengine's roots."""
    return Registry(name, parent=parent, scope='dist_kd_mm',
                    locations=[location])


MODELS = _child('model', MMENGINE_MODELS, 'dist_kd_mm.models')
HOOKS = _child('hook', MMENGINE_HOOKS, 'dist_kd_mm.engine')
LOOPS = _child('loop', MMENGINE_LOOPS, 'dist_kd_mm.engine')
OPTIMIZERS = _child('optimizer', MMENGINE_OPTIMIZERS, 'dist_kd_mm.engine')

__all__ = ['HOOKS', 'LOOPS', 'MODELS', 'OPTIMIZERS']
