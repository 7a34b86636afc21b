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
# runs with a PATH without nvcc. The wheel is cached like mmcv's, keyed by
# torchsort, torch, Python and the CUDA flag.
#
# Usage: build_torchsort.sh PYTHON [TORCHSORT_VERSION]
# Environment: DIST_KD_MM_CACHE (cache root, as for build_mmcv.sh),
#   FORCE_CUDA, TORCH_CUDA_ARCH_LIST
set -euo pipefail

python=${1:?usage: build_torchsort.sh PYTHON [TORCHSORT_VERSION]}
case "$python" in /*) ;; *) python="$PWD/$python" ;; esac
version=${2:-0.1.10}
cache_root=${DIST_KD_MM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dist_kd_mm}

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

torch_version=$("$python" -c 'import torch; print(torch.__version__)')
py_tag=$("$python" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
key="torchsort${version}-torch${torch_version}-${py_tag}-cuda${cuda}"
wheel_dir="$cache_root/wheels/$key"
installed_key_file="$("$python" -c 'import sys; print(sys.prefix)')/torchsort-build-key"

works() {
    "$python" -c 'import torch, torchsort; torchsort.soft_rank(torch.rand(2, 5))' >/dev/null 2>&1
}

if [ "$(cat "$installed_key_file" 2>/dev/null)" = "$key" ] && works; then
    echo "torchsort $version already installed ($key)"
    exit 0
fi

wheel=$(ls "$wheel_dir"/torchsort-"$version"-*.whl 2>/dev/null | head -n 1 || true)
if [ -z "$wheel" ]; then
    echo "Building torchsort $version against torch $torch_version (key $key), about 2 minutes."
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    "$python" -m pip download --quiet --no-deps --no-build-isolation --no-binary :all: \
        "torchsort==$version" -d "$work" 2>&1 | grep -v 'is ignored: it is neither' || true
    tar -xzf "$work/torchsort-$version.tar.gz" -C "$work"
    (cd "$work/torchsort-$version" && PATH=$build_path \
        "$python" -m pip wheel --quiet --no-deps --no-build-isolation -w "$work/dist" . \
        2>&1 | { grep -v 'is ignored: it is neither' || true; })
    built=$(ls "$work"/dist/torchsort-"$version"-*.whl)
    mkdir -p "$wheel_dir"
    cp "$built" "$wheel_dir/"
    wheel="$wheel_dir/$(basename "$built")"
    echo "Cached $wheel"
fi

"$python" -m pip install --quiet --no-deps --force-reinstall "$wheel" 2>&1 | grep -v 'is ignored: it is neither' || true
if ! works; then
    echo "error: torchsort from $wheel installed, but torchsort.soft_rank fails:" >&2
    "$python" -c 'import torch, torchsort; torchsort.soft_rank(torch.rand(2, 5))' >&2 || true
    exit 1
fi
echo "$key" > "$installed_key_file"
echo "torchsort $version installed from $wheel"
