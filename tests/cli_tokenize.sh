#!/bin/sh
# cli_tokenize.sh - `electra tokenize`: --jsonl on all 350 cases of
# cases.jsonl (checked by cli_tokenize_check against cases.jsonl and
# offsets.jsonl), bad lines, long lines, usage and file errors.
set -u
. "${top_srcdir:-.}/tests/cli_util.sh"
make_tmp cli_tokenize
checker="${top_builddir:-.}/tests/cli_tokenize_check"
fix="${ELECTRA_FIXTURES:-${top_srcdir:-.}/../shared/fixtures}/tokenizer"
if [ ! -f "$fix/cases.jsonl" ]; then
    echo "*** SKIPPED: fixtures not found at $fix (set ELECTRA_FIXTURES) ***"
    [ "${CI:-}" = true ] && exit 1
    exit 77
fi

# The case lines themselves are valid input: "text" and "pair" are read,
# other keys ignored.
for vocab in "$fix/vocab.txt" "$fix/tokenizer.json"; do
    "$electra" tokenize --vocab "$vocab" --jsonl < "$fix/cases.jsonl" > "$tmp/out.jsonl"
    check "--jsonl exit status with $(basename "$vocab")" [ $? -eq 0 ]
    check "--jsonl matches cases.jsonl and offsets.jsonl with $(basename "$vocab")" \
        "$checker" "$fix/cases.jsonl" "$fix/offsets.jsonl" "$tmp/out.jsonl"
done

# Bad lines get {"error": ...} and the following lines are still processed.
printf '%s\n' '{"text": "a"}' 'not json' '{"pair": "x"}' '{"text": 5}' \
    '{"text": "a", "pair": 3}' '{"text": "\u00e9t\u00e9", "pair": null}' > "$tmp/mixed.jsonl"
printf '{"text": "bad \377 byte"}\n{"text": "ok"}\n' >> "$tmp/mixed.jsonl"
"$electra" tokenize --vocab "$fix/vocab.txt" --jsonl < "$tmp/mixed.jsonl" > "$tmp/mixed.out"
check "bad lines do not stop --jsonl" [ $? -eq 0 ]
check "one output line per input line" [ "$(wc -l < "$tmp/mixed.out")" -eq 8 ]
check "five error lines" [ "$(grep -c '^{"error":' "$tmp/mixed.out")" -eq 5 ]
check "the last line is encoded" grep -q '^{"ids":\[101,7929,102\]' "$tmp/mixed.out"
check "the accented line is encoded" grep -q '^{"ids":\[101,3802,2063,102\]' "$tmp/mixed.out"

# A line of a few megabytes.
awk 'BEGIN { printf "{\"text\": \""; for (i = 0; i < 300000; i++) printf "hello "; print "\"}" }' \
    > "$tmp/long.jsonl"
"$electra" tokenize --vocab "$fix/vocab.txt" --jsonl < "$tmp/long.jsonl" > "$tmp/long.out"
check "a long line is read whole" [ "$(tr ',' '\n' < "$tmp/long.out" | grep -c '^7592$')" -eq 300000 ]

# Single text, human and JSON output.
out=$("$electra" tokenize --vocab "$fix/vocab.txt" --pair "It's" --json "Hello, world!")
check "--json output" [ "$out" = '{"ids":[101,7592,1010,2088,999,102,2009,1005,1055,102],"tokens":["[CLS]","hello",",","world","!","[SEP]","it","'"'"'","s","[SEP]"],"token_type_ids":[0,0,0,0,0,0,1,1,1,1],"attention_mask":[1,1,1,1,1,1,1,1,1,1],"special_tokens_mask":[1,0,0,0,0,1,0,0,0,1],"sequence_ids":[null,0,0,0,0,null,1,1,1,null],"offsets":[[0,0],[0,5],[5,6],[7,12],[12,13],[0,0],[0,2],[2,3],[3,4],[0,0]]}' ]
"$electra" tokenize --model "$fix/../models/tiny-generator" "naïve café" > "$tmp/human.txt"
check "human-readable output" grep -q 'naive *15743 *text 0\.\.6 "naïve"' "$tmp/human.txt"
check "--help" "$electra" tokenize --help > /dev/null

# Usage errors exit 2, unusable files or texts 1.
"$electra" tokenize "text" 2> /dev/null; check "no vocabulary: usage" [ $? -eq 2 ]
"$electra" tokenize --vocab "$fix/vocab.txt" 2> /dev/null; check "no text: usage" [ $? -eq 2 ]
"$electra" tokenize --vocab "$fix/vocab.txt" --jsonl x < /dev/null 2> /dev/null
check "--jsonl with a text: usage" [ $? -eq 2 ]
"$electra" tokenize --vocab "$fix/vocab.txt" --bogus x 2> /dev/null; check "unknown option" [ $? -eq 2 ]
"$electra" tokenize --vocab "$tmp/missing.txt" x 2> "$tmp/err"; check "missing vocabulary: 1" [ $? -eq 1 ]
check "the missing file is named" grep -q "missing.txt" "$tmp/err"
"$electra" tokenize --vocab "$fix/vocab.txt" "$(printf 'bad \377')" 2> "$tmp/err"
check "invalid UTF-8 text: 1" [ $? -eq 1 ]
check "the byte is named" grep -q "at byte 4" "$tmp/err"
exit $fail
