#!/usr/bin/env bash
# Fill DIR, on a machine with the package registry, with what a machine
# without network needs to install dist_kd_mm into the torch it already has
# (tools/install/install_offline.sh DIR there):
#   wheels/   this package's wheel, the OpenMMLab packages, openmim and their
#             dependencies, for the target's Python (requirements.txt lists
#             them: tools/install/offline_requirements.py)
#   sources/  mmcv's and torchsort's source distributions (they exist only as
#             sources), built there for its GPU when no wheel below fits
#   cache/    with TORCH_VERSION: mmcv's and torchsort's wheels built here for
#             that Python and torch (make install PYTHON=pythonX.Y TORCH=...,
#             with CUDA ops for CUDA_ARCHS when it is set; cached), debug
#             sections stripped, in the layout of tools/install/wheel_cache.sh
# Never torch, torchvision or NVIDIA's libraries, nor the scientific stack a
# machine with torch has (numpy, scipy, matplotlib, opencv, Pillow, pandas,
# pytest), which install_offline.sh checks. Prints DIR's size.
#
# Usage: prepare_offline.sh DIR PYTHON_VERSION [TORCH_VERSION]
#   e.g. CUDA_ARCHS=9.0 prepare_offline.sh offline 3.12 2.11.0
# Environment: CUDA_ARCHS (e.g. "8.0 9.0"; see cuda_build.sh),
#   DIST_KD_MM_CUDA_TOOLKIT, DIST_KD_MM_CACHE (passed to the build)
set -euo pipefail
usage="usage: prepare_offline.sh DIR PYTHON_VERSION [TORCH_VERSION]"
dir=${1:?$usage}
python_version=${2:?$usage}
torch_version=${3:-}
[[ "$python_version" =~ ^3\.[0-9]+$ ]] || { echo "prepare_offline.sh: PYTHON_VERSION must be like 3.12, got '$python_version'" >&2; exit 1; }
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$repo/tools/install/wheel_cache.sh"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
rm -rf "$dir/wheels" "$dir/sources" "$dir/cache"
mkdir -p "$dir/wheels" "$dir/sources"
host=$(bash "$repo/tools/install/find_python.sh" python3)
# this clone's venv builds the wheel (setuptools < 80, wheel) and reads the
# metadata of mmcv's and torchsort's sources (their setup.py imports torch)
builder=$repo/.venv/bin/python
[ -x "$builder" ] || { echo "prepare_offline.sh: run make install first (it makes $builder)" >&2; exit 1; }
pip() { "$builder" -m pip --disable-pip-version-check --no-input "$@" 2>&1 \
    | { grep -v 'is ignored: it is neither' || true; }; return "${PIPESTATUS[0]}"; }

echo "== this package's wheel"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# from a copy: building a wheel replaces the .mim links of the clone by copies
(cd "$repo" && git ls-files -co --exclude-standard -z | tar --null -T - -cf - ) \
    | tar -xf - -C "$work"
(cd "$work" && pip wheel --quiet --no-deps --no-build-isolation -w "$dir/wheels" .)

echo "== the OpenMMLab packages and their dependencies, for Python $python_version"
target=(--only-binary=:all: --implementation cp --python-version "$python_version"
        --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64
        --platform manylinux2014_x86_64)
pip install --quiet --dry-run --ignore-installed --target "$work/target" \
    --report "$work/report.json" "${target[@]}" -r "$repo/requirements/runtime.txt" \
    -r "$repo/requirements/mim_deps.txt"
"$builder" "$repo/tools/install/offline_requirements.py" "$work/report.json" \
    > "$dir/requirements.txt"
pip download --quiet --no-deps "${target[@]}" -d "$dir/wheels" \
    -r "$dir/requirements.txt" -r "$repo/requirements/mim.txt" \
    -r "$repo/requirements/offline.txt"

echo "== mmcv's and torchsort's sources"
pip download --quiet --no-deps --no-build-isolation --no-binary :all: \
    mmcv==2.1.0 torchsort==0.1.10 -d "$dir/sources"

if [ -n "$torch_version" ]; then
    echo "== mmcv's and torchsort's wheels for Python $python_version, torch $torch_version${CUDA_ARCHS:+, CUDA $CUDA_ARCHS}"
    python_name=python$python_version
    # the default pair's venv is .venv (the Makefile's rule)
    if [ "$("$host" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" = "$python_version" ]; then
        python_name=python3
    fi
    make -C "$repo" --no-print-directory install PYTHON="$python_name" TORCH="$torch_version"
    venv=$(make -C "$repo" --no-print-directory -s print-venv PYTHON="$python_name" TORCH="$torch_version")
    cache_root=${DIST_KD_MM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dist_kd_mm}
    for name in mmcv torchsort; do
        key=$(cat "$repo/$venv/$name-build-key")
        mkdir -p "$dir/cache/wheels/$key"
        cp "$cache_root/wheels/$key"/*.whl "$dir/cache/wheels/$key/"
        for wheel in "$dir/cache/wheels/$key"/*.whl; do
            strip_wheel "$repo/$venv/bin/python" "$wheel"
        done
        echo "$key"
    done
fi

echo "== $dir: $(du -sh "$dir" | cut -f1) ($(du -sb "$dir" | cut -f1) bytes), $(find "$dir" -name '*.whl' -o -name '*.tar.gz' | wc -l) files"
