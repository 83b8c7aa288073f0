#!/bin/sh
# compare_train.sh - libelectra's training steps side by side with PyTorch
# eager (shared/bench/bench_torch_train.py, the same recipes: pre-training
# of electra-small with its 1/4 generator, and fine-tuning a classifier),
# interleaved round by round so that both see the same machine. One JSON
# line per run on stdout; OPENBLAS_CORETYPE as set and unset.
#
#   make bench-train-compare     (or: sh bench/compare_train.sh from the build tree)
#   ROUNDS=2  KINDS="pretrain-small finetune-small-cls"  BATCH=8  THREADS="1 2"
#   TORCH_BENCH=.../bench_torch_train.py   (default: ../shared/bench/)
set -eu
builddir=${builddir:-.}
srcdir=${srcdir:-.}
rounds=${ROUNDS:-2}
kinds=${KINDS:-pretrain-small finetune-small-cls}
batch=${BATCH:-8}
threads=${THREADS:-1 2}
py=${PYTHON:-/usr/bin/python3}
torch_bench=${TORCH_BENCH:-$srcdir/../shared/bench/bench_torch_train.py}
have_torch=1
if ! "$py" -c 'import torch' 2>/dev/null || [ ! -f "$torch_bench" ]; then
    echo "compare_train.sh: no PyTorch or no $torch_bench: libelectra only" >&2
    have_torch=0
fi
core=${OPENBLAS_CORETYPE:-}
for r in $(seq 1 "$rounds"); do
    for coretype in "$core" unset; do
        [ -n "$coretype" ] || continue
        for kind in $kinds; do
            # The tiny kinds run their fixture's own batch.
            shape="--batch $batch --seq 128"
            case $kind in train-tiny-*) shape= ;; esac
            for t in $threads; do
                if [ "$coretype" = unset ]; then set -- env -u OPENBLAS_CORETYPE
                else set -- env OPENBLAS_CORETYPE="$coretype"; fi
                "$@" OPENBLAS_NUM_THREADS="$t" "$builddir/bench/train_bench" --kind "$kind" \
                    --threads "$t" $shape --min-reps 10 --min-secs 5
                [ $have_torch = 1 ] || continue
                "$@" OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS="$t" OMP_NUM_THREADS="$t" \
                    "$py" "$torch_bench" --kind "$kind" --threads "$t" $shape --min-reps 10 \
                    --min-secs 5
            done
        done
    done
done
