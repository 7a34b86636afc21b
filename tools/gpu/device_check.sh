#!/usr/bin/env bash
# One call that checks a bare GPU machine carrying this clone and an offline
# folder (tools/install/prepare_offline.sh): the offline install, the GPU
# tests, and the GPU figures, in at most 9 minutes on one H200.
#
#   bash tools/gpu/device_check.sh OUT
#
# Steps (each under its own time limit, and all within BUDGET seconds,
# default 530: a step gets at most what is left, and is skipped when nothing
# is; a failed step does not stop the next ones):
#   versions  Python, torch, CUDA, the GPU, nvcc
#   install   tools/install/install_offline.sh OFFLINE_DIR PYTHON
#   tests     pytest -m gpu tests/test_gpu (the losses on CUDA
#             against the CPU; one Runner iteration per config family in
#             float32, float16 and bfloat16 AMP; teacher_autocast; resume)
#   step, step-amp    tools/analysis_tools/benchmark_step.py --device cuda
#             (distillation step against student step + teacher inference),
#             float32 and --amp bfloat16
#   teacher-autocast  benchmark_step.py --teacher-autocast --device cuda
#   loss      tools/analysis_tools/benchmark_loss.py --device cuda (DIST
#             against mmrazor's DISTLoss and a softmax forward and backward)
#   chunks    benchmark_loss.py on the two largest shapes with the Pearson
#             core's slices of 2^16, 2^18 (the default) and 2^30 elements
# and writes OUT/log.txt (everything), OUT/<step>.txt (each step's output)
# and OUT/summary.json (tools/gpu/summarize.py: pass counts, figures,
# durations, versions).
#
# Environment:
#   OFFLINE_DIR       the offline folder (default: offline/ in this clone)
#   PYTHON            the Python with the machine's torch (default: python3)
#   BUDGET            seconds for all the steps (default 530)
#   DEVICE_CHECK_CPU=1  on a machine without CUDA: every step that does not
#             need it: versions, the offline install (into PYTHON), and the
#             GPU tests, which are then deselected (0 run); the figures are
#             left out and marked so in the summary. A CUDA build of mmcv
#             and torchsort comes from OFFLINE_DIR's cache when one fits,
#             as on the GPU machine; else install_offline.sh builds it.
set -uo pipefail
out=${1:?usage: device_check.sh OUT}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
offline=${OFFLINE_DIR:-$repo/offline}
python=${PYTHON:-python3}
cpu_mode=${DEVICE_CHECK_CPU:-0}
log=$out/log.txt
: > "$log"
: > "$out/steps.tsv"
export PYTHONUNBUFFERED=1
started=$(date +%s)
deadline=$(( started + ${BUDGET:-530} ))

# run_step NAME SECONDS COMMAND...: run with a time limit (at most what is
# left of the budget), output to OUT/NAME.txt and the log; record the name,
# exit status and seconds
run_step() {
    local name=$1 limit=$2 begin rc seconds
    shift 2
    begin=$(date +%s)
    if [ $(( deadline - begin )) -lt "$limit" ]; then
        limit=$(( deadline - begin ))
    fi
    if [ "$limit" -le 0 ]; then
        skip_step "$name" "the ${BUDGET:-530}-second budget is spent"
        return
    fi
    echo "== $name: $*" | tee -a "$log"
    (cd "$repo" && timeout "$limit" "$@") > "$out/$name.txt" 2>&1
    rc=$?
    seconds=$(( $(date +%s) - begin ))
    cat "$out/$name.txt" >> "$log"
    printf '%s\t%s\t%s\n' "$name" "$rc" "$seconds" >> "$out/steps.tsv"
    echo "== $name: exit $rc in $seconds s" | tee -a "$log"
}

skip_step() {
    printf '%s\tskipped\t0\t%s\n' "$1" "$2" >> "$out/steps.tsv"
    echo "== $1: skipped ($2)" | tee -a "$log"
}

run_step versions 30 "$python" -c '
import platform, subprocess, torch
print("python", platform.python_version())
print("torch", torch.__version__, "cuda", torch.version.cuda)
print("gpu", torch.cuda.get_device_name() if torch.cuda.is_available() else "none")
try:
    print("nvcc", subprocess.run(["nvcc", "--version"], capture_output=True, text=True).stdout.strip().splitlines()[-1])
except OSError:
    print("nvcc none")'

if [ "$cpu_mode" != 1 ] && ! "$python" -c 'import torch, sys; sys.exit(not torch.cuda.is_available())'; then
    echo "device_check.sh: torch sees no GPU; set DEVICE_CHECK_CPU=1 to run the steps that need none" | tee -a "$log"
    exit 2
fi

run_step install 180 bash tools/install/install_offline.sh "$offline" "$python"

# the tests run from the clone, without writing into it; in 4 processes
# where pytest-xdist is installed
parallel=()
"$python" -c 'import xdist' 2>/dev/null && parallel=(-n 4)
run_step tests 240 "$python" -m pytest -m gpu tests/test_gpu -q -p no:cacheprovider \
    "${parallel[@]}" --junitxml "$out/tests.xml"

if [ "$cpu_mode" = 1 ]; then
    for name in step step-amp teacher-autocast loss chunks; do
        skip_step "$name" "needs CUDA (DEVICE_CHECK_CPU=1)"
    done
else
    bench=(tools/analysis_tools/benchmark_step.py --device cuda --repeats 5)
    run_step step 120 "$python" "${bench[@]}"
    run_step step-amp 120 "$python" "${bench[@]}" --amp bfloat16
    run_step teacher-autocast 90 "$python" "${bench[@]}" --teacher-autocast \
        --cases classification detection
    run_step loss 60 "$python" tools/analysis_tools/benchmark_loss.py \
        --device cuda --repeats 10
    run_step chunks 60 bash -c "for n in 65536 262144 1073741824; do
        echo \"chunk elements \$n\"; $python tools/analysis_tools/benchmark_loss.py \
        --device cuda --repeats 10 --chunk-elements \$n \
        --shapes 'seg 2x19x512x1024' 'RetinaNet P3 2x720x100x168'; done"
fi

"$python" "$repo/tools/gpu/summarize.py" "$out" "$(( $(date +%s) - started ))" \
    "$cpu_mode" | tee -a "$log"
