"""A stand-in for mmrazor's quantization backend configs on torch >= 2.6.

mmrazor 1.0.0 builds its quantization backend configs at import time from
private torch.ao internals that newer torch removed
(``torch.ao.quantization.fuser_method_mappings.reverse2`` and friends, then
``BackendPatternConfig._set_overwrite_output_fake_quantize``). The failure
surfaces as ``ImportError: torch>=1.13 is not installed properly`` on
``import mmrazor.models``, which breaks distillation too.

Distillation never touches these configs. Before mmrazor is imported we put a
module at ``mmrazor.structures.quantization.backend_config`` that exports the
same names; using any of them raises :class:`QuantizationUnavailableError`.
"""
import sys
import types
from collections.abc import Iterator
from typing import Any, Callable

MODULE_NAME = 'mmrazor.structures.quantization.backend_config'
BACKENDS = ('academic', 'native', 'openvino', 'tensorrt')


class QuantizationUnavailableError(RuntimeError):
    """Raised when mmrazor's quantization is used with dist_kd_mm loaded."""


def _unavailable_message(what: str) -> str:
    return (f'{what} is unavailable: mmrazor 1.0.0 quantization depends on '
            'torch.ao internals that this torch no longer has, so dist_kd_mm '
            'replaced mmrazor.structures.quantization.backend_config with a '
            'stand-in. Distillation is unaffected; for quantization use an '
            'environment with torch < 2.6 and without dist_kd_mm.')


class _UnavailableBackendConfigs(dict[str, Any]):
    """Mapping that names the backends but raises when one is looked up."""

    def __getitem__(self, backend: str) -> Any:
        raise QuantizationUnavailableError(
            _unavailable_message(f'Quantization backend config {backend!r}'))

    def get(self, backend: str, default: Any = None) -> Any:
        return self[backend]

    def __iter__(self) -> Iterator[str]:
        return iter(BACKENDS)

    def __len__(self) -> int:
        return len(BACKENDS)

    def __contains__(self, backend: object) -> bool:
        return backend in BACKENDS


def _unavailable_function(name: str) -> Callable[..., Any]:

    def function(*args: Any, **kwargs: Any) -> Any:
        raise QuantizationUnavailableError(_unavailable_message(f'{name}()'))

    function.__name__ = name
    return function


def build_stand_in_module() -> types.ModuleType:
    """Module exporting the public names of mmrazor's backend_config."""
    module = types.ModuleType(MODULE_NAME, __doc__)
    module.BackendConfigs = _UnavailableBackendConfigs()
    names = ['BackendConfigs']
    for backend in BACKENDS:
        for suffix in ('', '_dict'):
            name = f'get_{backend}_backend_config{suffix}'
            setattr(module, name, _unavailable_function(name))
            names.append(name)
    module.__all__ = names
    module.__path__ = []  # a package, so submodule imports fail clearly
    module.DIST_KD_MM_STAND_IN = True
    return module


def install_quantization_stand_in() -> None:
    """Register the stand-in unless the real module is already imported."""
    existing = sys.modules.get(MODULE_NAME)
    if existing is not None:
        return
    sys.modules[MODULE_NAME] = build_stand_in_module()
