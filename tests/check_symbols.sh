#!/bin/sh
# check_symbols.sh - the shared library exports exactly the functions that
# include/electra.h declares with ELECTRA_API: no more (every export must be
# declared and start with electra_), no fewer (every declared function must
# be exported), and all under the ELECTRA_1.0 version node (or a later one).
set -eu
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
NM=${NM:-nm}
lib=$(ls "$top_builddir"/.libs/libelectra.so.1.* 2>/dev/null | head -n 1)
if [ -z "$lib" ]; then
    echo "check_symbols: no shared library under $top_builddir/.libs" >&2
    exit 1
fi
tmp=${TMPDIR:-/tmp}/electra-symbols.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT INT TERM

# Declared: preprocess the header (comments gone, ELECTRA_API expanded),
# one declaration per line, the identifier before the parameter list.
${CC:-cc} -E -P -DELECTRA_BUILDING_LIBRARY "$top_srcdir/include/electra.h" | tr '\n' ' ' |
    sed 's/;/;\n/g' | grep 'visibility("default")' | sed 's/.*visibility("default")))//; s/(.*//' |
    awk '{print $NF}' | tr -d '*' | sort -u > "$tmp/declared"
# Exported: defined dynamic symbols, without the @@ELECTRA_1.0 suffix.
$NM -D --defined-only "$lib" | awk '{print $3}' | grep -v '^ELECTRA_1\.' |
    sed 's/@.*//' | sort -u > "$tmp/exported"
$NM -D --defined-only "$lib" | awk '{print $3}' | grep -v '^ELECTRA_1\.' |
    grep -v '@@ELECTRA_1\.[0-9]*$' > "$tmp/unversioned" || true

status=0
if [ ! -s "$tmp/declared" ]; then
    echo "check_symbols: found no ELECTRA_API declarations" >&2
    exit 1
fi
bad_prefix=$(grep -v '^electra_' "$tmp/exported" || true)
if [ -n "$bad_prefix" ]; then
    echo "exported without the electra_ prefix:"; echo "$bad_prefix"; status=1
fi
undeclared=$(comm -13 "$tmp/declared" "$tmp/exported")
if [ -n "$undeclared" ]; then
    echo "exported but not declared in electra.h:"; echo "$undeclared"; status=1
fi
missing=$(comm -23 "$tmp/declared" "$tmp/exported")
if [ -n "$missing" ]; then
    echo "declared in electra.h but not exported:"; echo "$missing"; status=1
fi
if [ -s "$tmp/unversioned" ]; then
    echo "exported outside an ELECTRA_1.x version node:"; cat "$tmp/unversioned"; status=1
fi
soname=$(objdump -p "$lib" | awk '/SONAME/ {print $2}')
if [ "$soname" != "libelectra.so.1" ]; then
    echo "SONAME is '$soname', expected libelectra.so.1"; status=1
fi
[ $status -eq 0 ] && echo "check_symbols: $(wc -l < "$tmp/exported") exported symbols match electra.h, SONAME $soname"
exit $status
