"""Utilities in OpenMMLab's layout."""
from .peak_memory import PeakMemoryTracker
from .setup_env import register_all_modules, register_config_scope

__all__ = [
    'PeakMemoryTracker', 'register_all_modules', 'register_config_scope'
]
