"""Registration with mmengine, as in every OpenMMLab package."""
from mmengine import DefaultScope

PACKAGE = 'dist_kd_mm'


def register_config_scope() -> None:
    """Let mmengine resolve ``dist_kd_mm::<path>`` configs.

    mmengine only resolves ``package::path`` (``_base_`` entries, the
    ``cfg_path`` of a distillation teacher) for the packages in its
    ``MODULE2PACKAGE`` table; configs are found in ``dist_kd_mm/.mim/configs``.
    """
    from mmengine.config import utils as config_utils
    config_utils.MODULE2PACKAGE.setdefault(PACKAGE, PACKAGE)


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every module of dist_kd_mm so that it is registered.

    ``mmengine.hub.get_model('dist_kd_mm::...')`` calls this.

    Args:
        init_default_scope: make ``dist_kd_mm`` the default scope if no
            default scope is set yet.
    """
    import dist_kd_mm.models  # noqa: F401
    register_config_scope()
    if init_default_scope and DefaultScope.get_current_instance() is None:
        DefaultScope.get_instance(PACKAGE, scope_name=PACKAGE)
