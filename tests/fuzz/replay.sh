#!/bin/sh
# replay.sh - replays every fuzz corpus (tests/fuzz/corpus/<name>/) through
# its target's replay program (tests/fuzz/replay_<name>); a corpus without
# a program, or a program that fails, fails the test.
set -u
src="${top_srcdir:-.}/tests/fuzz/corpus"
bin="${top_builddir:-.}/tests/fuzz"
fail=0
found=0
for dir in "$src"/*/; do
    [ -d "$dir" ] || continue
    name=$(basename "$dir")
    found=$((found + 1))
    if [ ! -x "$bin/replay_$name" ]; then
        echo "FAILED: corpus $name has no program $bin/replay_$name"
        fail=1
    elif ! "$bin/replay_$name" "$dir"; then
        echo "FAILED: replay of corpus $name"
        fail=1
    fi
done
if [ "$found" -eq 0 ]; then
    echo "FAILED: no corpus under $src"
    fail=1
fi
exit $fail
