#!/bin/sh
# abi.sh - the ABI guard of libelectra.so.1 (see tests/abi/README.md).
#
#   abi.sh check    compare the built library with the committed baseline
#   abi.sh update   rewrite the baseline from the built library, on purpose
#
# The baseline is two files: libelectra.so.1.abi (abidw's description of
# the exported functions and the types they reach, from the debug info) and
# enums.txt (every enumerator of include/electra.h with its value: most
# enums are passed as int, so the debug info does not carry them).
#
# check fails when
#  - abidiff finds an incompatible change (a function removed, a parameter
#    or return type changed, an enumerator of a reachable enum renumbered
#    ...) or any change other than added functions;
#  - a symbol of the baseline changed its version node, or a new symbol is
#    not in a new node (ELECTRA_1.1 or later, absent from the baseline);
#  - an enumerator of the baseline is gone or has another value;
#  - the SONAME changed.
# Environment: top_srcdir, top_builddir, ABIDW, ABIDIFF, NM, CC.
set -eu
mode=${1:-check}
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
ABIDW=${ABIDW:-abidw}
ABIDIFF=${ABIDIFF:-abidiff}
NM=${NM:-nm} # may carry options (libtool sets "nm -B"): used unquoted
CC=${CC:-cc}
lib=$top_builddir/.libs/libelectra.so.1
abi=$top_srcdir/tests/abi/libelectra.so.1.abi
enums=$top_srcdir/tests/abi/enums.txt
header=$top_srcdir/include/electra.h

die() {
    echo "abi: $*" >&2
    exit 1
}

command -v "$ABIDW" >/dev/null 2>&1 && command -v "$ABIDIFF" >/dev/null 2>&1 ||
    die "abidw/abidiff not found (Debian: apt-get install abigail-tools)"
[ -f "$lib" ] || die "no $lib: build the library first (make)"
# abidw reads the types from DWARF; without it only symbol names would be
# compared and a changed parameter type would pass unnoticed.
LC_ALL=C readelf -S "$lib" | grep -q '\.debug_info' ||
    die "$lib has no debug info: configure with CFLAGS containing -g (the default -g -O2)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/electra-abi.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# Options that keep the file independent of where and when it was built:
# no paths, no source lines (comment edits in the header move them), type
# ids from hashes, only what electra.h declares.
dump() {
    "$ABIDW" --headers-dir "$top_srcdir/include" --drop-private-types \
        --exported-interfaces-only --drop-undefined-syms --no-corpus-path \
        --no-comp-dir-path --no-show-locs --type-id-style hash --out-file "$1" "$lib"
}

# Every enumerator of the header as "NAME VALUE"; each must have an explicit
# value (the header promises fixed values), else the extraction fails.
header_enums() {
    "$CC" -E -P "$header" | tr '\n' ' ' | sed 's/}/}\n/g' |
        sed -n 's/.*enum [A-Za-z_]* *{\(.*\)}.*/\1/p' | tr ',' '\n' |
        sed 's/^ *//; s/ *$//' | grep -v '^$' > "$tmp/enum-items"
    if grep -Ev '^ELECTRA_[A-Z0-9_]+ = [0-9]+$' "$tmp/enum-items" > "$tmp/bad-enums"; then
        echo "abi: enumerators without an explicit value in electra.h:" >&2
        cat "$tmp/bad-enums" >&2
        exit 1
    fi
    sed 's/ = / /' "$tmp/enum-items" | sort
}

# "name version" of every exported function.
symbols_of_lib() {
    $NM -D --defined-only "$lib" | awk '$3 ~ /@@/ {split($3, a, "@@"); print a[1], a[2]}' |
        grep -v '^ELECTRA_' | sort
}

symbols_of_baseline() {
    sed -n "s/.*<elf-symbol name='\([^']*\)' version='\([^']*\)'.*/\1 \2/p" "$abi" | sort
}

if [ "$mode" = update ]; then
    dump "$abi"
    header_enums > "$enums"
    echo "abi: wrote $abi ($(symbols_of_baseline | wc -l) functions) and $enums" \
        "($(wc -l < "$enums") enumerators); review with git diff and commit them"
    exit 0
fi
[ "$mode" = check ] || die "usage: abi.sh check|update"
[ -f "$abi" ] && [ -f "$enums" ] || die "no baseline in tests/abi: run make update-abi"

status=0
fail() {
    echo "abi: FAIL: $*"
    status=1
}

# 1. abidiff: exit status bits 1 error, 2 usage, 4 change, 8 incompatible.
dump "$tmp/current.abi"
rc=0
"$ABIDIFF" --no-show-locs "$abi" "$tmp/current.abi" > "$tmp/report" 2>&1 || rc=$?
if [ $((rc & 3)) -ne 0 ]; then
    cat "$tmp/report"
    die "abidiff could not compare (exit $rc)"
fi
if [ $((rc & 8)) -ne 0 ]; then
    cat "$tmp/report"
    fail "incompatible ABI change (above): the SONAME must change (see tests/abi/README.md)"
elif [ $((rc & 4)) -ne 0 ]; then
    # Only additions are compatible: nothing removed and nothing changed.
    if grep -q '^Functions changes summary: 0 Removed, 0 Changed' "$tmp/report" &&
        grep -q '^Variables changes summary: 0 Removed, 0 Changed' "$tmp/report" &&
        ! grep -q 'SONAME' "$tmp/report"; then
        echo "abi: compatible additions:"
        sed -n 's/^ *\[A\] /  /p' "$tmp/report"
    else
        cat "$tmp/report"
        fail "ABI change beyond added functions (above)"
    fi
fi

# 2. symbol versions: old symbols keep theirs, new ones get a new node.
symbols_of_baseline > "$tmp/base-syms"
symbols_of_lib > "$tmp/lib-syms"
[ -s "$tmp/lib-syms" ] || die "no versioned symbols in $lib"
awk '{print $2}' "$tmp/base-syms" | sort -u > "$tmp/base-versions"
while read -r name version; do
    old=$(awk -v n="$name" '$1 == n {print $2}' "$tmp/base-syms")
    if [ -n "$old" ]; then
        [ "$old" = "$version" ] ||
            fail "$name moved from version node $old to $version"
    elif grep -qx "$version" "$tmp/base-versions"; then
        fail "new function $name is in the existing node $version: add it to a new node" \
            "(ELECTRA_1.N { global: ...; } ELECTRA_1.(N-1);) in lib/libelectra.map"
    elif ! echo "$version" | grep -Eq '^ELECTRA_1\.[1-9][0-9]*$'; then
        fail "new function $name has version $version, not ELECTRA_1.1 or later"
    fi
done < "$tmp/lib-syms"
awk '{print $1}' "$tmp/lib-syms" > "$tmp/lib-names"
for name in $(awk '{print $1}' "$tmp/base-syms"); do
    grep -qx "$name" "$tmp/lib-names" || fail "function $name is no longer exported"
done

# 3. enumerators: kept with their values (new ones may be appended).
header_enums > "$tmp/header-enums"
while read -r name value; do
    now=$(awk -v n="$name" '$1 == n {print $2}' "$tmp/header-enums")
    if [ -z "$now" ]; then
        fail "enumerator $name ($value) was removed from electra.h"
    elif [ "$now" != "$value" ]; then
        fail "enumerator $name changed from $value to $now"
    fi
done < "$enums"
added=$(awk 'NR == FNR {old[$1] = 1; next} !($1 in old) {printf "%s ", $1}' \
    "$enums" "$tmp/header-enums")
[ -z "$added" ] || echo "abi: new enumerators: $added"

# 4. SONAME.
base_soname=$(sed -n "s/.*<abi-corpus [^>]*soname='\([^']*\)'.*/\1/p" "$abi")
soname=$(LC_ALL=C readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
[ "$soname" = "$base_soname" ] || fail "SONAME is $soname, the baseline's $base_soname"

if [ $status -eq 0 ]; then
    echo "abi: OK: $(wc -l < "$tmp/lib-syms") functions and $(wc -l < "$tmp/header-enums")" \
        "enumerators compatible with the baseline ($soname)"
fi
exit $status
