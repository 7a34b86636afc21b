#!/usr/bin/env bash
# Shared by build_mmcv.sh and build_torchsort.sh (sourced, not run): build a
# package's wheel from its sdist once, cache it outside the clone, install it
# into the venv, and verify it.
#
# The cache is ${DIST_KD_MM_CACHE:-~/.cache/dist_kd_mm}/wheels/<key>/, where
# the key holds what the build depends on (package and torch versions,
# Python tag, build flags): pip's own cache would reuse a wheel compiled
# against another torch. The venv records the key it holds, so a second run
# installs nothing.

# python_of ARG: ARG as an absolute path
python_of() {
    case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac
}

# build_key PYTHON PREFIX FLAGS: PREFIX-torch<version>-cp<XY>-FLAGS
build_key() {
    local torch_version py_tag
    torch_version=$("$1" -c 'import torch; print(torch.__version__)')
    py_tag=$("$1" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
    echo "$2-torch${torch_version}-${py_tag}-${3// /_}"
}

# torch_cxx_std PYTHON: the C++ standard torch's headers need (c++20 from
# torch 2.14 on, which stops older standards with an #error; c++17 before)
torch_cxx_std() {
    "$1" -c 'import torch
major, minor = (int(p) for p in torch.__version__.split(".")[:2])
print("c++20" if (major, minor) >= (2, 14) else "c++17")'
}

# nvcc_release HOME: the CUDA release of HOME/bin/nvcc (e.g. 13.0), or nothing
nvcc_release() {
    [ -x "$1/bin/nvcc" ] || return 0
    "$1/bin/nvcc" --version 2>/dev/null | sed -n 's/.*release \([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' | head -n 1
}

# fetch_sdist PYTHON NAME VERSION DIR: unpack NAME==VERSION's sdist in DIR and
# print the source folder
fetch_sdist() {
    "$1" -m pip download --quiet --no-deps --no-build-isolation --no-binary :all: \
        "$2==$3" -d "$4" 2>&1 | { grep -v 'is ignored: it is neither' >&2 || true; }
    tar -xzf "$4/$2-$3.tar.gz" -C "$4"
    echo "$4/$2-$3"
}

# strip_wheel PYTHON WHEEL: remove the debug sections of the wheel's shared
# libraries, in place (mmcv's build keeps them: its CUDA _ext is 109 MB with
# them, 27 MB without; its wheel 37.8 MB, then 5.5 MB). `wheel pack` rewrites
# the RECORD. Without `strip` (binutils) the wheel is left as it is.
strip_wheel() {
    local python=$1 wheel=$2 work
    command -v strip >/dev/null || { echo "strip not found: $wheel keeps its debug sections" >&2; return 0; }
    work=$(mktemp -d)
    "$python" -m wheel unpack -d "$work" "$wheel" >/dev/null
    find "$work" -name '*.so' -exec strip --strip-debug {} +
    rm "$wheel"
    "$python" -m wheel pack -d "$(dirname "$wheel")" "$work"/*/ >/dev/null
    rm -rf "$work"
}

# install_cached_wheel PYTHON NAME VERSION KEY CHECK BUILD
#   CHECK: a command that succeeds when the installed package works
#   BUILD WORKDIR: a function that writes the wheel into WORKDIR/dist
install_cached_wheel() {
    local python=$1 name=$2 version=$3 key=$4 check=$5 build=$6
    local cache_root=${DIST_KD_MM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dist_kd_mm}
    local wheel_dir="$cache_root/wheels/$key" wheel built work
    local key_file
    key_file="$("$python" -c 'import sys; print(sys.prefix)')/$name-build-key"
    if [ "$(cat "$key_file" 2>/dev/null)" = "$key" ] && $check; then
        echo "$name $version already installed ($key)"
        return 0
    fi
    wheel=$(ls "$wheel_dir/$name-$version"-*.whl 2>/dev/null | head -n 1 || true)
    if [ -z "$wheel" ]; then
        work=$(mktemp -d)
        # shellcheck disable=SC2064
        trap "rm -rf '$work'" EXIT
        "$build" "$work"
        built=$(ls "$work/dist/$name-$version"-*.whl)
        strip_wheel "$python" "$built"
        mkdir -p "$wheel_dir"
        cp "$built" "$wheel_dir/"
        wheel="$wheel_dir/$(basename "$built")"
        echo "Cached $wheel"
    fi
    "$python" -m pip install --quiet --no-deps --force-reinstall "$wheel" 2>&1 \
        | { grep -v 'is ignored: it is neither' || true; }
    if ! $check; then
        echo "error: $name from $wheel installed, but its check fails" >&2
        return 1
    fi
    echo "$key" > "$key_file"
    echo "$name $version installed from $wheel"
}
