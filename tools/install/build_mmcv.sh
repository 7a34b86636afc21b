#!/usr/bin/env bash
# Build (once) and install mmcv with its compiled ops into a virtual environment.
#
# mmcv 2.1.0 ships only as a source distribution. It must be compiled against
# the torch that is already installed (no build isolation), and its setup.py
# forces -std=c++17 while torch >= 2.14 headers require C++20. The built wheel
# is cached outside the clone under a key made of the mmcv version, the torch
# version, the Python tag and the build flags, because pip's own cache would
# reuse a wheel compiled against another torch.
#
# Usage: build_mmcv.sh PYTHON [MMCV_VERSION]
#   PYTHON        the venv's python (torch, setuptools<82, wheel, ninja installed)
#   MMCV_VERSION  default 2.1.0
# Environment:
#   DIST_KD_MM_CACHE      cache root (default: ${XDG_CACHE_HOME:-~/.cache}/dist_kd_mm)
#   FORCE_CUDA, TORCH_CUDA_ARCH_LIST, MAX_JOBS   passed to mmcv's setup.py
set -euo pipefail

python=${1:?usage: build_mmcv.sh PYTHON [MMCV_VERSION]}
case "$python" in /*) ;; *) python="$PWD/$python" ;; esac
mmcv_version=${2:-2.1.0}
cache_root=${DIST_KD_MM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dist_kd_mm}
cxx_std=c++20

torch_version=$("$python" -c 'import torch; print(torch.__version__)')
py_tag=$("$python" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
flags="ops1-cuda${FORCE_CUDA:-0}-arch${TORCH_CUDA_ARCH_LIST:-none}-${cxx_std}"
key="mmcv${mmcv_version}-torch${torch_version}-${py_tag}-${flags// /_}"
wheel_dir="$cache_root/wheels/$key"

# the venv records which build it holds, so a second run installs nothing
installed_key_file="$("$python" -c 'import sys; print(sys.prefix)')/mmcv-build-key"

has_ops() {
    "$python" -c 'import mmcv, mmcv.ops, mmcv._ext; from mmcv.ops import nms, RoIAlign' >/dev/null 2>&1
}

if [ "$(cat "$installed_key_file" 2>/dev/null)" = "$key" ] && has_ops; then
    echo "mmcv $mmcv_version with compiled ops already installed ($key)"
    exit 0
fi

wheel=$(ls "$wheel_dir"/mmcv-"$mmcv_version"-*.whl 2>/dev/null | head -n 1 || true)
if [ -z "$wheel" ]; then
    echo "Building mmcv $mmcv_version with ops against torch $torch_version (key $key)."
    echo "This compiles about 80 C++ sources and takes roughly 20 minutes on 2 cores."
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    "$python" -m pip download --quiet --no-deps --no-build-isolation --no-binary :all: \
        "mmcv==$mmcv_version" -d "$work" 2>&1 | grep -v 'is ignored: it is neither' || true
    tar -xzf "$work/mmcv-$mmcv_version.tar.gz" -C "$work"
    src="$work/mmcv-$mmcv_version"
    sed -i "s/-std=c++17/-std=${cxx_std}/g" "$src/setup.py"
    grep -q -- "-std=${cxx_std}" "$src/setup.py" || { echo "error: could not set -std=${cxx_std} in mmcv's setup.py" >&2; exit 1; }
    (cd "$src" && MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
        "$python" -m pip wheel --no-deps --no-build-isolation -w "$work/dist" . \
        2>&1 | grep -v 'is ignored: it is neither')
    built=$(ls "$work"/dist/mmcv-"$mmcv_version"-*.whl)
    case "$built" in
        *-none-any.whl)
            echo "error: the mmcv build produced a pure-Python wheel ($built): no compiled ops." >&2
            exit 1 ;;
    esac
    mkdir -p "$wheel_dir"
    cp "$built" "$wheel_dir/"
    wheel="$wheel_dir/$(basename "$built")"
    echo "Cached $wheel"
fi

"$python" -m pip install --quiet --no-deps --force-reinstall "$wheel" 2>&1 | grep -v 'is ignored: it is neither' || true
if ! has_ops; then
    echo "error: mmcv from $wheel installed, but 'import mmcv._ext' / mmcv.ops failed:" >&2
    "$python" -c 'import mmcv._ext' >&2 || true
    exit 1
fi
echo "$key" > "$installed_key_file"
echo "mmcv $mmcv_version with compiled ops installed from $wheel"
