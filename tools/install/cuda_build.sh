#!/usr/bin/env bash
# Shared by build_mmcv.sh and build_torchsort.sh (sourced, not run): decide
# whether an extension is built with CUDA ops, and for which architectures.
#
# cuda_build_env PYTHON sets BUILD_CUDA and, for a CUDA build, exports
# FORCE_CUDA=1, TORCH_CUDA_ARCH_LIST, CUDA_HOME and PATH (nvcc first):
#   - CUDA_ARCHS (e.g. "8.0 9.0") or TORCH_CUDA_ARCH_LIST given: a CUDA build
#     for those architectures, with or without a GPU on this machine;
#   - otherwise, torch sees GPUs: a CUDA build for their architectures;
#   - otherwise a CPU build (BUILD_CUDA=0). FORCE_CUDA=1 without an
#     architecture list is then an error; FORCE_CUDA=0 forces a CPU build.
# CUDA_HOME comes from tools/install/cuda_home.sh (no system toolkit needed).

cuda_build_env() {
    local python=$1 archs visible
    BUILD_CUDA=0
    if [ "${FORCE_CUDA:-}" = 0 ]; then
        return 0
    fi
    archs=$(tr ';,' '  ' <<<"${CUDA_ARCHS:-${TORCH_CUDA_ARCH_LIST:-}}" | xargs)
    visible=$("$python" - <<'EOF'
import torch
if torch.version.cuda and torch.cuda.is_available():
    caps = {torch.cuda.get_device_capability(i) for i in range(torch.cuda.device_count())}
    print(' '.join('%d.%d' % cap for cap in sorted(caps)))
EOF
    )
    if [ -z "$archs" ] && [ -z "$visible" ]; then
        if [ "${FORCE_CUDA:-}" = 1 ]; then
            echo "error: FORCE_CUDA=1, but torch sees no GPU and no architecture list is given:" \
                "set CUDA_ARCHS to the compute capabilities to build for, e.g. CUDA_ARCHS=\"8.0 9.0\"" >&2
            return 1
        fi
        return 0
    fi
    TORCH_CUDA_ARCH_LIST=${archs:-$visible}
    export TORCH_CUDA_ARCH_LIST
    local home
    home=$(bash "$(dirname "${BASH_SOURCE[0]}")/cuda_home.sh" "$python" | tail -n 1) || return 1
    export CUDA_HOME=$home FORCE_CUDA=1 PATH="$home/bin:$PATH"
    BUILD_CUDA=1
    echo "CUDA build for architectures $TORCH_CUDA_ARCH_LIST with $CUDA_HOME/bin/nvcc" \
        "($(nvcc_release "$CUDA_HOME"))"
}
