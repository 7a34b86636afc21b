"""Fixes that make the OpenMMLab 2.x stack usable on current torch.

They are applied by ``import dist_kd_mm`` before anything of mmrazor is
imported. Each fix lives in its own module and is idempotent.
``setup_cpu_distributed`` is applied by ``tools/train.py`` and
``tools/test.py`` to a config before its runner is built.
"""
from .checkpoint_loading import allow_mmengine_checkpoint_globals
from .cpu_distributed import setup_cpu_distributed
from .mmrazor_quantization import install_quantization_stand_in


def apply_all() -> None:
    """Apply every compatibility fix (safe to call more than once)."""
    install_quantization_stand_in()
    allow_mmengine_checkpoint_globals()


__all__ = [
    'apply_all', 'allow_mmengine_checkpoint_globals',
    'install_quantization_stand_in', 'setup_cpu_distributed'
]
