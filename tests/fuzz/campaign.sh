#!/bin/sh
# campaign.sh - run libFuzzer targets one after the other (never in
# parallel: the machine is shared), each until RUNS executions or
# MAX_SECONDS, whichever comes first, and print one summary line per target.
#
#   tests/fuzz/campaign.sh WORKDIR TARGET...     (after `make fuzz`)
#
# Each target grows WORKDIR/<target>/corpus from tests/fuzz/corpus/<target>
# (which it only reads); findings go to WORKDIR/<target>/artifacts/, the
# log to WORKDIR/<target>/log. Copy a finding into tests/fuzz/corpus/<target>/
# (named crash-<what>) once it is fixed, so that make check replays it.
set -u
work=$1
shift
RUNS=${RUNS:-10000000}
MAX_SECONDS=${MAX_SECONDS:-1800}
MALLOC_MB=${MALLOC_MB:-128}
bin=${FUZZ_BIN:-$(dirname "$0")/bin}
corpus=$(dirname "$0")/corpus
for t in "$@"; do
    d=$work/$t
    mkdir -p "$d/corpus" "$d/artifacts"
    begin=$(date +%s)
    OPENBLAS_NUM_THREADS=1 nice -n 19 "$bin/fuzz_$t" -runs="$RUNS" -max_total_time="$MAX_SECONDS" \
        -print_final_stats=1 -malloc_limit_mb="$MALLOC_MB" -rss_limit_mb=2048 -timeout=10 \
        -artifact_prefix="$d/artifacts/" "$d/corpus" "$corpus/$t" >"$d/log" 2>&1
    rc=$?
    end=$(date +%s)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$d/log")
    last=$(grep -E '^#[0-9]+.*cov: ' "$d/log" | tail -1 | sed 's/.*\(cov: [0-9]* ft: [0-9]*\).*/\1/')
    found=$(ls "$d/artifacts" | wc -l)
    echo "$t: rc=$rc execs=${execs:-?} seconds=$((end - begin)) $last artifacts=$found"
done
