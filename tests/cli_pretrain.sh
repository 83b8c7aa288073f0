#!/bin/sh
# cli_pretrain.sh - `electra pretrain` end to end on a tiny corpus: the
# outputs (two model directories that fill-mask and detect load, the
# curves, the metrics log, the checkpoint), resuming to the same weights
# as an uninterrupted run, and usage (2) and input (1) errors.
set -u
. "${top_srcdir:-.}/tests/cli_util.sh"
make_tmp cli_pretrain

i=0
while [ $i -lt 300 ]; do
    echo "the cat sat on the mat and the dog sat on the log number $((i % 17))."
    echo "a bird flew over the house while the children played in the garden."
    [ $((i % 10)) -eq 9 ] && echo
    i=$((i + 1))
done > "$tmp/corpus.txt"
head -40 "$tmp/corpus.txt" > "$tmp/heldout.txt"
"$electra" vocab build --size 200 --out "$tmp/vocab.txt" "$tmp/corpus.txt" > /dev/null
check "vocabulary built" [ -s "$tmp/vocab.txt" ]

base="--vocab $tmp/vocab.txt --corpus $tmp/corpus.txt --disc-hidden 32 --disc-layers 2
      --disc-heads 2 --embedding-size 16 --max-positions 64
      --batch 4 --seq-len 32 --lr 1e-3 --warmup 2 --seed 3"
small="$base --gen-fraction 0.5"
# shellcheck disable=SC2086
"$electra" pretrain $small --steps 8 --save-every 4 --eval "$tmp/heldout.txt" \
    --eval-batches 2 --out "$tmp/a" > "$tmp/a.json" 2> "$tmp/a.err"
check "pretrain exits 0" [ $? -eq 0 ]
check "summary printed" grep -q '"steps":8,.*"last_100_steps":{"loss":' "$tmp/a.json"
check "held-out figures" grep -q '"eval":{"loss":' "$tmp/a.json"
check "progress on stderr" grep -q 'step 8/8 .*gen-acc .*disc-acc .*tok/s' "$tmp/a.err"
for f in generator/config.json generator/model.safetensors generator/vocab.txt \
         generator/tokenizer_config.json discriminator/config.json \
         discriminator/model.safetensors discriminator/vocab.txt tokenizer/vocab.txt \
         checkpoint/optimizer.safetensors checkpoint/pretrain_state.json \
         checkpoint/generator/model.safetensors loss.svg accuracy.svg metrics.tsv; do
    check "$f written" [ -s "$tmp/a/$f" ]
done
check "no checkpoint leftovers" [ ! -e "$tmp/a/checkpoint.new" ] && [ ! -e "$tmp/a/checkpoint.old" ]
check "generator architecture" grep -q '"ElectraForMaskedLM"' "$tmp/a/generator/config.json"
check "discriminator architecture" grep -q '"ElectraForPreTraining"' "$tmp/a/discriminator/config.json"
check "metrics: header + 8 steps" [ "$(wc -l < "$tmp/a/metrics.tsv")" -eq 9 ]
check "loss.svg is an SVG" grep -q '<svg' "$tmp/a/loss.svg"
"$electra" fill-mask --model "$tmp/a/generator" "the cat sat on the [MASK]." > "$tmp/fill.txt"
check "fill-mask loads the generator" [ $? -eq 0 ]
"$electra" detect --model "$tmp/a/discriminator" "the cat sat on the log." > "$tmp/detect.txt"
check "detect loads the discriminator" [ $? -eq 0 ]

# Stopped after 3 steps and resumed to 8 (the held-out measurements in
# between change nothing): the same weights as 8 in one go.
# shellcheck disable=SC2086
"$electra" pretrain $small --steps 8 --stop-after 3 --eval "$tmp/heldout.txt" \
    --eval-batches 2 --out "$tmp/b" > "$tmp/b1.json" 2> "$tmp/b1.err"
check "--stop-after exits 0" [ $? -eq 0 ]
check "--stop-after reports" grep -q '"finished":false,"steps":3,' "$tmp/b1.json"
check "no models before the end" [ ! -e "$tmp/b/generator" ]
# shellcheck disable=SC2086
"$electra" pretrain $small --steps 8 --resume --eval "$tmp/heldout.txt" --eval-batches 2 \
    --out "$tmp/b" > "$tmp/b2.json" 2> "$tmp/b2.err"
check "--resume exits 0" [ $? -eq 0 ]
check "resumed at 3" grep -q 'resumed from .* at step 3' "$tmp/b2.err"
check "5 steps run" grep -q '"steps":8,"steps_this_run":5,' "$tmp/b2.json"
check "resumed discriminator = uninterrupted" cmp -s "$tmp/a/discriminator/model.safetensors" \
    "$tmp/b/discriminator/model.safetensors"
check "resumed generator = uninterrupted" cmp -s "$tmp/a/generator/model.safetensors" \
    "$tmp/b/generator/model.safetensors"
check "metrics: one line per step" [ "$(wc -l < "$tmp/b/metrics.tsv")" -eq 9 ]

# A tied generator: the discriminator's encoder (its sizes) and an MLM head.
# shellcheck disable=SC2086
"$electra" pretrain $base --tie-generator --steps 3 --out "$tmp/t" > "$tmp/t.json" 2> "$tmp/t.err"
check "tied pretrain exits 0" [ $? -eq 0 ]
check "tied generator has the discriminator's width" \
    grep -q '"hidden_size": *32' "$tmp/t/generator/config.json"
"$electra" fill-mask --model "$tmp/t/generator" "the cat sat on the [MASK]." > /dev/null
check "fill-mask loads the tied generator" [ $? -eq 0 ]
# shellcheck disable=SC2086
check "tied resumed as untied (1)" [ "$(status "$electra" pretrain $base --steps 5 --resume --out "$tmp/t")" -eq 1 ]

# Continued pre-training: a new run from run a's weights on other text.
head -60 "$tmp/corpus.txt" > "$tmp/more.txt"
# shellcheck disable=SC2086
"$electra" pretrain $small --corpus "$tmp/more.txt" --init "$tmp/a" --steps 3 \
    --out "$tmp/c" > "$tmp/c.json" 2> "$tmp/c.err"
check "--init exits 0" [ $? -eq 0 ]
check "--init says where it started" grep -q "starting from the weights in $tmp/a" "$tmp/c.err"
check "--init: a fresh schedule" grep -q '"steps":3,"steps_this_run":3,' "$tmp/c.json"
check "--init: the weights move" [ "$(status cmp "$tmp/a/discriminator/model.safetensors" \
    "$tmp/c/discriminator/model.safetensors")" -eq 1 ]
# At learning rate 0 the steps change nothing: the models written are a's,
# byte for byte (without --init they would be new random ones).
# shellcheck disable=SC2086
"$electra" pretrain $small --lr 0 --init "$tmp/a" --steps 3 --out "$tmp/z" > /dev/null 2>&1
for m in generator discriminator; do
    check "--init starts from a's $m" cmp -s "$tmp/a/$m/model.safetensors" "$tmp/z/$m/model.safetensors"
done
# --init takes the sizes and the vocabulary of DIR's models; model options
# given must agree with them.
train_opts="--corpus $tmp/more.txt --steps 2 --batch 4 --seq-len 32 --warmup 1"
# shellcheck disable=SC2086
"$electra" pretrain $train_opts --init "$tmp/a" --out "$tmp/s" > /dev/null 2> "$tmp/s.err"
check "--init alone exits 0" [ $? -eq 0 ]
check "--init alone: a's discriminator" grep -q '"hidden_size": *32' "$tmp/s/discriminator/config.json"
check "--init alone: a's generator" grep -q '"hidden_size": *16' "$tmp/s/generator/config.json"
check "--init alone: a's vocabulary" cmp -s "$tmp/vocab.txt" "$tmp/s/tokenizer/vocab.txt"
check "--init says the sizes" grep -q "hidden 32, 2 layers, 2 heads, embeddings 16, 64 positions; generator hidden 16, 2 layers" "$tmp/s.err"
# shellcheck disable=SC2086
"$electra" pretrain $train_opts --init "$tmp/t" --out "$tmp/u" > "$tmp/u.json" 2> "$tmp/u.err"
check "--init of a tied pair exits 0" [ $? -eq 0 ]
check "--init: a tied generator stays tied" grep -q "generator tied to the discriminator" "$tmp/u.err"
check "--init: tied, as many parameters" [ "$(grep -o '"total":[0-9]*' "$tmp/u.json")" = \
    "$(grep -o '"total":[0-9]*' "$tmp/t.json")" ]
# shellcheck disable=SC2086
check "--init and the same sizes given (0)" [ "$(status "$electra" pretrain $small --init "$tmp/a" --steps 3 --out "$tmp/e")" -eq 0 ]
# shellcheck disable=SC2086
check "--init and another width (2)" [ "$(status "$electra" pretrain $train_opts --disc-hidden 64 --init "$tmp/a" --out "$tmp/e")" -eq 2 ]
# shellcheck disable=SC2086
check "--init: --tie-generator on an untied pair (2)" [ "$(status "$electra" pretrain $train_opts --tie-generator --init "$tmp/a" --out "$tmp/e")" -eq 2 ]
# shellcheck disable=SC2086
check "--init: --gen-fraction on a tied pair (2)" [ "$(status "$electra" pretrain $train_opts --gen-fraction 0.5 --init "$tmp/t" --out "$tmp/e")" -eq 2 ]
sed '$ s/$/x/' "$tmp/vocab.txt" > "$tmp/vocab2.txt" # the same size, one word other
# shellcheck disable=SC2086
check "--init with another vocabulary (2)" [ "$(status "$electra" pretrain $small --vocab "$tmp/vocab2.txt" --init "$tmp/a" --steps 3 --out "$tmp/e")" -eq 2 ]
# shellcheck disable=SC2086
check "--init without models (1)" [ "$(status "$electra" pretrain $small --init "$tmp/none" --steps 3 --out "$tmp/e")" -eq 1 ]

# Errors.
# shellcheck disable=SC2086
check "--tie-generator with --gen-fraction (2)" [ "$(status "$electra" pretrain $small --tie-generator --steps 2 --out "$tmp/e")" -eq 2 ]
check "no arguments: usage (2)" [ "$(status "$electra" pretrain)" -eq 2 ]
check "--help (0)" [ "$(status "$electra" pretrain --help)" -eq 0 ]
# shellcheck disable=SC2086
check "no --steps (2)" [ "$(status "$electra" pretrain $small --out "$tmp/e")" -eq 2 ]
# shellcheck disable=SC2086
check "bad --lr (2)" [ "$(status "$electra" pretrain $small --steps 2 --lr x --out "$tmp/e")" -eq 2 ]
# shellcheck disable=SC2086
check "warm-up past the end (2)" [ "$(status "$electra" pretrain $small --steps 2 --warmup 5 --out "$tmp/e")" -eq 2 ]
# shellcheck disable=SC2086
check "--disc-init-replaced 1 (2)" [ "$(status "$electra" pretrain $small --steps 2 --disc-init-replaced 1 --out "$tmp/e")" -eq 2 ]
# shellcheck disable=SC2086
check "unknown option (2)" [ "$(status "$electra" pretrain $small --steps 2 --bogus 1 --out "$tmp/e")" -eq 2 ]
check "missing corpus (1)" [ "$(status "$electra" pretrain --vocab "$tmp/vocab.txt" --corpus "$tmp/none.txt" --steps 2 --out "$tmp/e")" -eq 1 ]
# shellcheck disable=SC2086
check "impossible model (1)" [ "$(status "$electra" pretrain $small --disc-heads 3 --steps 5 --out "$tmp/e")" -eq 1 ]
# shellcheck disable=SC2086
check "resume without a checkpoint (1)" [ "$(status "$electra" pretrain $small --steps 5 --resume --out "$tmp/e2")" -eq 1 ]
# shellcheck disable=SC2086
check "resume with another batch (1)" [ "$(status "$electra" pretrain $small --batch 2 --steps 9 --resume --out "$tmp/b")" -eq 1 ]
# shellcheck disable=SC2086
"$electra" pretrain $small --batch 2 --steps 9 --resume --out "$tmp/b" 2> "$tmp/err" > /dev/null
check "the mismatch is named" grep -q 'batch size' "$tmp/err"
exit $fail
