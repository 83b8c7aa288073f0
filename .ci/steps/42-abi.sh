# 42-abi.sh - the ABI guard: the library just built against the committed
# baseline in tests/abi (make check-abi; the tree is built with -g -O2).
if [ "$(id -u)" = 0 ]; then
    apt-get install -y -q --no-install-recommends abigail-tools
fi
make -j"$jobs" check-abi ABIDW=abidw ABIDIFF=abidiff
