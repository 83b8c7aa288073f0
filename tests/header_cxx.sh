#!/bin/sh
# header_cxx.sh - include/electra.h is a clean header for C and C++
# consumers: it compiles without a warning as C99/C11 and as C++11 to C++20
# (-Wall -Wextra -pedantic -Werror), twice in one unit (include guard), and
# its functions get C linkage from C++ (unmangled references).
set -eu
top_srcdir=${top_srcdir:-.}
CC=${CC:-cc}
CXX=${CXX:-c++}
tmp=${TMPDIR:-/tmp}/electra-header.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT INT TERM

# Uses every kind of declaration: macros, enums, typedefs, prototypes.
cat > "$tmp/use.h" <<'USE'
#include <electra.h>
#include <electra.h>
static int electra_header_use(void)
{
    electra_model *model = 0;
    electra_status status = electra_model_load("dir", 0, &model);
    electra_log_fn log = 0;
    electra_set_log_callback(log, ELECTRA_LOG_WARNING, 0);
    int version = ELECTRA_VERSION_NUMBER + electra_version_number();
    electra_model_free(model);
    return status == ELECTRA_OK && version > 0 && ELECTRA_OPT_THREADS == 20;
}
int electra_header_check(void);
int electra_header_check(void) { return electra_header_use(); }
USE
cp "$tmp/use.h" "$tmp/use.c"
cp "$tmp/use.h" "$tmp/use.cpp"
flags="-Wall -Wextra -pedantic -Werror -I$top_srcdir/include"
for std in c99 c11; do
    $CC -std=$std $flags -c "$tmp/use.c" -o "$tmp/use-$std.o"
done
if ! echo 'int main() { return 0; }' | $CXX -x c++ -o "$tmp/probe" - 2>/dev/null; then
    echo "header_cxx: no working C++ compiler ($CXX): C++ checks skipped"
    exit 77
fi
for std in c++11 c++14 c++17 c++20; do
    # -Wold-style-cast: the header's macros expand into C++ code too
    $CXX -std=$std $flags -Wold-style-cast -c "$tmp/use.cpp" -o "$tmp/use-$std.o"
done
# C linkage: the C++ object refers to the plain C names.
nm "$tmp/use-c++17.o" | grep -q ' U electra_model_load$' || {
    echo "header_cxx: electra_model_load has C++ linkage (extern \"C\" missing)"
    exit 1
}
echo "header_cxx: electra.h is clean as C99, C11 and C++11/14/17/20, with C linkage"
