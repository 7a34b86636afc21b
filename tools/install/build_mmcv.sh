#!/usr/bin/env bash
# Build (once) and install mmcv with its compiled ops into a virtual environment.
#
# mmcv 2.1.0 ships only as a source distribution. It must be compiled against
# the torch that is already installed (no build isolation). Its setup.py forces
# -std=c++17; torch >= 2.14 headers require C++20, so the standard is chosen by
# torch's version. The ops are built for CUDA when torch sees a GPU or an
# architecture list is given (tools/install/cuda_build.sh; no system CUDA
# toolkit needed), for the CPU otherwise. The built wheel is cached
# (tools/install/wheel_cache.sh) under a key made of the mmcv version, the torch
# version, the Python tag and the build flags (CUDA architectures, nvcc
# release, C++ standard).
#
# Usage: build_mmcv.sh PYTHON [MMCV_VERSION]
#   PYTHON        the venv's python (torch, setuptools<80, wheel, ninja installed)
#   MMCV_VERSION  default 2.1.0
# Environment:
#   DIST_KD_MM_CACHE      cache root (default: ${XDG_CACHE_HOME:-~/.cache}/dist_kd_mm)
#   CUDA_ARCHS or TORCH_CUDA_ARCH_LIST, FORCE_CUDA, CUDA_HOME: see cuda_build.sh
#   MAX_JOBS              parallel compile jobs (default: all cores)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/wheel_cache.sh"
source "$(dirname "${BASH_SOURCE[0]}")/cuda_build.sh"

python=$(python_of "${1:?usage: build_mmcv.sh PYTHON [MMCV_VERSION]}")
mmcv_version=${2:-2.1.0}
cxx_std=$(torch_cxx_std "$python")
cuda_build_env "$python"
if [ "$BUILD_CUDA" = 1 ]; then
    flags="ops1-cuda1-arch${TORCH_CUDA_ARCH_LIST}-${cxx_std}-nvcc$(nvcc_release "$CUDA_HOME")"
else
    flags="ops1-cuda0-archnone-${cxx_std}"
fi
key=$(build_key "$python" "mmcv${mmcv_version}" "$flags")

has_ops() {
    "$python" -c 'import mmcv, mmcv.ops, mmcv._ext; from mmcv.ops import nms, RoIAlign' >/dev/null 2>&1 || return 1
    # a CUDA build reports its CUDA version, a CPU build 'not available'
    [ "$BUILD_CUDA" = 0 ] || [ "$("$python" -c 'from mmcv.ops import get_compiling_cuda_version as v; print(v())' \
        2>/dev/null)" != "not available" ]
}

build_mmcv() {
    local work=$1 src built
    echo "Building mmcv $mmcv_version with ops (key $key)."
    if [ "$BUILD_CUDA" = 1 ]; then
        echo "This compiles 136 sources (58 CUDA); about 4,100 CPU-seconds per architecture (docs/install.md)."
    else
        echo "This compiles 77 C++ sources, about 20 minutes on 2 cores."
    fi
    src=$(fetch_sdist "$python" mmcv "$mmcv_version" "$work")
    if [ "$cxx_std" != c++17 ]; then
        sed -i "s/-std=c++17/-std=${cxx_std}/g" "$src/setup.py"
        grep -q -- "-std=${cxx_std}" "$src/setup.py" || { echo "error: could not set -std=${cxx_std} in mmcv's setup.py" >&2; exit 1; }
    fi
    (cd "$src" && MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
        "$python" -m pip wheel --no-deps --no-build-isolation -w "$work/dist" . \
        2>&1 | { grep -v 'is ignored: it is neither' || true; })
    built=$(ls "$work"/dist/mmcv-"$mmcv_version"-*.whl)
    case "$built" in
        *-none-any.whl)
            echo "error: the mmcv build produced a pure-Python wheel ($built): no compiled ops." >&2
            exit 1 ;;
    esac
}

install_cached_wheel "$python" mmcv "$mmcv_version" "$key" has_ops build_mmcv
