# ThreadSanitizer: a separate build, then the suites that share models,
# tokenizers and thread pools between threads (tests/check_threads.c: 8
# threads x 1,000 mixed calls on shared models; the thread pool's own
# suite; pre-training, whose data-parallel steps read one set of weights
# from several threads). Any report stops the run (halt_on_error). The tree is left
# configured and built normally for the steps after this one.
echo "--- ThreadSanitizer build"
make distclean
./configure CFLAGS='-O1 -g -fsanitize=thread -fno-omit-frame-pointer' LDFLAGS='-fsanitize=thread'
make -j"$jobs" check TESTS=
for suite in threads threadpool pretrain; do
    echo "--- ThreadSanitizer: suite $suite"
    CK_FORK=no CK_RUN_SUITE=$suite TSAN_OPTIONS='halt_on_error=1 second_deadlock_stack=1' \
        top_srcdir=$top ./tests/check_electra
done
make distclean
./configure
make -j"$jobs"
