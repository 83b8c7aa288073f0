#!/bin/sh
# eval-bundled.sh - the bundled model's evaluation (make eval):
#   1. held-out pre-training figures: generator MLM accuracy, discriminator
#      replaced-token detection accuracy and ROC AUC (bench/eval_pretrained);
#   2. ELECTRA's central claim at small scale: the pre-trained discriminator
#      and the same architecture from random weights, fine-tuned with the
#      same budget (epochs, batch, learning rate, seeds) on Brown POS tagging
#      and on SpamAssassin spam vs ham; the score is the last epoch's on the
#      held-out test split (no checkpoint selection on it). Each task's
#      learning rate and layer-wise decay were chosen on its dev split, for
#      both inits alike (models/README.md).
# The corpus comes from scripts/fetch-corpus.sh ($LIBELECTRA_CORPUS).
#
#   scripts/eval-bundled.sh [MODELS_DIR] [WORK_DIR]
# Environment: EVAL_ELECTRA (the electra tool), EVAL_PRETRAINED (the
# bench/eval_pretrained program), POS_EPOCHS (2), POS_LR (2e-3),
# POS_LAYER_DECAY (0.8), SPAM_EPOCHS (3), SPAM_LR (1e-3),
# SPAM_LAYER_DECAY (1, none), EVAL_SEEDS ("42": one pair of runs per seed
# per task, and the mean, median and spread when there are several),
# EVAL_ROWS (2000).
set -eu

models=${1:-models}
work=${2:-${TMPDIR:-/tmp}/electra-eval}
corpus=${LIBELECTRA_CORPUS:-${XDG_CACHE_HOME:-$HOME/.cache}/libelectra-corpus}
electra=${EVAL_ELECTRA:-src/electra}
eval_pretrained=${EVAL_PRETRAINED:-bench/eval_pretrained}

for f in heldout.txt pos/train.jsonl pos/test.jsonl spam/train.jsonl spam/test.jsonl; do
    if [ ! -f "$corpus/$f" ]; then
        echo "eval-bundled: $corpus/$f missing: run scripts/fetch-corpus.sh first" >&2
        exit 1
    fi
done
mkdir -p "$work"

echo "== held-out pre-training figures ($corpus/heldout.txt)"
"$eval_pretrained" "$models/generator" "$models/discriminator" "$corpus/heldout.txt" \
    "${EVAL_ROWS:-2000}" 128 0 | tee "$work/pretraining.json"

# finetune TASK DATA INIT EPOCHS LR LAYER_DECAY SEED: one fine-tuning run,
# its log kept.
finetune() {
    out="$work/$2-$3-$7"
    "$electra" finetune --task "$1" --model "$models/discriminator" --init "$3" \
        --train "$corpus/$2/train.jsonl" --dev "$corpus/$2/test.jsonl" --out "$out" \
        --epochs "$4" --lr "$5" --layer-decay "$6" --batch 32 --max-length 128 --seed "$7" --threads 1 \
        > "$out.json" 2> "$out.log" || { tail -3 "$out.log" >&2; return 1; }
}
# score DATA INIT SEEDS: the last epoch's main metric on the test split,
# for each seed, then, when there are several, their mean, median (what
# google-research/electra reports: fine-tuning varies much from seed to
# seed) and standard deviation.
score() {
    python3 -c '
import json, statistics, sys
work, data, init = sys.argv[1:4]
scores = []
for seed in sys.argv[4:]:
    e = json.load(open("%s/%s-%s-%s/metrics.json" % (work, data, init, seed)))["epochs"][-1]
    scores.append(e[e["main_metric"]])
text = " ".join("%.4f" % x for x in scores)
if len(scores) > 1:
    text += " (mean %.4f, median %.4f, sd %.4f)" % (
        statistics.mean(scores), statistics.median(scores), statistics.stdev(scores))
print(text)
' "$work" "$@"
}

printf '\n== fine-tuning, pre-trained vs random init (test split, last epoch)\n'
seeds=${EVAL_SEEDS:-42}
printf 'seeds: %s\n' "$seeds" > "$work/finetune.txt"
for run in "tag pos ${POS_EPOCHS:-2} ${POS_LR:-2e-3} ${POS_LAYER_DECAY:-0.8}" \
    "classify spam ${SPAM_EPOCHS:-3} ${SPAM_LR:-1e-3} ${SPAM_LAYER_DECAY:-1}"; do
    set -- $run
    for seed in $seeds; do
        # The two runs are independent: one thread each, side by side.
        finetune "$1" "$2" pretrained "$3" "$4" "$5" "$seed" & pretrained=$!
        finetune "$1" "$2" random "$3" "$4" "$5" "$seed" & random=$!
        wait $pretrained && wait $random || { echo "eval-bundled: fine-tuning $2 failed" >&2; exit 1; }
    done
    printf '%s (accuracy, %s epochs, lr %s, layer decay %s)\n  pretrained  %s\n  random      %s\n' \
        "$2" "$3" "$4" "$5" \
        "$(score "$2" pretrained $seeds)" "$(score "$2" random $seeds)" >> "$work/finetune.txt"
done
cat "$work/finetune.txt"
