# cli_util.sh - sourced by the command-line tests: the electra binary, a
# scratch directory removed on exit, and the check/status helpers that
# count failures in $fail (the script ends with `exit $fail`).
electra="${top_builddir:-.}/src/electra"
fail=0
check() { # description, then a command that must succeed
    what=$1; shift
    if "$@"; then echo "ok: $what"; else echo "FAILED: $what"; fail=1; fi
}
status() { # the exit status of a command, its output dropped
    "$@" >/dev/null 2>&1
    echo $?
}
# make_tmp NAME: sets $tmp to a fresh directory, removed when the script exits.
make_tmp() {
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || exit 1
    trap 'rm -rf "$tmp"' EXIT
}
