"""tools/gpu/device_check.sh in its CPU mode (DEVICE_CHECK_CPU=1), as on a
GPU machine without network: the offline folder is prepared with the
registry (tools/install/prepare_offline.sh), then installed into a new venv
that holds only this machine's torch, torchvision and the scientific stack,
in a network namespace without network where one can be made; the GPU
tests are collected and deselected, the figures left out, and summary.json
says so."""
import json
import subprocess
import sys

import torch
import torchvision

from helpers import REPO_ROOT, run_command

FIGURES = ('step', 'step-amp', 'teacher-autocast', 'loss', 'chunks')
LIMIT = 60e6  # bytes: the folder travels with the clone to the GPU machine


def without_network() -> list:
    """``unshare -n`` where this process may make a network namespace."""
    try:
        subprocess.run(['unshare', '-n', 'true'], check=True,
                       capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        return []
    return ['unshare', '-n']


def test_cpu_mode_installs_offline_and_writes_the_summary(tmp_path,
                                                         monkeypatch):
    python_version = f'{sys.version_info[0]}.{sys.version_info[1]}'
    torch_version = torch.__version__.split('+')[0]
    venv = tmp_path / 'venv'
    run_command([sys._base_executable, '-m', 'venv', str(venv)],
                cwd=str(tmp_path))
    run_command([str(venv / 'bin' / 'python'), '-m', 'pip', 'install',
                 '--quiet', f'torch=={torch_version}',
                 f'torchvision=={torchvision.__version__.split("+")[0]}',
                 'numpy', 'scipy',
                 'matplotlib', 'opencv-python-headless', 'pillow', 'pandas',
                 'pytest'], cwd=str(tmp_path), timeout=1800)
    offline = tmp_path / 'offline'
    run_command(['bash', 'tools/install/prepare_offline.sh', str(offline),
                 python_version, torch_version], cwd=REPO_ROOT, timeout=1800)
    size = sum(f.stat().st_size for f in offline.rglob('*') if f.is_file())
    assert size < LIMIT, size
    out = tmp_path / 'out'
    monkeypatch.setenv('DEVICE_CHECK_CPU', '1')
    monkeypatch.setenv('OFFLINE_DIR', str(offline))
    monkeypatch.setenv('PYTHON', str(venv / 'bin' / 'python'))
    run_command([*without_network(), 'bash', 'tools/gpu/device_check.sh',
                 str(out)], cwd=REPO_ROOT, timeout=1200)
    summary = json.loads((out / 'summary.json').read_text())
    assert summary['mode'] == 'cpu' and summary['failed_steps'] == []
    steps = summary['steps']
    assert steps['versions']['status'] == 0
    assert steps['install']['status'] == 0
    assert steps['tests']['status'] == 5  # collected, every one deselected
    assert summary['tests']['tests'] == 0
    for name in FIGURES:
        assert steps[name]['status'] == 'skipped', name
    assert f'torch {torch_version}' in ' '.join(summary['versions'])
    install = (out / 'install.txt').read_text()
    site = f'{venv}/lib/python{python_version}/site-packages'
    for package in ('mmcv', 'mmdet', 'mmrazor', 'torchsort', 'dist_kd_mm'):
        assert f'{package}' in install and f'from {site}/{package}/' in (
            install), package
    assert 'install_offline.sh: all imports work' in install
    log = (out / 'log.txt').read_text()
    assert 'deselected' in log
