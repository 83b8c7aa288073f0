#!/bin/sh
# cli_vocab.sh - `electra vocab build` and `coverage`: a vocabulary from a
# small corpus (same file twice, loadable by `electra tokenize`), the
# figures printed, usage errors (2) and bad files (1).
set -u
. "${top_srcdir:-.}/tests/cli_util.sh"
make_tmp cli_vocab

i=0
while [ $i -lt 200 ]; do
    echo "The lower lowest newer newest wider widest, said the low new wide one $i."
    i=$((i + 1))
done > "$tmp/a.txt"
printf 'H\303\251llo hello HELLO!\n' > "$tmp/b.txt"

"$electra" vocab build --size 180 --out "$tmp/v1.txt" --corpus "$tmp/a.txt" "$tmp/b.txt" > "$tmp/out1.json"
check "build exits 0" [ $? -eq 0 ]
check "180 lines" [ "$(wc -l < "$tmp/v1.txt")" -eq 180 ]
check "[MASK] is line 104" [ "$(sed -n 104p "$tmp/v1.txt")" = "[MASK]" ]
check "the figures are printed" grep -q '"tokens":180,.*"distinct_words":' "$tmp/out1.json"
"$electra" vocab build --size 180 --out "$tmp/v2.txt" "$tmp/b.txt" "$tmp/a.txt" > /dev/null
check "same vocabulary whatever the file order" cmp -s "$tmp/v1.txt" "$tmp/v2.txt"
"$electra" tokenize --vocab "$tmp/v1.txt" --json "Hello, newest" > "$tmp/tok.json"
check "tokenize reads it" grep -q '"tokens":\["\[CLS\]","h[a-z#",]*"\[SEP\]"\]' "$tmp/tok.json"

"$electra" vocab coverage --vocab "$tmp/v1.txt" "$tmp/a.txt" > "$tmp/cov.json"
check "coverage exits 0" [ $? -eq 0 ]
check "no [UNK] on its own corpus" grep -q '"unknown":0,' "$tmp/cov.json"
printf 'wide \344\270\255\n' > "$tmp/c.txt"
"$electra" vocab coverage --vocab "$tmp/v1.txt" "$tmp/c.txt" > "$tmp/cov2.json"
check "an unseen character is [UNK]" grep -q '"words":2,"pieces":[0-9]*,"unknown":1,' "$tmp/cov2.json"

check "no arguments: usage (2)" [ "$(status "$electra" vocab)" -eq 2 ]
check "--help (0)" [ "$(status "$electra" vocab build --help)" -eq 0 ]
check "no --size (2)" [ "$(status "$electra" vocab build --out "$tmp/x" "$tmp/a.txt")" -eq 2 ]
check "bad --size (2)" [ "$(status "$electra" vocab build --size -3 --out "$tmp/x" "$tmp/a.txt")" -eq 2 ]
check "no corpus (2)" [ "$(status "$electra" vocab build --size 200 --out "$tmp/x")" -eq 2 ]
check "unknown option (2)" [ "$(status "$electra" vocab build --sise 200 --out "$tmp/x" "$tmp/a.txt")" -eq 2 ]
check "missing corpus file (1)" [ "$(status "$electra" vocab build --size 200 --out "$tmp/x" "$tmp/nope.txt")" -eq 1 ]
"$electra" vocab build --size 200 --out "$tmp/x" "$tmp/nope.txt" 2> "$tmp/err"
check "the message names the file" grep -q "nope.txt" "$tmp/err"
printf 'ok\nbad \377\n' > "$tmp/bad.txt"
"$electra" vocab build --size 200 --out "$tmp/x" "$tmp/bad.txt" 2> "$tmp/err"
check "invalid UTF-8 (1) names the line" grep -q "bad.txt: line 2: invalid UTF-8" "$tmp/err"
check "size below specials + alphabet (1)" [ "$(status "$electra" vocab build --size 105 --out "$tmp/x" "$tmp/a.txt")" -eq 1 ]
check "unwritable --out (1)" [ "$(status "$electra" vocab build --size 200 --out "$tmp/no/dir/v.txt" "$tmp/a.txt")" -eq 1 ]
check "coverage without --vocab (2)" [ "$(status "$electra" vocab coverage "$tmp/a.txt")" -eq 2 ]
check "coverage of a missing file (1)" [ "$(status "$electra" vocab coverage --vocab "$tmp/v1.txt" "$tmp/nope.txt")" -eq 1 ]
exit $fail
