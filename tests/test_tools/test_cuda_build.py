"""CUDA ops built on a machine without a GPU and without a system toolkit
(tools/install/cuda_home.sh, cuda_build.sh, find_python.sh, the Makefile's
pairs).

The toolkit is NVIDIA's pip wheels of the CUDA version of this venv's torch,
installed into a cache of the test's own; a CUDA extension is compiled with
it by torch's real ``cpp_extension`` and its cubin read back with NVIDIA's
real ``cuobjdump``.
"""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from helpers import REPO_ROOT

INSTALL = osp.join(REPO_ROOT, 'tools', 'install')
# the set-up installs a CUDA build of torch (a CPU build cannot run CUDA ops)
TORCH_CUDA = torch.version.cuda or 'none (a CPU-only torch)'


def run(args, env=None, expect_ok=True, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True,
                            env={**os.environ, **(env or {})}, timeout=900,
                            cwd=REPO_ROOT, **kwargs)
    if expect_ok != (result.returncode == 0):
        raise AssertionError(
            f'{args} exited {result.returncode}\n--- stdout ---\n'
            f'{result.stdout[-4000:]}\n'
            f'--- stderr ---\n{result.stderr[-4000:]}')
    return result


def pip_target(target, *packages):
    run([sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps',
         '--disable-pip-version-check', '--target', str(target), *packages])


@pytest.fixture(scope='module')
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp('dist_kd_mm_cache'))


@pytest.fixture(scope='module')
def pip_cuda_home(cache):
    """CUDA_HOME from NVIDIA's pip wheels (the system toolkit is skipped)."""
    result = run(['bash', osp.join(INSTALL, 'cuda_home.sh'), sys.executable],
                 env={'DIST_KD_MM_CACHE': cache,
                      'DIST_KD_MM_CUDA_TOOLKIT': 'pip', 'CUDA_ARCHS': '9.0'})
    home = result.stdout.strip().splitlines()[-1]
    assert home.startswith(cache), home
    return home


def test_pip_toolkit_matches_torch_and_stays_out_of_the_venv(
        pip_cuda_home, cache):
    version = run([osp.join(pip_cuda_home, 'bin', 'nvcc'), '--version'])
    assert f'release {TORCH_CUDA},' in version.stdout
    # torch links extensions with -lcudart: the link is there
    assert osp.exists(osp.join(pip_cuda_home, 'lib', 'libcudart.so'))
    # the compiler lives in the cache, not in the venv's site-packages
    nvcc = osp.realpath(osp.join(pip_cuda_home, 'bin', 'nvcc'))
    assert nvcc.startswith(osp.realpath(cache))
    assert osp.realpath(sys.prefix) not in nvcc


BUILD_EXTENSION = r'''
import sys
import torch
from torch.utils.cpp_extension import load_inline

cuda = r"""
__global__ void add_one_kernel(float *x, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] += 1.0f;
}
void add_one(torch::Tensor x) {
    add_one_kernel<<<(x.numel() + 255) / 256, 256>>>(
        x.data_ptr<float>(), x.numel());
}
"""
module = load_inline('dist_kd_mm_add_one',
                     cpp_sources='void add_one(torch::Tensor x);',
                     cuda_sources=cuda, functions=['add_one'],
                     build_directory=sys.argv[1], verbose=False)
print('built', callable(module.add_one), module.__file__)
'''


def test_cpp_extension_builds_a_cuda_kernel_for_sm90_without_a_gpu(
        pip_cuda_home, tmp_path):
    build = tmp_path / 'build'
    build.mkdir()
    result = run([sys.executable, '-c', BUILD_EXTENSION, str(build)],
                 env={'CUDA_HOME': pip_cuda_home,
                      'TORCH_CUDA_ARCH_LIST': '9.0', 'MAX_JOBS': '2'})
    built = result.stdout.split()
    assert built[:2] == ['built', 'True']
    library = built[2]
    # the cubin inside is for sm_90 and holds the kernel
    tools = tmp_path / 'cuobjdump'
    major = TORCH_CUDA.split('.')[0]
    pip_target(tools, f'nvidia-cuda-cuobjdump=={major}.*')
    cuobjdump = next(
        osp.join(root, name) for root, _, names in os.walk(tools)
        for name in names if name == 'cuobjdump')
    elf = run([cuobjdump, '--list-elf', library]).stdout
    assert 'sm_90' in elf, elf
    symbols = run([cuobjdump, '--dump-elf-symbols', library]).stdout
    assert 'add_one_kernel' in symbols


def test_dropped_architecture_is_named(pip_cuda_home, cache):
    result = run(['bash', osp.join(INSTALL, 'cuda_home.sh'), sys.executable],
                 env={'DIST_KD_MM_CACHE': cache,
                      'DIST_KD_MM_CUDA_TOOLKIT': 'pip', 'CUDA_ARCHS': '6.0'},
                 expect_ok=False)
    assert 'cannot build for architecture 6.0 (sm_60)' in result.stderr
    assert 'dropped' in result.stderr and 'CUDA_ARCHS' in result.stderr


def test_cuda_home_of_another_major_version_is_refused(tmp_path):
    # NVIDIA's CUDA 12 wheels carry no nvcc, so a stand-in answers
    # `nvcc --version` as CUDA 12.8 (or 13.0 for a CUDA 12 torch) does
    other = '12.8' if not TORCH_CUDA.startswith('12.') else '13.0'
    nvcc = tmp_path / 'bin' / 'nvcc'
    nvcc.parent.mkdir()
    nvcc.write_text('#!/bin/sh\necho "Cuda compilation tools, release '
                    f'{other}, V{other}.1"\n')
    nvcc.chmod(0o755)
    result = run(['bash', osp.join(INSTALL, 'cuda_home.sh'), sys.executable],
                 env={'CUDA_HOME': str(tmp_path)}, expect_ok=False)
    assert f'holds nvcc {other}, but torch is built with CUDA {TORCH_CUDA}' \
        in result.stderr
    assert 'unset it' in result.stderr


def test_host_compiler_refused_by_nvcc_is_named(pip_cuda_home, tmp_path):
    # gcc as nvcc's host-compiler check sees a gcc 16 (newer than CUDA 13
    # and 12 accept)
    for name in ('gcc', 'g++'):
        wrapper = tmp_path / name
        wrapper.write_text(f'#!/bin/sh\nexec /usr/bin/{name} '
                           '-U__GNUC__ -D__GNUC__=16 "$@"\n')
        wrapper.chmod(0o755)
    result = run(['bash', osp.join(INSTALL, 'cuda_home.sh'), sys.executable],
                 env={'CUDA_HOME': pip_cuda_home, 'CUDA_ARCHS': '9.0',
                      'PATH': f'{tmp_path}:{os.environ["PATH"]}'},
                 expect_ok=False)
    assert 'refuses the host compiler' in result.stderr
    assert 'unsupported GNU version' in result.stderr


def test_force_cuda_without_gpu_or_architectures_stops_the_build():
    # no GPU visible to torch, on any machine
    env = {'FORCE_CUDA': '1', 'CUDA_ARCHS': '', 'TORCH_CUDA_ARCH_LIST': '',
           'CUDA_VISIBLE_DEVICES': ''}
    for script in ('build_mmcv.sh', 'build_torchsort.sh'):
        result = run(['bash', osp.join(INSTALL, script), sys.executable],
                     env=env, expect_ok=False)
        assert 'torch sees no GPU and no architecture list' in result.stderr
        assert 'CUDA_ARCHS="8.0 9.0"' in result.stderr


def test_find_python():
    found = run(['bash', osp.join(INSTALL, 'find_python.sh'),
                 sys.executable]).stdout.strip()
    assert osp.realpath(found) == osp.realpath(sys.executable)
    missing = run(['bash', osp.join(INSTALL, 'find_python.sh'),
                   'python3.99'], expect_ok=False)
    assert "no Python interpreter 'python3.99'" in missing.stderr


def test_torchvision_pairs_with_torch():
    pairs = {'2.11.0': '0.26.*', '2.14.1': '0.29.1', '2.15.0': '0.29.2'}
    for torch_version, torchvision in pairs.items():
        printed = run(['bash', osp.join(INSTALL, 'torchvision_for.sh'),
                       torch_version]).stdout.strip()
        assert printed == torchvision, torch_version


def test_make_gives_each_python_and_torch_its_own_venv():
    dry = run(['make', '--no-print-directory', '-n', 'install',
               'PYTHON=python3.12', 'TORCH=2.15.0']).stdout
    venv = '.venv-python3.12-torch2.15.0'
    assert f'-m venv {venv}' in dry
    assert "'2.15.0' '0.29.2'" in dry  # torch and torchvision pins
    assert f'{venv}/bin/python -m pip' in dry
