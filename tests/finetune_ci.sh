#!/bin/sh
# finetune_ci.sh - `electra finetune` end to end on three synthetic tasks a
# tiny model (2 layers, width 32, 75-token vocabulary, random weights) can
# only solve by learning them, then the inference commands on the saved
# models; fixture checkpoints keeping their head or getting a new one; and
# the command's errors.
#
#   classify  does the sentence contain "zebra"? (half do)
#   tag       PER names and LOC places (two words, or one word of three
#             word pieces) among filler words, IOB2 tags
#   qa        "what is the key ?": the word after "key" in a context of
#             6-35 words read in windows of 32 tokens; a fifth of the
#             contexts have no key (no answer)
#
# Thresholds on 200 dev examples, and why chance cannot reach them:
#   classify accuracy >= 0.95: a constant answer scores about 0.5 and
#     guessing reaches 190/200 with probability below 1e-40;
#   tag entity F1 >= 0.90 and token accuracy >= 0.97: all-"O" has F1 0 and
#     token accuracy about 0.77;
#   qa exact match >= 0.80: always "no answer" scores about 0.2, a random
#     span about 0.05.
set -u
. "${top_srcdir:-.}/tests/cli_util.sh"
make_tmp finetune_ci
# The value of "key" inside the "best" object of a summary line.
best() {
    sed -n "s/.*\"best\":{[^}]*\"$2\":\([-0-9.e]*\).*/\1/p" "$1"
}
at_least() { # value, threshold
    awk -v v="$1" -v t="$2" 'BEGIN { exit !(v != "" && v + 0 >= t + 0) }'
}

# The synthetic data: awk -v task=... -v n=N -v seed=S.
cat > "$tmp/gen.awk" <<'AWK'
function word() { return filler[int(rand() * nf) + 1] }
BEGIN {
    srand(seed)
    nf = split("apple river stone cloud music paper garden window silver forest table " \
               "candle morning winter summer yellow purple orange market bridge castle " \
               "mountain ocean pencil rabbit turtle engine rocket planet signal letter " \
               "doctor teacher farmer sailor pilot village island valley desert meadow " \
               "walked seen found made took gave sang read wrote built", filler, " ")
    ncol = split("red green blue", col, " ")
    nper = split("alice bob carol", per, " ")
    if (task == "vocab") {
        n = split("[PAD] [UNK] [CLS] [SEP] [MASK]", special, " ")
        for (i = 1; i <= n; i++) print special[i]
        for (i = 1; i <= nf; i++) print filler[i]
        n = split("zebra alice bob carol new york los angeles zan ##zi ##bar key " \
                  "red green blue what is the ?", extra, " ")
        for (i = 1; i <= n; i++) print extra[i]
        exit
    }
    for (e = 0; e < n; e++) {
        len = 4 + int(rand() * 9)
        if (task == "classify") {
            has = rand() < 0.5
            at = int(rand() * len)
            s = ""
            for (i = 0; i < len; i++)
                s = s (i ? " " : "") (has && i == at ? "zebra" : word())
            printf "{\"text\": \"%s\", \"label\": \"%s\"}\n", s, has ? "yes" : "no"
        } else if (task == "tag") {
            toks = ""
            tags = ""
            for (i = 0; i < len; i++) {
                r = rand()
                k = int(rand() * 3)
                if (r < 0.12) {
                    toks = toks ",\"" per[k + 1] "\""
                    tags = tags ",\"B-PER\""
                } else if (r < 0.2 && k < 2) {
                    toks = toks (k ? ",\"new\",\"york\"" : ",\"los\",\"angeles\"")
                    tags = tags ",\"B-LOC\",\"I-LOC\""
                } else if (r < 0.2) {
                    toks = toks ",\"zanzibar\""
                    tags = tags ",\"B-LOC\""
                } else {
                    toks = toks ",\"" word() "\""
                    tags = tags ",\"O\""
                }
            }
            printf "{\"tokens\": [%s], \"tags\": [%s]}\n", substr(toks, 2), substr(tags, 2)
        } else {
            len = 6 + int(rand() * 30)
            has = rand() < 0.8
            at = int(rand() * (len - 1))
            s = ""
            for (i = 0; i < len; i++) {
                if (has && i == at) {
                    answer = col[int(rand() * ncol) + 1]
                    start = length(s) + (i ? 1 : 0) + 4
                    w = "key " answer
                } else {
                    w = rand() < 0.15 ? col[int(rand() * ncol) + 1] : word()
                }
                s = s (i ? " " : "") w
            }
            a = has ? sprintf("[{\"text\": \"%s\", \"answer_start\": %d}]", answer, start) : "[]"
            printf "{\"question\": \"what is the key ?\", \"context\": \"%s\", \"answers\": %s}\n",
                s, a
        }
    }
}
AWK
mkdir "$tmp/model"
awk -v task=vocab -f "$tmp/gen.awk" > "$tmp/model/vocab.txt"
vocab_size=$(wc -l < "$tmp/model/vocab.txt")
cat > "$tmp/model/config.json" <<JSON
{"architectures": ["ElectraForPreTraining"], "model_type": "electra",
 "vocab_size": $vocab_size, "embedding_size": 32, "hidden_size": 32,
 "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64,
 "max_position_embeddings": 64, "type_vocab_size": 2}
JSON
for task in classify tag qa; do
    awk -v task=$task -v n=1000 -v seed=11 -f "$tmp/gen.awk" > "$tmp/$task.train"
    awk -v task=$task -v n=200 -v seed=12 -f "$tmp/gen.awk" > "$tmp/$task.dev"
done
common="--init random --model $tmp/model --batch 32 --lr 3e-3 --layer-decay 1 --dropout 0"

# --- classify ---------------------------------------------------------------
start=$(date +%s)
"$electra" finetune --task classify $common --epochs 5 --train "$tmp/classify.train" \
    --dev "$tmp/classify.dev" --out "$tmp/c" --save-state > "$tmp/c.json" 2> "$tmp/c.err"
check "classify: finetune exits 0" [ $? -eq 0 ]
echo "classify: $(best "$tmp/c.json" accuracy) dev accuracy, $(($(date +%s) - start)) s"
check "classify: dev accuracy >= 0.95" at_least "$(best "$tmp/c.json" accuracy)" 0.95
check "classify: progress on stderr" grep -q "^step .*loss .*tok/s" "$tmp/c.err"
check "classify: metrics.json has every epoch" [ "$(grep -c '"epoch":' "$tmp/c/metrics.json")" -ge 5 ]
check "classify: loss.svg is an SVG" grep -q "<svg" "$tmp/c/loss.svg"
check "classify: config.json names the labels" grep -q '"1": "yes"' "$tmp/c/config.json"
check "classify: a sequence classifier" grep -q ElectraForSequenceClassification "$tmp/c/config.json"
check "classify: tokenizer copied" cmp -s "$tmp/model/vocab.txt" "$tmp/c/vocab.txt"
check "classify: --save-state wrote the last epoch" [ -s "$tmp/c/last/optimizer.safetensors" ] && [ -s "$tmp/c/last/model.safetensors" ]
"$electra" classify --model "$tmp/c" --json "apple river zebra stone cloud" > "$tmp/c1.json"
check "classify: electra classify finds the keyword" grep -q '"label":"yes"' "$tmp/c1.json"
"$electra" classify --model "$tmp/c" --json "apple river stone cloud music paper" > "$tmp/c2.json"
check "classify: electra classify finds its absence" grep -q '"label":"no"' "$tmp/c2.json"

# --- tag --------------------------------------------------------------------
start=$(date +%s)
"$electra" finetune --task tag $common --epochs 5 --train "$tmp/tag.train" \
    --dev "$tmp/tag.dev" --out "$tmp/t" > "$tmp/t.json" 2> "$tmp/t.err"
check "tag: finetune exits 0" [ $? -eq 0 ]
echo "tag: $(best "$tmp/t.json" f1) entity F1, $(best "$tmp/t.json" accuracy) token accuracy, $(($(date +%s) - start)) s"
check "tag: entity F1 >= 0.90" at_least "$(best "$tmp/t.json" f1)" 0.90
check "tag: token accuracy >= 0.97" at_least "$(best "$tmp/t.json" accuracy)" 0.97
# "first": a word takes its first piece's tag, the piece trained on.
"$electra" tag --model "$tmp/t" --aggregation first --json "alice walked river new york stone zanzibar" > "$tmp/t1.json"
check "tag: electra tag finds just three entities" [ "$(grep -o entity_group "$tmp/t1.json" | wc -l)" -eq 3 ]
check "tag: electra tag finds the person" grep -q '"entity_group":"PER","score":[0-9.e-]*,"word":"alice"' "$tmp/t1.json"
check "tag: electra tag finds the two-word place" grep -q '"entity_group":"LOC","score":[0-9.e-]*,"word":"new york"' "$tmp/t1.json"
check "tag: electra tag finds the three-piece place" grep -q '"entity_group":"LOC","score":[0-9.e-]*,"word":"zanzibar"' "$tmp/t1.json"

# --- qa ---------------------------------------------------------------------
start=$(date +%s)
"$electra" finetune --task qa $common --epochs 15 --max-length 32 --doc-stride 8 \
    --train "$tmp/qa.train" --dev "$tmp/qa.dev" --out "$tmp/q" > "$tmp/q.json" 2> "$tmp/q.err"
check "qa: finetune exits 0" [ $? -eq 0 ]
echo "qa: $(best "$tmp/q.json" exact_match) exact match, $(best "$tmp/q.json" f1) F1, $(($(date +%s) - start)) s"
check "qa: exact match >= 0.80" at_least "$(best "$tmp/q.json" exact_match)" 0.80
check "qa: contexts were read in several windows" grep -q '"train_rows":1[0-9][0-9][0-9]' "$tmp/q.json"
"$electra" qa --model "$tmp/q" --json --context "apple river key green stone cloud red music" \
    "what is the key ?" > "$tmp/q1.json"
check "qa: electra qa answers" grep -q '"answer":"green"' "$tmp/q1.json"

# --- starting from fixture checkpoints (skipped without the fixtures) ------
models="${ELECTRA_FIXTURES:-}/models"
if [ -d "$models/tiny-tagger" ] && [ -d "$models/tiny-discriminator" ]; then
    # A tagger whose id2label holds the data's tags keeps its head and order.
    "$electra" finetune --task tag --model "$models/tiny-tagger" --epochs 1 \
        --train "$tmp/tag.train" --out "$tmp/k" > /dev/null 2> "$tmp/k.err"
    check "a fitting head is kept" grep -q "(its own head), 5 labels: O B-PER I-PER B-LOC I-LOC" "$tmp/k.err"
    check "the kept labels keep their ids" grep -q '"1": "B-PER"' "$tmp/k/config.json"
    # A discriminator gets a classifier on its trunk.
    "$electra" finetune --task classify --model "$models/tiny-discriminator" --epochs 1 \
        --train "$tmp/classify.train" --out "$tmp/n" > /dev/null 2> "$tmp/n.err"
    check "a discriminator gets a new head" grep -q "(its trunk and a new head), 2 labels: no yes" "$tmp/n.err"
    check "the new head is saved" grep -q ElectraForSequenceClassification "$tmp/n/config.json"
else
    echo "SKIPPED: fixture checkpoints (no \$ELECTRA_FIXTURES/models)"
fi

# --- errors -----------------------------------------------------------------
check "--help (0)" [ "$(status "$electra" finetune --help)" -eq 0 ]
check "no --task (2)" [ "$(status "$electra" finetune --model "$tmp/model" --train "$tmp/tag.train" --out "$tmp/x")" -eq 2 ]
check "unknown task (2)" [ "$(status "$electra" finetune --task ner --model "$tmp/model" --train "$tmp/tag.train" --out "$tmp/x")" -eq 2 ]
check "bad --lr (2)" [ "$(status "$electra" finetune --task tag $common --lr fast --train "$tmp/tag.train" --out "$tmp/x")" -eq 2 ]
check "unknown option (2)" [ "$(status "$electra" finetune --task tag $common --epoch 3 --train "$tmp/tag.train" --out "$tmp/x")" -eq 2 ]
"$electra" finetune --task tag --model "$tmp/model" --train "$tmp/tag.train" --out "$tmp/x" 2> "$tmp/err"
check "no weights without --init random (1) says so" grep -q "init random" "$tmp/err"
{ head -2 "$tmp/classify.train"; echo '{"text": "apple", "label": 3}'; } > "$tmp/bad.jsonl"
"$electra" finetune --task classify $common --train "$tmp/bad.jsonl" --out "$tmp/x" 2> "$tmp/err"
check "a bad line (1) names the file and line" grep -q "bad.jsonl:3: \"label\" is not a string" "$tmp/err"
{ cat "$tmp/classify.dev"; echo '{"text": "apple", "label": "maybe"}'; } > "$tmp/dev2.jsonl"
"$electra" finetune --task classify $common --train "$tmp/classify.train" --dev "$tmp/dev2.jsonl" --out "$tmp/x" 2> "$tmp/err"
check "an unknown dev label (1) is named with its line" grep -q "dev2.jsonl:201: label \"maybe\" is not one of the 2 labels (no, yes)" "$tmp/err"
check "a missing file (1)" [ "$(status "$electra" finetune --task tag $common --train "$tmp/nope.jsonl" --out "$tmp/x")" -eq 1 ]
exit $fail
