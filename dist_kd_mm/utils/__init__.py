"""Utilities in OpenMMLab's layout."""
from .setup_env import register_all_modules, register_config_scope

__all__ = ['register_all_modules', 'register_config_scope']
