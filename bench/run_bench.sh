#!/bin/sh
# run_bench.sh - `make bench`: tokenizer throughput and inference latency of
# ELECTRA-small-shaped models, one JSON line per figure.
#   BENCH_THREADS="1 2"  thread counts      BENCH_SECS=3  timing seconds per shape
#   BENCH_PRECISIONS="f32 bf16 int8"  ELECTRA_OPT_PRECISION values timed
set -eu
builddir=${builddir:-.}
srcdir=${srcdir:-.}
work=${BENCH_DIR:-$builddir/bench/work}
threads=${BENCH_THREADS:-1 2}
precisions=${BENCH_PRECISIONS:-f32 bf16 int8}
secs=${BENCH_SECS:-3}
mkdir -p "$work"
for kind in disc gen; do
    [ -f "$work/electra-small-$kind/model.safetensors" ] ||
        "$builddir/bench/make_bench_model" "$work/electra-small-$kind" "$kind"
done
for p in $precisions; do
    for t in $threads; do
        "$builddir/bench/infer_bench" --model "$work/electra-small-disc" --threads "$t" \
            --shapes 1x128,8x128,1x512 --min-secs "$secs" --precision "$p"
        "$builddir/bench/infer_bench" --model "$work/electra-small-gen" --threads "$t" \
            --shapes 1x128 --min-secs "$secs" --precision "$p"
    done
done
# Reduced precision (BF16: AMX or AVX512_BF16; INT8: AVX512_VNNI) against
# float32 on the same ids.
for p in bf16 int8; do
    for kind in disc gen; do
        "$builddir/bench/precision_report" --model "$work/electra-small-$kind" --shape 8x128 \
            --precision "$p"
    done
done
# Whole process: start, load, 20 inferences of 1x128 on one thread.
start=$(date +%s%N)
line=$("$builddir/bench/infer_bench" --model "$work/electra-small-disc" --threads 1 \
    --shapes 1x128 --iters 20)
end=$(date +%s%N)
echo "$line" | sed "s/}\$/,\"whole_process_ms\":$(( (end - start) / 1000000 ))}/"
