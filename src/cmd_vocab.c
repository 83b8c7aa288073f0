/* cmd_vocab.c - `electra vocab build`: learn a WordPiece vocabulary from
 * text; `electra vocab coverage`: how a vocabulary covers a text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "cli.h"
#include "vocab_build.h"

static const char *const cmd = "vocab";

static void usage(FILE *out)
{
    fprintf(out,
            "usage: electra vocab build --size N --out FILE [--limit-alphabet N]\n"
            "                           [--min-frequency N] [--corpus] FILE...\n"
            "       electra vocab coverage --vocab FILE TEXTFILE...\n"
            "\n"
            "build: learn an uncased BERT WordPiece vocabulary from UTF-8 text files,\n"
            "as Hugging Face's WordPieceTrainer does: words from BERT's normalizer and\n"
            "pre-tokenizer, then the most frequent adjacent pieces merged until the\n"
            "vocabulary holds N tokens. Ids 0-103 are BERT's: [PAD], [unused0..98],\n"
            "[UNK], [CLS], [SEP], [MASK]; then each character c and ##c; then the\n"
            "merges. The same corpus always gives the same file. Prints one JSON\n"
            "line of figures.\n"
            "\n"
            "  --size N            tokens wanted, specials included\n"
            "  --out FILE          the vocab.txt to write\n"
            "  --corpus FILE       a text file (repeatable; bare FILEs count too)\n"
            "  --limit-alphabet N  keep the N most frequent characters (default 1000)\n"
            "  --min-frequency N   stop when the best pair occurs fewer than N times\n"
            "                      (default 2)\n"
            "\n"
            "coverage: tokenize text files line by line with a vocabulary and print\n"
            "{\"words\", \"pieces\", \"unknown\", \"unk_rate\" (per word),\n"
            "\"pieces_per_word\"}.\n"
            "\n"
            "Exit status: 0 ok, 1 a file could not be read or written (or bad input),\n"
            "2 usage.\n");
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return cli_error(cmd, CLI_FAIL, "cannot write %s: %s", path, strerror(errno));
    int ok = fwrite(data, 1, len, f) == len;
    ok = (fclose(f) == 0) && ok;
    if (!ok)
        return cli_error(cmd, CLI_FAIL, "writing %s failed", path);
    return CLI_OK;
}

/* Parse "--name VALUE" as a count into *value; 1 when consumed, 0 when
 * argv[*i] is not name, -1 on a bad value (error printed). */
static int count_option(int argc, char **argv, int *i, const char *name, long long *value)
{
    if (strcmp(argv[*i], name) != 0)
        return 0;
    if (*i + 1 >= argc || (*value = cli_parse_count(argv[*i + 1])) < 0) {
        cli_error(cmd, CLI_USAGE, "%s needs a non-negative integer", name);
        return -1;
    }
    (*i)++;
    return 1;
}

static int build(int argc, char **argv)
{
    long long size = -1, limit = 1000, min_frequency = 2;
    const char *out = NULL;
    const char **files = calloc((size_t)argc, sizeof *files);
    size_t n_files = 0;
    if (!files)
        return cli_error(cmd, CLI_FAIL, "out of memory");
    int rc = CLI_OK;
    for (int i = 1; i < argc && rc == CLI_OK; i++) {
        const char *a = argv[i];
        int got;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            free(files);
            return CLI_OK;
        } else if ((got = count_option(argc, argv, &i, "--size", &size)) ||
                   (got = count_option(argc, argv, &i, "--limit-alphabet", &limit)) ||
                   (got = count_option(argc, argv, &i, "--min-frequency", &min_frequency))) {
            if (got < 0)
                rc = CLI_USAGE;
        } else if (strcmp(a, "--out") == 0 || strcmp(a, "--corpus") == 0) {
            if (i + 1 >= argc)
                rc = cli_error(cmd, CLI_USAGE, "%s needs a file", a);
            else if (a[2] == 'o')
                out = argv[++i];
            else
                files[n_files++] = argv[++i];
        } else if (a[0] == '-' && a[1] == '-' && a[2] != '\0') {
            rc = cli_error(cmd, CLI_USAGE, "unknown option %s (see --help)", a);
        } else {
            files[n_files++] = a;
        }
    }
    if (rc == CLI_OK && (size < 0 || !out || n_files == 0))
        rc = cli_error(cmd, CLI_USAGE, "give --size N, --out FILE and at least one corpus file "
                                       "(see --help)");
    if (rc != CLI_OK) {
        free(files);
        return rc;
    }

    double t0 = now_seconds();
    el_vocab_trainer *trainer = NULL;
    electra_status st = el_vocab_trainer_create(&trainer);
    for (size_t i = 0; i < n_files && st == ELECTRA_OK; i++)
        st = el_vocab_trainer_feed_file(trainer, files[i]);
    double t1 = now_seconds();
    char *text = NULL;
    size_t len = 0;
    struct el_vocab_build_stats stats;
    struct el_vocab_build_params params = {(size_t)size, (size_t)limit,
                                           (uint64_t)min_frequency};
    if (st == ELECTRA_OK)
        st = el_vocab_trainer_learn(trainer, &params, &text, &len, &stats);
    double t2 = now_seconds();
    el_vocab_trainer_free(trainer);
    free(files);
    if (st != ELECTRA_OK)
        return cli_status_error(cmd, st, NULL);
    rc = write_file(out, text, len);
    el_free(text);
    if (rc != CLI_OK)
        return rc;

    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "out", out);
    cJSON_AddNumberToObject(o, "tokens", (double)stats.tokens);
    cJSON_AddNumberToObject(o, "merges", (double)stats.merges);
    cJSON_AddNumberToObject(o, "alphabet", (double)stats.alphabet);
    cJSON_AddNumberToObject(o, "alphabet_dropped", (double)stats.alphabet_dropped);
    cJSON_AddNumberToObject(o, "words", (double)stats.occurrences);
    cJSON_AddNumberToObject(o, "distinct_words", (double)stats.words);
    cJSON_AddNumberToObject(o, "distinct_words_dropped", (double)stats.words_dropped);
    cJSON_AddNumberToObject(o, "seconds_counting", t1 - t0);
    cJSON_AddNumberToObject(o, "seconds_learning", t2 - t1);
    if (stats.tokens < params.vocab_size)
        fprintf(stderr,
                "electra vocab: note: no pair occurs %llu times or more any longer: %zu "
                "tokens, not %zu\n",
                (unsigned long long)params.min_frequency, stats.tokens, params.vocab_size);
    return cli_print_json(o);
}

static int coverage(int argc, char **argv)
{
    const char *vocab = NULL;
    const char **files = calloc((size_t)argc, sizeof *files);
    size_t n_files = 0;
    if (!files)
        return cli_error(cmd, CLI_FAIL, "out of memory");
    int rc = CLI_OK;
    for (int i = 1; i < argc && rc == CLI_OK; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            free(files);
            return CLI_OK;
        } else if (strcmp(a, "--vocab") == 0) {
            if (i + 1 >= argc)
                rc = cli_error(cmd, CLI_USAGE, "--vocab needs a file");
            else
                vocab = argv[++i];
        } else if (a[0] == '-' && a[1] == '-' && a[2] != '\0') {
            rc = cli_error(cmd, CLI_USAGE, "unknown option %s (see --help)", a);
        } else {
            files[n_files++] = a;
        }
    }
    if (rc == CLI_OK && (!vocab || n_files == 0))
        rc = cli_error(cmd, CLI_USAGE, "give --vocab FILE and at least one text file");
    electra_tokenizer *t = NULL;
    if (rc == CLI_OK) {
        electra_status st = electra_tokenizer_load(vocab, NULL, &t);
        if (st != ELECTRA_OK)
            rc = cli_status_error(cmd, st, NULL);
    }
    struct el_vocab_coverage c = {0};
    for (size_t i = 0; i < n_files && rc == CLI_OK; i++) {
        size_t len;
        char *text = cli_read_file(files[i], &len);
        if (!text) {
            rc = cli_error(cmd, CLI_FAIL, "cannot read %s: %s", files[i], strerror(errno));
            break;
        }
        electra_status st = el_vocab_coverage_add(t, text, len, files[i], &c);
        free(text);
        if (st != ELECTRA_OK)
            rc = cli_status_error(cmd, st, NULL);
    }
    electra_tokenizer_free(t);
    free(files);
    if (rc != CLI_OK)
        return rc;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "words", (double)c.words);
    cJSON_AddNumberToObject(o, "pieces", (double)c.pieces);
    cJSON_AddNumberToObject(o, "unknown", (double)c.unknown);
    cJSON_AddNumberToObject(o, "unk_rate", c.words ? (double)c.unknown / (double)c.words : 0.0);
    cJSON_AddNumberToObject(o, "pieces_per_word",
                            c.words ? (double)c.pieces / (double)c.words : 0.0);
    return cli_print_json(o);
}

static int run(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "build") == 0)
        return build(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "coverage") == 0)
        return coverage(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return CLI_OK;
    }
    usage(stderr);
    return CLI_USAGE;
}

const struct cli_command cli_cmd_vocab = {"vocab", "learn a WordPiece vocabulary from text", run};
