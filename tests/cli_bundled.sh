#!/bin/sh
# cli_bundled.sh - the bundled model (models/): `electra fill-mask` and
# `electra detect` without --model find and run it (the README's first
# command), $ELECTRA_MODELS comes first, and the weights stay within the
# 20 MB budget.
set -u
. "${top_srcdir:-.}/tests/cli_util.sh"
make_tmp cli_bundled
models="${top_srcdir:-.}/models"

"$electra" fill-mask --json "The capital of France is [MASK]." > "$tmp/fill.json" 2> "$tmp/err"
check "fill-mask without --model exits 0" [ $? -eq 0 ]
check "fill-mask gives five candidates" [ "$(grep -o '"token_id"' "$tmp/fill.json" | wc -l)" -eq 5 ]
"$electra" detect --json "The chef cooked the meal." > "$tmp/detect.json" 2>> "$tmp/err"
check "detect without --model exits 0" [ $? -eq 0 ]
check "detect scores every token" grep -q '"probability"' "$tmp/detect.json"

# The bundled generator and discriminator are the ones in models/.
"$electra" fill-mask --json --model "$models/generator" "The capital of France is [MASK]." \
    > "$tmp/fill_explicit.json"
check "the default is models/generator" cmp -s "$tmp/fill.json" "$tmp/fill_explicit.json"

# --precision: int8 and bf16 run (on any CPU: float32 where it lacks the
# instructions) and give the same best word here; other values are refused.
for p in bf16 int8; do
    "$electra" fill-mask --json --precision "$p" "The capital of France is [MASK]." \
        > "$tmp/fill_$p.json" 2>> "$tmp/err"
    check "fill-mask --precision $p exits 0" [ $? -eq 0 ]
    check "fill-mask --precision $p gives the same best word" [ \
        "$(grep -o '"token_id": *[0-9]*' "$tmp/fill_$p.json" | head -1)" = \
        "$(grep -o '"token_id": *[0-9]*' "$tmp/fill.json" | head -1)" ]
done
"$electra" fill-mask --precision fp8 "The capital of France is [MASK]." > /dev/null 2>&1
check "an unknown --precision is a usage error" [ $? -eq 2 ]

# $ELECTRA_MODELS comes first: pointed at the tiny fixture generator, it
# gives that model's answer.
tiny="${ELECTRA_FIXTURES:-../shared/fixtures}/models/tiny-generator"
if [ -f "$tiny/config.json" ]; then
    mkdir -p "$tmp/models"
    cp -r "$tiny" "$tmp/models/generator"
    ELECTRA_MODELS="$tmp/models" "$electra" fill-mask --json "The capital of France is [MASK]." \
        > "$tmp/fill_env.json"
    "$electra" fill-mask --json --model "$tiny" "The capital of France is [MASK]." \
        > "$tmp/fill_tiny.json"
    check "ELECTRA_MODELS is used" cmp -s "$tmp/fill_env.json" "$tmp/fill_tiny.json"
    check "and differs from the bundled model" sh -c '! cmp -s "$1" "$2"' - "$tmp/fill_env.json" "$tmp/fill.json"
else
    echo "skipped: ELECTRA_MODELS check (no fixtures at $tiny)"
fi

bytes=$(cat "$models"/generator/model.safetensors "$models"/discriminator/model.safetensors | wc -c)
check "bundled weights at most 20 MB ($bytes bytes)" [ "$bytes" -le 20000000 ]

[ $fail -eq 0 ] || cat "$tmp/err"
exit $fail
