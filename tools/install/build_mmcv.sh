#!/usr/bin/env bash
# Build (once) and install mmcv with its compiled ops into a virtual environment.
#
# mmcv 2.1.0 ships only as a source distribution. It must be compiled against
# the torch that is already installed (no build isolation), and its setup.py
# forces -std=c++17 while torch >= 2.14 headers require C++20. The built wheel
# is cached (tools/install/wheel_cache.sh) under a key made of the mmcv
# version, the torch version, the Python tag and the build flags.
#
# Usage: build_mmcv.sh PYTHON [MMCV_VERSION]
#   PYTHON        the venv's python (torch, setuptools<82, wheel, ninja installed)
#   MMCV_VERSION  default 2.1.0
# Environment:
#   DIST_KD_MM_CACHE      cache root (default: ${XDG_CACHE_HOME:-~/.cache}/dist_kd_mm)
#   FORCE_CUDA, TORCH_CUDA_ARCH_LIST, MAX_JOBS   passed to mmcv's setup.py
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/wheel_cache.sh"

python=$(python_of "${1:?usage: build_mmcv.sh PYTHON [MMCV_VERSION]}")
mmcv_version=${2:-2.1.0}
cxx_std=c++20
key=$(build_key "$python" "mmcv${mmcv_version}" \
    "ops1-cuda${FORCE_CUDA:-0}-arch${TORCH_CUDA_ARCH_LIST:-none}-${cxx_std}")

has_ops() {
    "$python" -c 'import mmcv, mmcv.ops, mmcv._ext; from mmcv.ops import nms, RoIAlign' >/dev/null 2>&1
}

build_mmcv() {
    local work=$1 src built
    echo "Building mmcv $mmcv_version with ops (key $key)."
    echo "This compiles about 80 C++ sources and takes roughly 20 minutes on 2 cores."
    src=$(fetch_sdist "$python" mmcv "$mmcv_version" "$work")
    sed -i "s/-std=c++17/-std=${cxx_std}/g" "$src/setup.py"
    grep -q -- "-std=${cxx_std}" "$src/setup.py" || { echo "error: could not set -std=${cxx_std} in mmcv's setup.py" >&2; exit 1; }
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
