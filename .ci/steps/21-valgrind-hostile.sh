# valgrind memcheck on the electra tool over every entry of the hostile set
# (tests/hostile/MANIFEST: weight files, model directories, tokenizer files
# and directories): each must exit 1 with no memory error and no leak.
if [ "$(id -u)" = 0 ]; then
    apt-get install -y -q --no-install-recommends valgrind
fi
echo "--- valgrind: electra on the hostile set"
sh tests/hostile/valgrind_cli.sh src/electra "$jobs"
