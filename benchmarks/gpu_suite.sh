#!/usr/bin/env bash
# The checks and figures that need a CUDA GPU, for a GPU machine (a lent `device` machine, or
# your own). Runs gankit from src/ with the machine's own PyTorch (no install needed).
#
#   benchmarks/gpu_suite.sh PHASE...     PHASE: check | suite | demo | eager | compile | graphs | compile-small
#
#   check    the CUDA tests (tests/test_cuda.py: fp32/bf16/fp16 training, resume, GP under fp16,
#            compile, torchrun on NCCL) and the versions of what ran them
#   suite    the whole default test suite with CUDA visible (8 pytest-xdist workers)
#   demo     `gankit train` of the DCGAN preset with auto settings, then eval and sample
#   eager    train_throughput.py: DCGAN 32/64 x batch 64/256 x fp32/bf16, eager
#   compile  DCGAN-64 at batch 256 compiled (fp32, bf16)
#   graphs   compiled with CUDA graphs (reduce-overhead), DCGAN-64/256 and DCGAN-32/64
#   compile-small  the other sizes and batches compiled
#
# Results go to $OUT (default runs/gpu-suite): logs and bench.jsonl, one JSON row per setting.
# Data: Fashion-MNIST is read from $GANKIT_DATA, or .gpudata/ when that folder exists.
set -u
OUT=${OUT:-runs/gpu-suite}
mkdir -p "$OUT"
export PYTHONPATH=$PWD/src${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
if [ -z "${GANKIT_DATA:-}" ] && [ -d .gpudata ]; then export GANKIT_DATA=$PWD/.gpudata; fi
PY=${PYTHON:-python3}
STEPS=${STEPS:-200}

bench() {  # one setting; the JSON row of its last line goes to bench.jsonl
    echo "== train_throughput $*"
    timeout "${BENCH_TIMEOUT:-300}" "$PY" benchmarks/train_throughput.py --device cuda \
        --steps "$STEPS" --warmup 20 --repeats 2 "$@" > "$OUT/bench-last.log" 2>&1
    cat "$OUT/bench-last.log" >> "$OUT/bench.log"
    grep -v '^{' "$OUT/bench-last.log" | tail -4
    grep '^{' "$OUT/bench-last.log" | tail -1 >> "$OUT/bench.jsonl"
}

rows() {  # every size x batch x precision, with the extra flags given
    for size in 32 64; do for batch in 64 256; do for precision in fp32 bf16; do
        bench --image-size "$size" --batch-size "$batch" --precision "$precision" "$@"
    done; done; done
}

for phase in "$@"; do
    echo "#### $phase $(date -u +%H:%M:%S)"
    case $phase in
    check)
        nvidia-smi -L
        "$PY" -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name(),
              'cudnn', torch.backends.cudnn.version(), 'nccl', torch.cuda.nccl.version())"
        "$PY" -m pytest -q -p no:cacheprovider -rfs tests/test_cuda.py 2>&1 | tee "$OUT/test_cuda.log" | tail -25
        ;;
    suite)
        timeout "${SUITE_TIMEOUT:-420}" "$PY" -m pytest -p no:cacheprovider -n 14 -v -rf --tb=line 2>&1 | tee "$OUT/suite.log" | grep -E "FAILED|ERROR|passed|failed" | tail -60
        ;;
    demo)
        run=$OUT/demo-run
        rm -rf "$run"
        "$PY" -m gankit train --preset dcgan-fashion-mnist --steps 500 --out "$run" --no-progress 2>&1 \
            | tee "$OUT/demo.log" | tail -8
        "$PY" -m gankit eval "$run" --features fmnist --n 5000 2>&1 | tee -a "$OUT/demo.log" | tail -4
        "$PY" -m gankit sample "$run" --n 64 --out "$run/samples.npz" --grid "$OUT/demo-samples.png" 2>&1 | tail -2
        ;;
    eager) rows --channels-last
        bench --image-size 64 --batch-size 256 --precision fp32
        bench --image-size 64 --batch-size 256 --precision bf16 ;;
    compile)  # DCGAN-64 at batch 256 (contiguous: compiled channels-last fails on CUDA)
        for precision in fp32 bf16; do
            bench --image-size 64 --batch-size 256 --precision $precision --compile
        done ;;
    graphs)  # compiled with CUDA graphs (reduce-overhead): the steps are launch-bound
        for size_batch in "64 256" "32 64"; do for precision in fp32 bf16; do
            set -- $size_batch
            bench --image-size "$1" --batch-size "$2" --precision $precision --compile \
                --compile-mode reduce-overhead
        done; done ;;
    compile-small)
        for size_batch in "32 64" "32 256" "64 64"; do for precision in fp32 bf16; do
            set -- $size_batch
            bench --image-size "$1" --batch-size "$2" --precision $precision --compile
        done; done ;;
    *) echo "unknown phase $phase (check | suite | demo | eager | compile | graphs | compile-small)"; exit 2 ;;
    esac
done
echo "#### done $(date -u +%H:%M:%S)"
