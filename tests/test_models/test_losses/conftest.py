"""Every loss test runs twice: with the compiled CPU kernel of the DIST
relations and with the torch-ops implementation."""
import pytest
from relation_kernels import KERNELS

from dist_kd_mm.ops import compiled_kernel, compiled_kernel_available


@pytest.fixture(params=KERNELS, autouse=True)
def relations_kernel(request) -> str:
    """The implementation of the DIST relations in use for the test."""
    if request.param == 'compiled':
        assert compiled_kernel_available(), (
            'dist_kd_mm._ext is not built: run `make install` (or unset '
            'DIST_KD_MM_WITH_OPS=0)')
    with compiled_kernel(request.param == 'compiled'):
        yield request.param
