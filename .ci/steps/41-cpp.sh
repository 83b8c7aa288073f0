# 41-cpp.sh - C++ consumers: electra.h as C++ (g++ and clang++ when there),
# and examples/cpp built through pkg-config against a staged `make install`.
if [ "$(id -u)" = 0 ]; then
    apt-get install -y -q --no-install-recommends g++ pkg-config
fi
top_srcdir=. CC=gcc CXX=g++ sh tests/header_cxx.sh
if command -v clang++ >/dev/null 2>&1; then
    top_srcdir=. CC=clang CXX=clang++ sh tests/header_cxx.sh
fi
(
    stage=$(mktemp -d "${TMPDIR:-/tmp}/electra-cpp.XXXXXX")
    trap 'rm -rf "$stage"' EXIT
    make install DESTDIR="$stage" >/dev/null
    pc=$(find "$stage" -name electra.pc | head -n 1)
    libdir=$(dirname "$(find "$stage" -name libelectra.so.1 | head -n 1)")
    # The .pc names the configured prefix; the sysroot points it at the stage.
    export PKG_CONFIG_PATH="$(dirname "$pc")" PKG_CONFIG_SYSROOT_DIR="$stage"
    make -C examples/cpp clean all
    LD_LIBRARY_PATH="$libdir" ./examples/cpp/electra_demo \
        "$ELECTRA_FIXTURES/models/tiny-generator" "$ELECTRA_FIXTURES/models/tiny-discriminator" \
        > "$stage/demo.out"
    cat "$stage/demo.out"
    grep -q 'ElectraForMaskedLM' "$stage/demo.out"
    grep -q 'ElectraForPreTraining' "$stage/demo.out"
    grep -q '^expected error (file missing or unreadable)' "$stage/demo.out"
    make -C examples/cpp clean
)
