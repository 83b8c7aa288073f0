# 43-doc.sh - documentation: the API reference builds without a warning
# (every public declaration documented), the man pages lint clean and are
# installed.
if [ "$(id -u)" = 0 ]; then
    apt-get install -y -q --no-install-recommends doxygen man-db groff-base
fi
make doc DOXYGEN=doxygen
test -f doc/html/index.html
test -f doc/html/electra_8h.html
(
    stage=$(mktemp -d "${TMPDIR:-/tmp}/electra-doc.XXXXXX")
    trap 'rm -rf "$stage"' EXIT
    make install DESTDIR="$stage" >/dev/null
    test -n "$(find "$stage" -path '*/man1/electra.1')"
    test -n "$(find "$stage" -path '*/man3/libelectra.3')"
)
make clean-doc
