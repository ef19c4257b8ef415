#!/usr/bin/env bash
# The GPU verification in one call (docs/gpu.md): run from the repository root on the lent GPU machine,
#     bash tools/gpu_check.sh "$OUT"
# Every step has its own time limit so the whole check ends within ~8 minutes, and writes its log into the
# output folder; summary.txt lists each step's exit status. On a machine without a GPU the GPU steps are
# skipped with the reason (the CPU rehearsal: bash tools/gpu_check.sh /tmp/gpu-rehearsal).
set -uo pipefail
OUT=${1:?usage: bash tools/gpu_check.sh OUT_DIR}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
export JAX_COMPILATION_CACHE_DIR="${JAX_COMPILATION_CACHE_DIR:-/tmp/ember-jax-cache}"
SUMMARY="$OUT/summary.txt"
: >"$SUMMARY"

step() {  # step NAME SECONDS COMMAND...: run with a limit, log to $OUT/NAME.log, record the exit status
    local name=$1 limit=$2
    shift 2
    local t0=$SECONDS
    timeout "$limit" "$@" >"$OUT/$name.log" 2>&1
    local rc=$?
    echo "$name rc=$rc ${limit}s-limit took=$((SECONDS - t0))s" | tee -a "$SUMMARY"
    tail -n 3 "$OUT/$name.log" | sed 's/^/    /' | tee -a "$SUMMARY"
}

skip() {  # skip NAME REASON
    echo "$1 skipped: $2" | tee -a "$SUMMARY"
}

step install 120 pip install -e . --no-deps
step info 60 ember info

CUDA=$(python -c "import ember; print(int(ember.cuda.is_available()))" 2>/dev/null || echo 0)
JAXGPU=$(python -c "import jax; print(int(jax.default_backend() != 'cpu'))" 2>/dev/null || echo 0)
echo "cuda=$CUDA jax_accelerator=$JAXGPU" | tee -a "$SUMMARY"

if [ "$CUDA" = 1 ]; then
    step conformance-cupy 240 pytest -q -p no:cacheprovider --pyargs ember.conformance --ember-backend cupy \
        --junitxml="$OUT/conformance-cupy.xml"
    step demo-cuda 60 ember demo --device cuda --epochs 8 --out "$OUT/demo-cuda"
else
    skip conformance-cupy "no CUDA device (ember.cuda.is_available() is False)"
    skip demo-cuda "no CUDA device"
fi

if [ "$JAXGPU" = 1 ]; then
    # a bounded part: the op areas, with few Hypothesis examples (XLA compiles a kernel per shape)
    step conformance-jax-gpu 120 pytest -q -p no:cacheprovider --pyargs ember.conformance --ember-backend jax \
        --ember-max-examples 5 -k "elementwise or reduction or nn_layers or nn_loss or autograd"
    step demo-jax 90 ember demo --device jax --epochs 8 --out "$OUT/demo-jax"
else
    skip conformance-jax-gpu "JAX has no GPU platform here"
    skip demo-jax "JAX has no GPU platform here"
fi

if [ "$CUDA" = 1 ] || [ "$JAXGPU" = 1 ]; then
    step bench 150 python tools/gpu_bench.py --out "$OUT/bench.json"
else
    # the rehearsal runs every row of the benchmark script on the CPU at a small size (same code paths)
    step bench-rehearsal 180 python tools/gpu_bench.py --out "$OUT/bench.json" --size 64 --repeat 2 --rehearse
fi
echo "done; logs in $OUT" | tee -a "$SUMMARY"
