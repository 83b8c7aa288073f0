#!/bin/sh
# valgrind_cli.sh - the electra tool on every entry of tests/hostile/MANIFEST
# under valgrind memcheck: each must exit with status 1 (a clean failure),
# with no memory error and no leak.
#
#   tests/hostile/valgrind_cli.sh [ELECTRA] [JOBS]
#
# ELECTRA is the tool (default src/electra, run from the top of a built
# tree). Model directories go to `electra info --model DIR`, vocab.txt /
# tokenizer.json files and tokenizer directories to `electra tokenize`,
# and bare weight files are put in a scratch model directory (a small
# config.json beside them) and go to `electra info --model`.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
electra=${1:-src/electra}
jobs=${2:-2}
case $electra in /*) ;; *) electra=$(pwd)/$electra ;; esac
scratch=$(mktemp -d "${TMPDIR:-/tmp}/electra-valgrind.XXXXXX")
trap 'rm -rf "$scratch"' EXIT INT TERM

# One case: wraps weight files into a model directory, runs the tool.
# Prints "ok PATH" or "FAIL PATH (why)" and keeps valgrind's log on failure.
cat >"$scratch/one.sh" <<'EOF'
#!/bin/sh
here=$1 electra=$2 scratch=$3 rel=$4
path=$here/$rel
name=$(echo "$rel" | tr '/' '_')
case $rel in
*.model/) set -- info --model "$path" ;;
*.tokenizer/) set -- tokenize --model "$path" "The quick brown fox." ;;
*.txt | *.tokenizer.json) set -- tokenize --vocab "$path" "The quick brown fox." ;;
weights/*)
    dir=$scratch/$name.model
    mkdir -p "$dir"
    cat >"$dir/config.json" <<'JSON'
{"architectures": ["ElectraForMaskedLM"], "vocab_size": 8, "embedding_size": 4,
 "hidden_size": 4, "num_hidden_layers": 1, "num_attention_heads": 1,
 "intermediate_size": 8, "max_position_embeddings": 8}
JSON
    case $rel in
    *.index.json) cp "$path" "$dir/model.safetensors.index.json"
                  cp "$here"/weights/support_* "$dir"/ ;;
    *.safetensors) cp "$path" "$dir/model.safetensors" ;;
    *.bin) cp "$path" "$dir/pytorch_model.bin" ;;
    esac
    set -- info --model "$dir" ;;
*) echo "skip $rel"; exit 0 ;;
esac
log=$scratch/$name.log
valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --log-file="$log" "$electra" "$@" >/dev/null 2>&1
rc=$?
if [ $rc -eq 1 ] && [ ! -s "$log" ]; then
    echo "ok $rel"
else
    echo "FAIL $rel (exit $rc)"
    cat "$log"
fi
EOF

grep -v '^#' "$here/MANIFEST" | awk 'NF { print $1 }' |
    xargs -P "$jobs" -n 1 sh "$scratch/one.sh" "$here" "$electra" "$scratch" >"$scratch/results"
ok=$(grep -c '^ok ' "$scratch/results" || true)
failed=$(grep -c '^FAIL ' "$scratch/results" || true)
if [ "$failed" -ne 0 ]; then
    grep -v '^ok ' "$scratch/results"
    echo "valgrind_cli: $failed of $((ok + failed)) hostile entries failed"
    exit 1
fi
echo "valgrind_cli: $ok hostile entries exit 1 cleanly under valgrind"
