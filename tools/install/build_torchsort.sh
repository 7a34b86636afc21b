#!/usr/bin/env bash
# Build (once) and install torchsort (differentiable sorting and ranking, used
# by dist_kd_mm.CMKDLoss) into a virtual environment.
#
# torchsort ships only as a source distribution with a C++ extension that
# must be compiled against the installed torch (no build isolation; torch's
# cpp_extension passes the C++ standard that torch's headers need). Its
# setup.py adds a CUDA extension (isotonic regression on the GPU) whenever an
# `nvcc` command runs. So the CUDA extension is built exactly when
# tools/install/cuda_build.sh says so (torch sees a GPU, or an architecture
# list is given), with its CUDA_HOME's nvcc first on PATH; otherwise the build
# runs with a PATH without nvcc. The wheel is cached like mmcv's
# (tools/install/wheel_cache.sh), keyed by torchsort, torch, Python and the
# CUDA flags.
#
# Usage: build_torchsort.sh PYTHON [TORCHSORT_VERSION]
# Environment: DIST_KD_MM_CACHE (cache root); CUDA_ARCHS or
#   TORCH_CUDA_ARCH_LIST, FORCE_CUDA, CUDA_HOME: see cuda_build.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/wheel_cache.sh"
source "$(dirname "${BASH_SOURCE[0]}")/cuda_build.sh"

python=$(python_of "${1:?usage: build_torchsort.sh PYTHON [TORCHSORT_VERSION]}")
version=${2:-0.1.10}

cuda_build_env "$python"
build_path=$PATH
if [ "$BUILD_CUDA" = 1 ]; then
    key=$(build_key "$python" "torchsort${version}" "cuda1-arch${TORCH_CUDA_ARCH_LIST}-nvcc$(nvcc_release "$CUDA_HOME")")
else
    # drop every PATH entry that holds an nvcc
    build_path=$(tr ':' '\n' <<<"$PATH" | while read -r dir; do
        [ -n "$dir" ] && [ ! -e "$dir/nvcc" ] && printf '%s:' "$dir"; done)
    build_path=${build_path%:}
    key=$(build_key "$python" "torchsort${version}" "cuda0")
fi

works() {
    "$python" -c 'import torch, torchsort; torchsort.soft_rank(torch.rand(2, 5))' >/dev/null 2>&1 || return 1
    # a CUDA build has the extension that CUDA tensors need
    [ "$BUILD_CUDA" = 0 ] || "$python" -c 'import torchsort.isotonic_cuda' >/dev/null 2>&1
}

build_torchsort() {
    local work=$1 src
    echo "Building torchsort $version (key $key), about 2 minutes (CPU) or 5 (with CUDA)."
    src=$(fetch_sdist "$python" torchsort "$version" "$work")
    (cd "$src" && PATH=$build_path \
        "$python" -m pip wheel --quiet --no-deps --no-build-isolation -w "$work/dist" . \
        2>&1 | { grep -v 'is ignored: it is neither' || true; })
}

install_cached_wheel "$python" torchsort "$version" "$key" works build_torchsort
