"""mmrazor imports on current torch once dist_kd_mm is loaded."""
import subprocess
import sys

import pytest


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, '-c', code],
                          capture_output=True, text=True, timeout=300)


def test_mmrazor_models_fails_without_the_fix():
    """The failure this fix exists for (if it vanishes, drop the fix)."""
    result = run_python('import mmrazor.models')
    assert result.returncode != 0
    assert 'torch>=1.13` is not installed properly' in result.stderr


def test_mmrazor_models_imports_after_dist_kd_mm():
    result = run_python(
        'import dist_kd_mm, mmrazor.models\n'
        'from mmrazor.models import SingleTeacherDistill, '
        'ConfigurableDistiller\n'
        'print("ok", SingleTeacherDistill.__name__)')
    assert result.returncode == 0, result.stderr
    assert 'ok SingleTeacherDistill' in result.stdout


def test_quantization_is_unavailable_with_a_clear_error():
    from mmrazor.structures.quantization import (
        BackendConfigs,
        get_native_backend_config,
    )

    import dist_kd_mm  # noqa: F401
    from dist_kd_mm.compat.mmrazor_quantization import (
        QuantizationUnavailableError,
    )
    assert 'native' in BackendConfigs
    with pytest.raises(QuantizationUnavailableError, match="'native'"):
        BackendConfigs['native']
    with pytest.raises(QuantizationUnavailableError,
                       match='get_native_backend_config'):
        get_native_backend_config()


def test_native_quantizer_fails_clearly():
    from mmrazor.models.quantizers import TorchNativeQuantizer

    import dist_kd_mm  # noqa: F401
    from dist_kd_mm.compat.mmrazor_quantization import (
        QuantizationUnavailableError,
    )
    with pytest.raises(QuantizationUnavailableError,
                       match='torch.ao internals'):
        TorchNativeQuantizer(global_qconfig=dict(
            w_observer=dict(type='mmrazor.PerChannelMinMaxObserver'),
            a_observer=dict(type='mmrazor.MovingAverageMinMaxObserver'),
            w_fake_quant=dict(type='mmrazor.FakeQuantize'),
            a_fake_quant=dict(type='mmrazor.FakeQuantize'),
            w_qscheme=dict(qdtype='qint8', bit=8, is_symmetry=True),
            a_qscheme=dict(qdtype='quint8', bit=8, is_symmetry=True)))
