"""Registries of dist_kd_mm.

``MODELS`` is a direct child of mmengine's root model registry with scope
``dist_kd_mm``, next to mmrazor's, mmpretrain's, mmdet's and mmseg's. So
``type='dist_kd_mm.DISTLoss'`` (or any ``dist_kd_mm.`` module) resolves from
configs of every one of those scopes (mmengine searches the root's direct
children for a scoped name), while ``type='DISTLoss'`` in an mmrazor config
still builds mmrazor's own loss.
"""
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import Registry

MODELS = Registry(
    'model',
    parent=MMENGINE_MODELS,
    scope='dist_kd_mm',
    locations=['dist_kd_mm.models'])

HOOKS = Registry(
    'hook',
    parent=MMENGINE_HOOKS,
    scope='dist_kd_mm',
    locations=['dist_kd_mm.engine'])

LOOPS = Registry(
    'loop',
    parent=MMENGINE_LOOPS,
    scope='dist_kd_mm',
    locations=['dist_kd_mm.engine'])

OPTIMIZERS = Registry(
    'optimizer',
    parent=MMENGINE_OPTIMIZERS,
    scope='dist_kd_mm',
    locations=['dist_kd_mm.engine'])

__all__ = ['HOOKS', 'LOOPS', 'MODELS', 'OPTIMIZERS']
