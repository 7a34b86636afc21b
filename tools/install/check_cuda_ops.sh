#!/usr/bin/env bash
# Show that the venv of PYTHON holds CUDA ops, without a GPU: mmcv's and
# torchsort's compiled libraries are read with NVIDIA's cuobjdump (pip wheel
# nvidia-cuda-cuobjdump of torch's CUDA major version, installed into
# ${DIST_KD_MM_CACHE:-~/.cache/dist_kd_mm}/cuda/, never into the venv).
#
# Prints, per library, the architectures of its cubins and whether the
# kernels that mmdet and CMKDLoss need are among them (mmcv: nms and
# roi_align; torchsort: the isotonic regression); exits non-zero when any is
# missing.
#
# Usage: check_cuda_ops.sh PYTHON
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/wheel_cache.sh"

python=$(python_of "${1:?usage: check_cuda_ops.sh PYTHON}")
cache_root=${DIST_KD_MM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dist_kd_mm}
major=$("$python" -c 'import torch; print((torch.version.cuda or "none").split(".")[0])')
[ "$major" != none ] || { echo "check_cuda_ops.sh: error: the torch of $python is a CPU-only build" >&2; exit 1; }

tools="$cache_root/cuda/cuobjdump-$major"
mkdir -p "$cache_root/cuda"
if [ ! -e "$tools/.complete" ]; then
    rm -rf "$tools"
    if ! "$python" -m pip install --quiet --disable-pip-version-check --no-deps --target "$tools" \
            "nvidia-cuda-cuobjdump==$major.*" > "$tools.log" 2>&1; then
        grep -v 'is ignored: it is neither' "$tools.log" >&2 || true
        echo "check_cuda_ops.sh: error: pip could not install nvidia-cuda-cuobjdump==$major.*" >&2
        exit 1
    fi
    touch "$tools/.complete"
fi
cuobjdump=$(find "$tools" -name cuobjdump -type f | head -n 1)
[ -n "$cuobjdump" ] || { echo "check_cuda_ops.sh: error: no cuobjdump in $tools" >&2; exit 1; }

status=0
# check LIBRARY LABEL KERNEL...: the cubins' architectures and the kernels
check() {
    local library=$1 label=$2 archs symbols kernel
    shift 2
    archs=$("$cuobjdump" --list-elf "$library" 2>/dev/null | grep -o 'sm_[0-9]*[af]\?' | sort -u | xargs || true)
    symbols=$("$cuobjdump" --dump-elf-symbols "$library" 2>/dev/null || true)
    echo "$label: $library"
    echo "  cubin architectures: ${archs:-none}"
    [ -n "$archs" ] || status=1
    for kernel in "$@"; do
        if grep -q "$kernel" <<<"$symbols"; then
            echo "  kernel $kernel: present"
        else
            echo "  kernel $kernel: MISSING"
            status=1
        fi
    done
}

mmcv_ext=$("$python" -c 'import mmcv._ext as e; print(e.__file__)')
echo "mmcv compiled with CUDA $("$python" -c 'from mmcv.ops import get_compiling_cuda_version as v; print(v())')"
check "$mmcv_ext" "mmcv._ext" nms_cuda roi_align_forward_cuda roi_align_backward_cuda
if sort_ext=$("$python" -c 'import torchsort.isotonic_cuda as e; print(e.__file__)' 2>/dev/null); then
    check "$sort_ext" "torchsort.isotonic_cuda" isotonic_l2_kernel isotonic_kl_kernel
else
    echo "torchsort.isotonic_cuda: not built (CMKDLoss cannot run on CUDA tensors)"
    status=1
fi
exit $status
