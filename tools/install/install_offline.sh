#!/usr/bin/env bash
# Install dist_kd_mm from DIR (tools/install/prepare_offline.sh) into the
# environment of PYTHON, which has torch, without network (pip --no-index):
#   1. checks torch, torchvision and the scientific stack DIR does not
#      carry, and names what is missing;
#   2. installs DIR's wheels without their dependencies (setuptools < 80 only
#      where pkg_resources is missing);
#   3. installs mmcv and torchsort with their compiled ops: DIR's wheel where
#      one fits this Python, torch, and GPU, else built here from DIR's
#      sources on all cores, for this machine's GPU architectures only
#      (tools/install/build_mmcv.sh and build_torchsort.sh; CUDA_ARCHS
#      overrides), or for the CPU without a GPU;
#   4. imports every package and prints the versions and the ops' device.
#
# Usage: install_offline.sh DIR [PYTHON]   (PYTHON defaults to python3)
set -euo pipefail
usage="usage: install_offline.sh DIR [PYTHON]"
dir=$(cd "${1:?$usage}" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/wheel_cache.sh"
python=$(command -v "${2:-python3}" || true)
[ -n "$python" ] || { echo "install_offline.sh: ${2:-python3} not found" >&2; exit 1; }
[ -d "$dir/wheels" ] && [ -d "$dir/sources" ] \
    || { echo "install_offline.sh: $dir holds no wheels/ and sources/: make it with tools/install/prepare_offline.sh" >&2; exit 1; }
die() { echo "install_offline.sh: error: $*" >&2; exit 1; }

# never the network; DIR's cache holds the prepared mmcv and torchsort wheels
export PIP_NO_INDEX=1 PIP_FIND_LINKS="$dir/wheels $dir/sources" \
    PIP_DISABLE_PIP_VERSION_CHECK=1 DIST_KD_MM_CACHE="$dir/cache"
pip() { "$python" -m pip --no-input "$@" 2>&1 \
    | { grep -v 'is ignored: it is neither' || true; }; return "${PIPESTATUS[0]}"; }

echo "== 1. what must be there: torch, torchvision and the scientific stack"
"$python" -c 'import torch; print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, GPU: {torch.cuda.is_available()}")' \
    || die "$python cannot import torch: install this package into the Python that has the cluster's torch"
missing=$("$python" - <<'EOF'
import importlib.util
needed = dict(torchvision='torchvision (of the torch there)', numpy='numpy',
              scipy='scipy', matplotlib='matplotlib',
              cv2='opencv-python (or -headless)', PIL='Pillow',
              pandas='pandas', pytest='pytest')
print(' '.join(name for module, name in needed.items()
               if importlib.util.find_spec(module) is None))
EOF
)
[ -z "$missing" ] || die "missing from $python's environment, and not carried in $dir: $missing. Install them from the cluster's package mirror."

echo "== 2. DIR's wheels"
if ! "$python" -c 'import pkg_resources' >/dev/null 2>&1; then
    echo "pkg_resources is missing (setuptools >= 80): installing DIR's setuptools < 80"
    pip install --quiet --no-deps "$dir"/wheels/setuptools-*.whl
fi
wheels=$(ls "$dir"/wheels/*.whl | grep -v '/setuptools-')
# shellcheck disable=SC2086
pip install --quiet --no-deps $wheels

echo "== 3. mmcv and torchsort with their ops"
MAX_JOBS=${MAX_JOBS:-$(nproc)} bash "$here/build_mmcv.sh" "$python"
bash "$here/build_torchsort.sh" "$python"

echo "== 4. imports (from /, not from a clone)"
cd /
"$python" - <<'EOF'
import importlib
import torch
for name in ('mmengine', 'mmcv', 'mmdet', 'mmseg', 'mmpretrain', 'mmrazor',
             'torchsort', 'dist_kd_mm'):
    module = importlib.import_module(name)
    print(f'{name} {getattr(module, "__version__", "")} from {module.__file__}')
import dist_kd_mm, mmrazor.models, mmcv.ops, mmdet.models, mmseg.models, mmpretrain.models  # noqa
from mmcv.ops import get_compiling_cuda_version
print(f'mmcv ops compiled with CUDA: {get_compiling_cuda_version()}')
if torch.cuda.is_available():
    import torchsort.isotonic_cuda  # noqa: the CUDA soft ranks
print('install_offline.sh: all imports work')
EOF
