#!/usr/bin/env bash
# Build (once) and install torchsort (differentiable sorting and ranking, used
# by dist_kd_mm.CMKDLoss) into a virtual environment.
#
# torchsort ships only as a source distribution with a C++ extension that
# must be compiled against the installed torch (no build isolation; torch's
# cpp_extension passes -std=c++20, which torch >= 2.14 headers need). Its
# setup.py builds a CUDA extension whenever an `nvcc` command runs, which
# fails on a machine with a CUDA toolkit but no GPU (torch finds no
# architecture to compile for). So the CUDA extension is built only when torch
# sees a GPU or FORCE_CUDA=1 (with TORCH_CUDA_ARCH_LIST); otherwise the build
# runs with a PATH without nvcc. The wheel is cached like mmcv's
# (tools/install/wheel_cache.sh), keyed by torchsort, torch, Python and the
# CUDA flag.
#
# Usage: build_torchsort.sh PYTHON [TORCHSORT_VERSION]
# Environment: DIST_KD_MM_CACHE (cache root), FORCE_CUDA, TORCH_CUDA_ARCH_LIST
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/wheel_cache.sh"

python=$(python_of "${1:?usage: build_torchsort.sh PYTHON [TORCHSORT_VERSION]}")
version=${2:-0.1.10}

build_path=$PATH
cuda=${FORCE_CUDA:-0}
if [ "$cuda" != 1 ] && "$python" -c 'import sys, torch; sys.exit(not torch.cuda.is_available())'; then
    cuda=1
fi
if [ "$cuda" != 1 ]; then
    # drop every PATH entry that holds an nvcc
    build_path=$(tr ':' '\n' <<<"$PATH" | while read -r dir; do
        [ -n "$dir" ] && [ ! -e "$dir/nvcc" ] && printf '%s:' "$dir"; done)
    build_path=${build_path%:}
fi
key=$(build_key "$python" "torchsort${version}" "cuda${cuda}")

works() {
    "$python" -c 'import torch, torchsort; torchsort.soft_rank(torch.rand(2, 5))' >/dev/null 2>&1
}

build_torchsort() {
    local work=$1 src
    echo "Building torchsort $version (key $key), about 2 minutes."
    src=$(fetch_sdist "$python" torchsort "$version" "$work")
    (cd "$src" && PATH=$build_path \
        "$python" -m pip wheel --quiet --no-deps --no-build-isolation -w "$work/dist" . \
        2>&1 | { grep -v 'is ignored: it is neither' || true; })
}

install_cached_wheel "$python" torchsort "$version" "$key" works build_torchsort
