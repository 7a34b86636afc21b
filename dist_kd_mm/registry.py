"""Registries of dist_kd_mm, children of mmrazor's.

A child registry with scope ``dist_kd_mm`` keeps this package's modules apart
from mmrazor's: ``type='dist_kd_mm.DISTLoss'`` builds ours, while
``type='DISTLoss'`` in an mmrazor config still builds mmrazor's.
"""
from mmengine.registry import Registry
from mmrazor.registry import MODELS as MMRAZOR_MODELS

MODELS = Registry(
    'model',
    parent=MMRAZOR_MODELS,
    scope='dist_kd_mm',
    locations=['dist_kd_mm.models'])

__all__ = ['MODELS']
