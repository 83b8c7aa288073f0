#!/bin/sh
# compare.sh - libelectra side by side with ONNX Runtime (node) and PyTorch
# on the ELECTRA-small shapes, back to back in one sitting, then one merged
# table (bench/compare_table.py): min / median ms, tokens/s, GFLOP/s, the
# ratio of tokens/s to ONNX Runtime FP32, peak RSS, load time, and the
# whole-process time (start, load, 20 inferences of disc 1x128, 1 thread).
#
#   make bench-compare            (or: sh bench/compare.sh from the build tree)
#   ROUNDS=3                      rounds; each runs every engine once per config
#   BENCH_SECS=3                  timing seconds per shape and engine
#   PERF_DIR=/tmp/perf            ORT / torch set-up (shared/bench/setup.sh):
#                                 models/electra_small_{disc,gen}.onnx,
#                                 ort/bench_ort.js, bench_torch.py
#   ENGINES="el el-bf16 el-int8 ort torch torch-unset"   which engines run
#   OUT=bench/work/compare.jsonl  raw JSON lines (kept; the table reads them)
# torch runs twice where asked: OPENBLAS_CORETYPE as set (the environment's
# Haswell) and unset (OpenBLAS picks its AVX-512 kernels).
set -eu
builddir=${builddir:-.}
srcdir=${srcdir:-.}
perf=${PERF_DIR:-/tmp/perf}
rounds=${ROUNDS:-2}
secs=${BENCH_SECS:-3}
engines=${ENGINES:-el el-bf16 el-int8 ort torch torch-unset}
work=${BENCH_DIR:-$builddir/bench/work}
out=${OUT:-$work/compare.jsonl}
py=${PYTHON:-/usr/bin/python3}
mkdir -p "$work"
: > "$out"
for kind in disc gen; do
    [ -f "$work/electra-small-$kind/model.safetensors" ] ||
        "$builddir/bench/make_bench_model" "$work/electra-small-$kind" "$kind"
done
have() { case " $engines " in *" $1 "*) return 0 ;; esac; return 1; }
if [ ! -f "$perf/ort/bench_ort.js" ] || [ ! -f "$perf/models/electra_small_disc.onnx" ]; then
    echo "compare.sh: no ONNX Runtime set-up in $perf (see shared/bench/setup.sh): ORT skipped" >&2
    engines=$(echo "$engines" | sed 's/ort//')
fi
if ! "$py" -c 'import torch' 2>/dev/null || [ ! -f "$perf/bench_torch.py" ]; then
    echo "compare.sh: no PyTorch or $perf/bench_torch.py: torch skipped" >&2
    engines=$(echo "$engines" | sed 's/torch-unset//; s/torch//')
fi
abs_work=$(cd "$work" && pwd)
el() { # kind threads shapes precision
    "$builddir/bench/infer_bench" --model "$work/electra-small-$1" --threads "$2" --shapes "$3" \
        --min-secs "$secs" --precision "$4" >> "$out"
}
ort() {
    (cd "$perf/ort" && env -u OMP_WAIT_POLICY node bench_ort.js \
        --model "../models/electra_small_$1.onnx" --threads "$2" --shapes "$3" \
        --min-secs "$secs") >> "$out"
}
torch() { # kind threads shapes [unset]
    if [ "${4:-}" = unset ]; then
        env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_WAIT_POLICY=PASSIVE \
            OPENBLAS_NUM_THREADS="$2" OMP_NUM_THREADS="$2" \
            "$py" "$perf/bench_torch.py" --threads "$2" --kind "$1" --shapes "$3" \
            --min-secs "$secs" >> "$out"
    else
        OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS="$2" OMP_NUM_THREADS="$2" \
            "$py" "$perf/bench_torch.py" --threads "$2" --kind "$1" --shapes "$3" \
            --min-secs "$secs" >> "$out"
    fi
}
for r in $(seq 1 "$rounds"); do
    for t in 1 2; do
        for kind in disc gen; do
            shapes=1x128,8x128,1x512
            [ "$kind" = gen ] && shapes=1x128
            echo "# round $r: $kind, $t thread(s) (load: $(cut -d' ' -f1 /proc/loadavg))" >&2
            ! have el || el "$kind" "$t" "$shapes" f32
            ! have el-bf16 || el "$kind" "$t" "$shapes" bf16
            ! have el-int8 || el "$kind" "$t" "$shapes" int8
            ! have ort || ort "$kind" "$t" "$shapes"
            ! have torch || torch "$kind" "$t" "$shapes"
            ! have torch-unset || torch "$kind" "$t" "$shapes" unset
        done
    done
done
# Whole process: start, load, 20 inferences of disc 1x128 on one thread;
# the best of 5 wall times per engine.
wall() { # label command...
    label=$1
    shift
    best=
    for i in 1 2 3 4 5; do
        s=$(date +%s%N)
        "$@" > /dev/null
        e=$(date +%s%N)
        ms=$(( (e - s) / 1000000 ))
        if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    done
    echo "{\"whole_process\":\"$label\",\"ms\":$best}" >> "$out"
}
echo "# whole process" >&2
! have el || wall "libelectra f32" "$builddir/bench/infer_bench" \
    --model "$abs_work/electra-small-disc" --threads 1 --shapes 1x128 --iters 20
for p in bf16 int8; do
    ! have "el-$p" || wall "libelectra $p" "$builddir/bench/infer_bench" \
        --model "$abs_work/electra-small-disc" --threads 1 --shapes 1x128 --iters 20 --precision "$p"
done
! have ort || wall "onnxruntime-node" sh -c "cd '$perf/ort' && env -u OMP_WAIT_POLICY node \
    bench_ort.js --model ../models/electra_small_disc.onnx --threads 1 --shapes 1x128 --iters 20"
! have torch || wall "torch (OPENBLAS_CORETYPE as set)" env OPENBLAS_NUM_THREADS=1 \
    OMP_NUM_THREADS=1 "$py" "$perf/bench_torch.py" --threads 1 --kind disc --shapes 1x128 --iters 20
"$py" "$srcdir/bench/compare_table.py" "$out"
