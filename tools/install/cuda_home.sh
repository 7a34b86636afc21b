#!/usr/bin/env bash
# Find or prepare a CUDA toolkit for the torch of PYTHON, and print the
# CUDA_HOME to build its extensions with as the last line.
#
# torch is linked against one CUDA version (torch.version.cuda); nvcc must be
# of the same major version. In order:
#   1. $CUDA_HOME, when set: used as it is, and an error if its nvcc is of
#      another major version (unset it to let this script find a toolkit);
#   2. a system toolkit (/usr/local/cuda, the toolkit of the `nvcc` on PATH)
#      whose nvcc has torch's major version;
#   3. otherwise NVIDIA's pip toolkit wheels of torch's CUDA version
#      (nvcc, nvvm, crt and cccl; CUDA 13 and later), installed with `pip install --target` into
#      ${DIST_KD_MM_CACHE:-~/.cache/dist_kd_mm}/cuda/, never into the venv.
#      Their CUDA_HOME there is a folder of links: the compiler from those
#      wheels, the headers and libraries (cudart, cuBLAS, ...) from the NVIDIA
#      wheels that torch itself installed, plus the libcudart.so link that
#      torch's link step asks for.
# The toolkit is then tried on a one-line kernel for each architecture of
# CUDA_ARCHS / TORCH_CUDA_ARCH_LIST when one is given, so that an
# architecture the CUDA version dropped, or a host compiler that nvcc refuses,
# stops here with the fix rather than deep inside a 40-minute build.
#
# Usage: cuda_home.sh PYTHON
# Environment: CUDA_HOME, DIST_KD_MM_CACHE, CUDA_ARCHS or TORCH_CUDA_ARCH_LIST,
#   DIST_KD_MM_CUDA_TOOLKIT=pip (skip step 2: use the pip toolkit even where a
#   system one exists)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/wheel_cache.sh"

python=$(python_of "${1:?usage: cuda_home.sh PYTHON}")
die() { echo "cuda_home.sh: error: $*" >&2; exit 1; }
note() { echo "cuda_home.sh: $*" >&2; }

torch_cuda=$("$python" -c 'import torch; print(torch.version.cuda or "")') \
    || die "cannot import torch with $python"
[ -n "$torch_cuda" ] || die "the torch of $python is a CPU-only build \
($("$python" -c 'import torch; print(torch.__version__)')): it cannot run CUDA ops. Install a CUDA build of torch."
torch_major=${torch_cuda%%.*}

# system_homes: candidate toolkits installed on the system
system_homes() {
    local nvcc
    echo /usr/local/cuda
    echo "/usr/local/cuda-$torch_cuda"
    nvcc=$(command -v nvcc 2>/dev/null || true)
    # the toolkit of the nvcc on PATH (a wrapper script names no toolkit: skip it)
    [ -n "$nvcc" ] && file -L "$nvcc" 2>/dev/null | grep -q ELF \
        && dirname "$(dirname "$(readlink -f "$nvcc")")"
    return 0
}

# has_headers HOME: HOME holds the runtime headers nvcc needs
has_headers() {
    [ -e "$1/include/cuda_runtime.h" ] || [ -e "$1/targets/x86_64-linux/include/cuda_runtime.h" ] \
        || [ -e "$1/targets/sbsa-linux/include/cuda_runtime.h" ]
}

# pip_home: NVIDIA's toolkit wheels of torch's CUDA version, in the cache
pip_home() {
    local cache_root=${DIST_KD_MM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dist_kd_mm}
    local site target home pkgs dir entry tag
    site=$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    # one toolkit per CUDA version; one link folder per torch installation
    target="$cache_root/cuda/toolkit-$torch_cuda"
    tag=$(printf '%s' "$site" | sha256sum | cut -c1-12)
    home="$cache_root/cuda/home-$torch_cuda-$tag"
    # NVIDIA's CUDA 12 wheels carry ptxas but no nvcc (nvidia-cuda-nvcc-cu12 12.8.93)
    [ "$torch_major" -ge 13 ] || die "torch is built with CUDA $torch_cuda and no CUDA $torch_major.x \
toolkit was found; NVIDIA's pip wheels carry nvcc only from CUDA 13 on. Install a CUDA $torch_major.x toolkit \
and set CUDA_HOME to it, or use a torch built with CUDA 13"
    pkgs="nvidia-cuda-nvcc==$torch_cuda.* nvidia-nvvm==$torch_cuda.* nvidia-cuda-crt==$torch_cuda.* nvidia-cuda-cccl==$torch_cuda.*"
    if [ ! -e "$target/.complete" ]; then
        mkdir -p "$cache_root/cuda"
        note "installing NVIDIA's CUDA $torch_cuda compiler wheels into $target"
        rm -rf "$target"
        # shellcheck disable=SC2086
        if ! "$python" -m pip install --quiet --disable-pip-version-check --no-deps --target "$target" \
                $pkgs > "$cache_root/cuda/pip.log" 2>&1; then
            grep -v 'is ignored: it is neither' "$cache_root/cuda/pip.log" >&2 || true
            die "pip could not install $pkgs (no registry, or no such CUDA $torch_cuda release): \
set CUDA_HOME to a CUDA $torch_major.x toolkit instead"
        fi
        touch "$target/.complete"
    fi
    rm -rf "$home"
    mkdir -p "$home/include" "$home/lib"
    # the compiler's own folders
    for dir in "$target"/nvidia/*/; do
        [ -x "$dir/bin/nvcc" ] || continue
        ln -s "$dir/bin" "$home/bin"
        [ -d "$dir/nvvm" ] && ln -s "$dir/nvvm" "$home/nvvm"
    done
    [ -e "$home/bin/nvcc" ] || die "no bin/nvcc in the wheels installed into $target"
    # headers and libraries: the toolkit's wheels first, then torch's (first wins)
    for dir in "$target"/nvidia/*/ "$site"/nvidia/*/; do
        for entry in "$dir"include/* "$dir"lib/*; do
            [ -e "$entry" ] || continue
            case "$entry" in */include/*) sub=include ;; *) sub=lib ;; esac
            [ -e "$home/$sub/$(basename "$entry")" ] || ln -s "$entry" "$home/$sub/$(basename "$entry")"
        done
    done
    [ -e "$home/include/cuda_runtime.h" ] || die "no cuda_runtime.h among the NVIDIA wheels of \
$site: is torch's CUDA runtime (nvidia-cuda-runtime) installed?"
    # only the versioned libcudart ships; torch's extensions link with -lcudart
    if [ ! -e "$home/lib/libcudart.so" ]; then
        entry=$(ls "$home"/lib/libcudart.so.* 2>/dev/null | head -n 1 || true)
        [ -n "$entry" ] || die "no libcudart.so.* among the NVIDIA wheels of $site"
        ln -s "$entry" "$home/lib/libcudart.so"
    fi
    echo "$home"
}

# try_compile HOME: compile a one-line kernel for each requested architecture
try_compile() {
    local home=$1 archs arch work out sm
    archs=$(tr ';,' '  ' <<<"${CUDA_ARCHS:-${TORCH_CUDA_ARCH_LIST:-}}")
    [ -n "${archs// /}" ] || return 0
    work=$(mktemp -d)
    printf '__global__ void k(float *x) { x[threadIdx.x] += 1.0f; }\n' > "$work/k.cu"
    for arch in $archs; do
        sm=${arch%+PTX}; sm=${sm//./}
        if ! [[ $sm =~ ^[0-9]+[af]?$ ]]; then
            rm -rf "$work"; die "CUDA architecture '$arch' is not a compute capability such as 8.0 or 9.0"
        fi
        if ! out=$("$home/bin/nvcc" -I"$home/include" -c "$work/k.cu" -o "$work/k.o" -gencode "arch=compute_$sm,code=sm_$sm" 2>&1); then
            rm -rf "$work"
            if grep -qi 'unsupported gpu architecture\|not defined for option' <<<"$out"; then
                die "CUDA $(nvcc_release "$home") cannot build for architecture $arch (sm_$sm): \
CUDA 13 dropped architectures below 7.5, CUDA 12 below 5.0. Leave it out of CUDA_ARCHS, or use a torch built \
with an older CUDA. nvcc said: $(head -n 3 <<<"$out")"
            elif grep -qi 'unsupported gnu version\|unsupported .*compiler\|host compiler' <<<"$out"; then
                die "nvcc $(nvcc_release "$home") refuses the host compiler (gcc on PATH, or NVCC_CCBIN): \
install a gcc that CUDA $(nvcc_release "$home") supports and point CC, CXX and NVCC_CCBIN at it. \
nvcc said: $(head -n 3 <<<"$out")"
            fi
            die "nvcc of $home failed on a one-line kernel for sm_$sm: $(head -n 5 <<<"$out")"
        fi
    done
    rm -rf "$work"
}

home=""
if [ -n "${CUDA_HOME:-}" ]; then
    release=$(nvcc_release "$CUDA_HOME")
    [ -n "$release" ] || die "CUDA_HOME=$CUDA_HOME has no working bin/nvcc: unset CUDA_HOME to let \
this script find or install a CUDA $torch_cuda toolkit"
    [ "${release%%.*}" = "$torch_major" ] || die "CUDA_HOME=$CUDA_HOME holds nvcc $release, but torch \
is built with CUDA $torch_cuda: extensions must be compiled with a CUDA $torch_major.x nvcc. Point CUDA_HOME at \
one, or unset it to use NVIDIA's pip toolkit of CUDA $torch_cuda"
    home=$CUDA_HOME
elif [ "${DIST_KD_MM_CUDA_TOOLKIT:-auto}" != pip ]; then
    while read -r candidate; do
        release=$(nvcc_release "$candidate")
        [ -n "$release" ] || continue
        if [ "${release%%.*}" != "$torch_major" ]; then
            note "skipping $candidate: its nvcc is CUDA $release, torch needs $torch_major.x"
            continue
        fi
        if ! has_headers "$candidate"; then
            note "skipping $candidate: no cuda_runtime.h under it"
            continue
        fi
        home=$candidate
        break
    done < <(system_homes)
fi
[ -n "$home" ] || home=$(pip_home)
note "nvcc $(nvcc_release "$home") at $home for torch's CUDA $torch_cuda"
try_compile "$home"
echo "$home"
