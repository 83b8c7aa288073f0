# 40-python.sh - the Python binding (bindings/python): its pytest suite on
# the library just built, then the package as a user gets it: installed by
# pip from the source, loading the installed libelectra.so.1 by its SONAME.
if [ "$(id -u)" = 0 ]; then
    apt-get install -y -q --no-install-recommends python3-pytest python3-numpy \
        python3-pip python3-setuptools
fi
make -j"$jobs" check-python PYTHON=/usr/bin/python3
(
    stage=$(mktemp -d "${TMPDIR:-/tmp}/electra-python.XXXXXX")
    trap 'rm -rf "$stage"' EXIT
    make install DESTDIR="$stage/root" >/dev/null
    libdir=$(dirname "$(find "$stage/root" -name libelectra.so.1 | head -n 1)")
    cp -r bindings/python "$stage/src"
    /usr/bin/python3 -m pip install -q --no-build-isolation --no-index \
        --target "$stage/site" "$stage/src"
    cd "$stage"
    env -u ELECTRA_LIBRARY LD_LIBRARY_PATH="$libdir" PYTHONPATH="$stage/site" \
        /usr/bin/python3 - "$ELECTRA_FIXTURES/models/tiny-generator" <<'PY'
import sys
import electra
assert "/site/electra/" in electra.__file__, electra.__file__
assert electra.library_path == "libelectra.so.1", electra.library_path
with electra.Model.from_pretrained(sys.argv[1]) as m:
    out = m.fill_mask("The capital of France is [MASK].", top_k=3)
assert len(out) == 3 and out[0]["score"] >= out[1]["score"]
print("installed binding OK:", electra.__file__, "->", electra.library_path)
PY
)
