"""dist_kd_mm: DIST knowledge distillation as an mmrazor plugin.

Importing the package first applies the fixes that let mmrazor 1.0.0 and
mmengine 0.10.7 run on current torch (see :mod:`dist_kd_mm.compat`), then
registers its modules in :data:`dist_kd_mm.registry.MODELS` and its configs
with mmengine (``dist_kd_mm::<path>``).
"""
from .compat import apply_all as _apply_compat_fixes

_apply_compat_fixes()

from .engine import (  # noqa: E402
    DistillDiagnosticsHook,
    DistillLossWarmupHook,
    LeanCheckpointHook,
    RMSpropTF,
    SingleTeacherDistillValLoop,
)
from .models import (  # noqa: E402
    AcclimationLoss,
    CMKDLoss,
    DISTFeatureLoss,
    DISTLoss,
    SingleTeacherDistill,
    StudentRoIDistill,
)
from .utils import register_config_scope  # noqa: E402
from .version import __version__  # noqa: E402

register_config_scope()

__all__ = [
    'AcclimationLoss', 'CMKDLoss', 'DISTFeatureLoss', 'DISTLoss',
    'DistillDiagnosticsHook', 'DistillLossWarmupHook', 'LeanCheckpointHook',
    'RMSpropTF', 'SingleTeacherDistill', 'SingleTeacherDistillValLoop',
    'StudentRoIDistill', '__version__'
]
