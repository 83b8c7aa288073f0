#!/bin/sh
# build.sh - build the libFuzzer binaries (run by `make fuzz`; see README).
#
#   build.sh OUTDIR TARGET...
#
# Environment: srcdir (the source tree), CC (clang), LIB_SOURCES (the
# library's sources from the Makefile), DEPS_LIBS, FUZZ_CFLAGS. The
# library is compiled again with coverage instrumentation and
# ASan+UBSan, on its portable kernels only (the AVX-512 GEMM is written
# for GCC's target pragmas; the replay run of `make check` covers it).
set -eu
out=$1
shift
srcdir=${srcdir:-.}
CC=${CC:-clang-14}
FUZZ_CFLAGS=${FUZZ_CFLAGS:--g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined}
mkdir -p "$out/obj"
inc="-I$srcdir/include -I$srcdir/lib -I$srcdir/tests -I$srcdir/tests/fuzz"
defs="-D_DEFAULT_SOURCE -DELECTRA_BUILDING_LIBRARY"
if grep -q 'define HAVE_OPENBLAS_SET_NUM_THREADS 1' config.h 2>/dev/null; then
    defs="$defs -DHAVE_OPENBLAS_SET_NUM_THREADS=1"
fi
cflags="-std=c11 $FUZZ_CFLAGS $defs $inc $(pkg-config --cflags libcjson libutf8proc openblas 2>/dev/null || true)"

objs=
for src in $LIB_SOURCES tests/tiny_model.c tests/fuzz/fuzz_util.c; do
    case $src in *.c) ;; *) continue ;; esac
    obj="$out/obj/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')"
    if [ ! -f "$obj" ] || [ "$srcdir/$src" -nt "$obj" ]; then
        echo "  CC (fuzz) $src"
        $CC $cflags -fsanitize=fuzzer-no-link -c "$srcdir/$src" -o "$obj"
    fi
    objs="$objs $obj"
done
for t in "$@"; do
    echo "  LD (fuzz) $out/fuzz_$t"
    $CC $cflags -fsanitize=fuzzer "$srcdir/tests/fuzz/fuzz_$t.c" $objs $DEPS_LIBS -o "$out/fuzz_$t"
done
