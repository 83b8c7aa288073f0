/* check_tokenizer_load.c - loading vocab.txt, tokenizer.json (in the
 * layouts other tokenizers versions write) and model directories; options
 * and configuration precedence; malformed and unsupported files. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tok_fixtures.h"
#include "tokenizer.h"

static void write_file(const char *dir, const char *name, const char *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

static const char *path_in(const char *dir, const char *name)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static electra_status load(const char *path, const electra_options *o, electra_tokenizer **t)
{
    *t = NULL;
    return electra_tokenizer_load(path, o, t);
}

/* ids of text (with [CLS]/[SEP]) as a string, for comparisons. */
static const char *ids_of(const electra_tokenizer *t, const char *text)
{
    static char buf[4096];
    electra_encoding *e = NULL;
    ck_assert_int_eq(electra_encoding_create(&e), ELECTRA_OK);
    ck_assert_int_eq(electra_tokenizer_encode(t, text, strlen(text), NULL, 0, NULL, e),
                     ELECTRA_OK);
    snprintf(buf, sizeof buf, "%s",
             tok_ints_str(electra_encoding_ids(e, 0), electra_encoding_length(e, 0)));
    electra_encoding_free(e);
    return buf;
}

/* Both tokenizers give the same ids on every case of cases.jsonl. */
static void assert_same_as_reference(const electra_tokenizer *t, const char *what)
{
    struct tok_records cases;
    tok_records_load("cases.jsonl", &cases);
    electra_encoding *e = NULL;
    ck_assert_int_eq(electra_encoding_create(&e), ELECTRA_OK);
    for (size_t i = 0; i < cases.count; i++) {
        const struct tok_record *r = &cases.items[i];
        ck_assert_int_eq(
            electra_tokenizer_encode(t, r->text, r->text_len, r->pair, r->pair_len, NULL, e),
            ELECTRA_OK);
        ck_assert_msg(tok_ints_equal(cJSON_GetObjectItem(r->json, "ids"),
                                     electra_encoding_ids(e, 0), electra_encoding_length(e, 0)),
                      "%s: case %zu (%s)", what, i + 1, r->text);
    }
    electra_encoding_free(e);
    tok_records_free(&cases);
}

START_TEST(accessors)
{
    REQUIRE_FIXTURES();
    electra_tokenizer *t = tok_load("tokenizer/vocab.txt", NULL);
    ck_assert_uint_eq(electra_tokenizer_vocab_size(t), 30522);
    ck_assert_int_eq(electra_tokenizer_token_to_id(t, "hello", 5), 7592);
    ck_assert_int_eq(electra_tokenizer_token_to_id(t, "##ing", 5), 2075);
    ck_assert_int_eq(electra_tokenizer_token_to_id(t, "[MASK]", 6), 103);
    ck_assert_int_eq(electra_tokenizer_token_to_id(t, "hellox", 5), 7592); /* length, not NUL */
    ck_assert_int_eq(electra_tokenizer_token_to_id(t, "no-such-token", 13), -1);
    ck_assert_int_eq(electra_tokenizer_token_to_id(t, NULL, 3), -1);
    ck_assert_int_eq(electra_tokenizer_token_to_id(NULL, "a", 1), -1);
    ck_assert_str_eq(electra_tokenizer_id_to_token(t, 30521), "##～");
    ck_assert_ptr_null(electra_tokenizer_id_to_token(t, 30522));
    ck_assert_ptr_null(electra_tokenizer_id_to_token(t, -1));
    const int32_t want[] = {0, 100, 101, 102, 103};
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(electra_tokenizer_special_id(t, i), want[i]);
    ck_assert_int_eq(electra_tokenizer_special_id(t, 5), -1);
    ck_assert_int_eq(electra_tokenizer_special_id(NULL, 0), -1);
    ck_assert_uint_eq(electra_tokenizer_vocab_size(NULL), 0);
    ck_assert_int_eq(el_tokenizer_model_max_length(t), -1);
    ck_assert(el_tokenizer_is_continuation(t, 2075));   /* ##ing */
    ck_assert(!el_tokenizer_is_continuation(t, 7592));  /* hello */
    ck_assert(!el_tokenizer_is_continuation(t, 30522)); /* out of range */
    ck_assert(!el_tokenizer_is_continuation(NULL, 2075));
    electra_tokenizer_free(t);
    electra_tokenizer_free(NULL);
}
END_TEST

START_TEST(load_errors)
{
    REQUIRE_FIXTURES();
    electra_tokenizer *t = NULL;
    ck_assert_int_eq(electra_tokenizer_load(NULL, NULL, &t), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(electra_tokenizer_load("x", NULL, NULL), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(load("/nonexistent/vocab.txt", NULL, &t), ELECTRA_ERR_IO);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "/nonexistent/vocab.txt"));
    ck_assert_ptr_null(t);
    const char *dir = make_temp_dir("tokload");
    ck_assert_int_eq(load(dir, NULL, &t), ELECTRA_ERR_IO);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "no tokenizer.json or vocab.txt"));
    write_file(dir, "empty.txt", "", 0);
    ck_assert_int_eq(load(path_in(dir, "empty.txt"), NULL, &t), ELECTRA_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "empty"));
    /* Not UTF-8 (a binary file): the line is named. */
    write_file(dir, "garbage.txt", "[UNK]\nok\n\x89PNG\r\n\x1a\n", 16);
    ck_assert_int_eq(load(path_in(dir, "garbage.txt"), NULL, &t), ELECTRA_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "line 3"));
    /* No [UNK]: words it cannot cover would have no id. */
    write_file(dir, "nounk.txt", "[CLS]\n[SEP]\na\n", 14);
    ck_assert_int_eq(load(path_in(dir, "nounk.txt"), NULL, &t), ELECTRA_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "[UNK]"));
    ck_assert_ptr_null(t);
}
END_TEST

START_TEST(vocab_text_lines)
{
    REQUIRE_FIXTURES();
    const char *dir = make_temp_dir("toklines");
    /* LF, CRLF and CR all end a line (universal newlines); the last line
     * needs no newline. */
    const char *lf = "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n##s\nworld";
    const char *crlf = "[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\nhello\r\n##s\r\nworld\r\n";
    const char *cr = "[PAD]\r[UNK]\r[CLS]\r[SEP]\rhello\r##s\rworld\r";
    const char *files[] = {lf, crlf, cr};
    for (int i = 0; i < 3; i++) {
        write_file(dir, "v.txt", files[i], strlen(files[i]));
        electra_tokenizer *t = NULL;
        ck_assert_int_eq(load(path_in(dir, "v.txt"), NULL, &t), ELECTRA_OK);
        ck_assert_uint_eq(electra_tokenizer_vocab_size(t), 7);
        ck_assert_str_eq(ids_of(t, "Hellos world!"), "[2, 4, 5, 6, 1, 3]");
        ck_assert_int_eq(electra_tokenizer_special_id(t, ELECTRA_TOKEN_MASK), -1);
        /* Without [MASK] in the vocabulary the literal is ordinary text. */
        ck_assert_str_eq(ids_of(t, "[MASK]"), "[2, 1, 1, 1, 3]");
        electra_tokenizer_free(t);
    }
    /* A repeated line: the token takes the later id (load_vocab's dict);
     * the earlier id decodes as [UNK]. */
    const char *dup = "[UNK]\nhello\n[CLS]\n[SEP]\nhello\n";
    write_file(dir, "dup.txt", dup, strlen(dup));
    electra_tokenizer *t = NULL;
    ck_assert_int_eq(load(path_in(dir, "dup.txt"), NULL, &t), ELECTRA_OK);
    ck_assert_uint_eq(electra_tokenizer_vocab_size(t), 5);
    ck_assert_int_eq(electra_tokenizer_token_to_id(t, "hello", 5), 4);
    ck_assert_ptr_null(electra_tokenizer_id_to_token(t, 1));
    ck_assert_str_eq(ids_of(t, "hello"), "[2, 4, 3]");
    char buf[64];
    size_t len;
    const int32_t ids[] = {1, 4};
    ck_assert_int_eq(electra_tokenizer_decode(t, ids, 2, 0, 1, buf, sizeof buf, &len), ELECTRA_OK);
    ck_assert_str_eq(buf, "[UNK] hello");
    electra_tokenizer_free(t);
    /* An empty line is a token ("" gets its id) like any other. */
    const char *blank = "[UNK]\n\n[CLS]\n[SEP]\n";
    write_file(dir, "blank.txt", blank, strlen(blank));
    ck_assert_int_eq(load(path_in(dir, "blank.txt"), NULL, &t), ELECTRA_OK);
    ck_assert_int_eq(electra_tokenizer_token_to_id(t, "", 0), 1);
    ck_assert_int_eq(electra_tokenizer_token_to_id(t, NULL, 0), 1);
    electra_tokenizer_free(t);
}
END_TEST

/* The fixture tokenizer.json, parsed, for building variants of it. */
static cJSON *fixture_json(void)
{
    char *text = read_file(fixture_path("tokenizer/tokenizer.json"), NULL);
    ck_assert_ptr_nonnull(text);
    cJSON *root = cJSON_Parse(text);
    free(text);
    ck_assert_ptr_nonnull(root);
    return root;
}

/* Write root to dir/tokenizer.json (one line) and load it. */
static electra_status load_json(const char *dir, const cJSON *root, const electra_options *o,
                                electra_tokenizer **t)
{
    char *s = cJSON_PrintUnformatted(root);
    ck_assert_ptr_nonnull(s);
    write_file(dir, "tokenizer.json", s, strlen(s));
    cJSON_free(s);
    return load(path_in(dir, "tokenizer.json"), o, t);
}

START_TEST(tokenizer_json_layouts)
{
    REQUIRE_FIXTURES();
    const char *dir = make_temp_dir("tokjson");
    electra_tokenizer *t = NULL;
    /* One-line JSON, keys in another order (model first, normalizer last). */
    cJSON *root = fixture_json();
    cJSON *reordered = cJSON_CreateObject();
    const char *order[] = {"model", "added_tokens", "post_processor", "decoder", "pre_tokenizer",
                           "version", "padding", "truncation", "normalizer"};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        cJSON_AddItemToObject(reordered, order[i], cJSON_DetachItemFromObject(root, order[i]));
    ck_assert_int_eq(load_json(dir, reordered, NULL, &t), ELECTRA_OK);
    assert_same_as_reference(t, "reordered one-line");
    electra_tokenizer_free(t);
    cJSON_Delete(reordered);
    cJSON_Delete(root);

    /* The older BertProcessing post-processor, optional fields missing. */
    root = fixture_json();
    cJSON_ReplaceItemInObject(
        root, "post_processor",
        cJSON_Parse("{\"type\":\"BertProcessing\",\"sep\":[\"[SEP]\",102],\"cls\":[\"[CLS]\",101]}"));
    cJSON *norm = cJSON_GetObjectItem(root, "normalizer");
    cJSON_DeleteItemFromObject(norm, "strip_accents");
    cJSON_DeleteItemFromObject(norm, "lowercase");
    cJSON_DeleteItemFromObject(norm, "clean_text");
    cJSON *model = cJSON_GetObjectItem(root, "model");
    cJSON_DeleteItemFromObject(model, "unk_token");
    cJSON_DeleteItemFromObject(model, "max_input_chars_per_word");
    cJSON_DeleteItemFromObject(model, "continuing_subword_prefix");
    cJSON_DeleteItemFromObject(root, "decoder");
    cJSON_DeleteItemFromObject(root, "version");
    cJSON_DeleteItemFromObject(root, "pre_tokenizer");
    cJSON *added = cJSON_GetObjectItem(root, "added_tokens");
    cJSON *tok;
    cJSON_ArrayForEach(tok, added)
    {
        cJSON_DeleteItemFromObject(tok, "lstrip");
        cJSON_DeleteItemFromObject(tok, "single_word");
    }
    ck_assert_int_eq(load_json(dir, root, NULL, &t), ELECTRA_OK);
    assert_same_as_reference(t, "BertProcessing, defaults");
    electra_tokenizer_free(t);
    /* No added_tokens at all: the special tokens of the vocabulary. */
    cJSON_DeleteItemFromObject(root, "added_tokens");
    cJSON_ReplaceItemInObject(root, "post_processor", cJSON_CreateNull());
    ck_assert_int_eq(load_json(dir, root, NULL, &t), ELECTRA_OK);
    assert_same_as_reference(t, "no added_tokens");
    electra_tokenizer_free(t);
    cJSON_Delete(root);
}
END_TEST

/* Replace root[path...] (object keys, last one set) by value (JSON text). */
static void set_json(cJSON *root, const char *object, const char *key, const char *value)
{
    cJSON *obj = object ? cJSON_GetObjectItem(root, object) : root;
    ck_assert_ptr_nonnull(obj);
    cJSON *v = cJSON_Parse(value);
    ck_assert_ptr_nonnull(v);
    if (cJSON_GetObjectItem(obj, key))
        cJSON_ReplaceItemInObject(obj, key, v);
    else
        cJSON_AddItemToObject(obj, key, v);
}

START_TEST(tokenizer_json_refused)
{
    REQUIRE_FIXTURES();
    const char *dir = make_temp_dir("tokbad");
    static const struct {
        const char *object, *key, *value;
        electra_status want;
        const char *says;
    } bad[] = {
        {"model", "type", "\"BPE\"", ELECTRA_ERR_UNSUPPORTED, "BPE"},
        {"model", "type", "3", ELECTRA_ERR_FORMAT, "model.type"},
        {"model", "vocab", "[\"a\", \"b\"]", ELECTRA_ERR_FORMAT, "model.vocab"},
        {"model", "vocab", "{\"[UNK]\": -1}", ELECTRA_ERR_FORMAT, "[UNK]"},
        {"model", "vocab", "{\"[UNK]\": 0.5}", ELECTRA_ERR_FORMAT, "[UNK]"},
        {"model", "vocab", "{\"[UNK]\": \"0\"}", ELECTRA_ERR_FORMAT, "[UNK]"},
        {"model", "unk_token", "[1]", ELECTRA_ERR_FORMAT, "unk_token"},
        {"model", "unk_token", "\"<unk>\"", ELECTRA_ERR_FORMAT, "<unk>"},
        {"model", "max_input_chars_per_word", "-3", ELECTRA_ERR_FORMAT, "max_input_chars"},
        {"model", "continuing_subword_prefix", "\"\"", ELECTRA_ERR_UNSUPPORTED, "prefix"},
        {NULL, "model", "null", ELECTRA_ERR_FORMAT, "model"},
        {"normalizer", "lowercase", "\"yes\"", ELECTRA_ERR_FORMAT, "lowercase"},
        {"normalizer", "type", "\"Sequence\"", ELECTRA_ERR_UNSUPPORTED, "Sequence"},
        {NULL, "normalizer", "null", ELECTRA_ERR_UNSUPPORTED, "normalizer"},
        {NULL, "normalizer", "[]", ELECTRA_ERR_FORMAT, "normalizer"},
        {"pre_tokenizer", "type", "\"Whitespace\"", ELECTRA_ERR_UNSUPPORTED, "Whitespace"},
        {"post_processor", "type", "\"RobertaProcessing\"", ELECTRA_ERR_UNSUPPORTED, "Roberta"},
        {"post_processor", "single", "[{\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}]",
         ELECTRA_ERR_UNSUPPORTED, "template"},
        {NULL, "added_tokens", "{}", ELECTRA_ERR_FORMAT, "added_tokens"},
        {NULL, "added_tokens", "[{\"id\": 5, \"content\": \"[MASK]\"}]", ELECTRA_ERR_FORMAT,
         "[unused4]"},
        {NULL, "added_tokens", "[{\"id\": 103, \"content\": \"[MASK]\", \"single_word\": true}]",
         ELECTRA_ERR_UNSUPPORTED, "single_word"},
        {NULL, "added_tokens", "[{\"content\": \"[MASK]\"}]", ELECTRA_ERR_FORMAT, "id"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cJSON *root = fixture_json();
        set_json(root, bad[i].object, bad[i].key, bad[i].value);
        electra_tokenizer *t = NULL;
        electra_status st = load_json(dir, root, NULL, &t);
        ck_assert_msg(st == bad[i].want, "case %zu (%s.%s = %s): status %d (%s)", i,
                      bad[i].object ? bad[i].object : "", bad[i].key, bad[i].value, st,
                      electra_last_error());
        ck_assert_msg(strstr(electra_last_error(), bad[i].says), "case %zu: \"%s\" lacks \"%s\"",
                      i, electra_last_error(), bad[i].says);
        ck_assert_ptr_null(t);
        cJSON_Delete(root);
    }
    /* No tokens at all. */
    cJSON *root = fixture_json();
    set_json(root, "model", "vocab", "{}");
    cJSON_DeleteItemFromObject(root, "added_tokens");
    electra_tokenizer *t = NULL;
    ck_assert_int_eq(load_json(dir, root, NULL, &t), ELECTRA_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "empty"));
    cJSON_Delete(root);
    /* Not JSON, and JSON that is not an object. */
    write_file(dir, "tokenizer.json", "{\"model\": ", 10);
    ck_assert_int_eq(load(path_in(dir, "tokenizer.json"), NULL, &t), ELECTRA_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "not valid JSON"));
    write_file(dir, "tokenizer.json", "[1, 2]", 6);
    ck_assert_int_eq(load(path_in(dir, "tokenizer.json"), NULL, &t), ELECTRA_ERR_FORMAT);
}
END_TEST

START_TEST(tokenizer_json_added_token_beyond_vocab)
{
    REQUIRE_FIXTURES();
    const char *dir = make_temp_dir("tokadded");
    cJSON *root = fixture_json();
    cJSON *added = cJSON_GetObjectItem(root, "added_tokens");
    cJSON_AddItemToArray(added, cJSON_Parse("{\"id\": 30522, \"content\": \"<ent>\", "
                                            "\"special\": false}"));
    electra_tokenizer *t = NULL;
    ck_assert_int_eq(load_json(dir, root, NULL, &t), ELECTRA_OK);
    ck_assert_uint_eq(electra_tokenizer_vocab_size(t), 30523);
    ck_assert_str_eq(electra_tokenizer_id_to_token(t, 30522), "<ent>");
    ck_assert_str_eq(ids_of(t, "a<ent>b"), "[101, 1037, 30522, 1038, 102]");
    /* An added token may start with a space (found by fuzzing: it once
     * stalled the scan at every space). */
    cJSON_AddItemToArray(added, cJSON_Parse("{\"id\": 30523, \"content\": \" x\"}"));
    electra_tokenizer_free(t);
    ck_assert_int_eq(load_json(dir, root, NULL, &t), ELECTRA_OK);
    ck_assert_str_eq(ids_of(t, "a x  b"), "[101, 1037, 30523, 1038, 102]");
    ck_assert_str_eq(ids_of(t, "a<ent>b"), "[101, 1037, 30522, 1038, 102]");
    /* Not special: kept by decode(skip_special_tokens). */
    const int32_t ids[] = {101, 30522, 102};
    char buf[32];
    size_t len;
    ck_assert_int_eq(electra_tokenizer_decode(t, ids, 3, 1, 1, buf, sizeof buf, &len), ELECTRA_OK);
    ck_assert_str_eq(buf, "<ent>");
    electra_tokenizer_free(t);
    cJSON_Delete(root);
}
END_TEST

START_TEST(settings_precedence)
{
    REQUIRE_FIXTURES();
    const char *dir = make_temp_dir("tokprec");
    electra_tokenizer *t = NULL;
    /* tokenizer.json says cased: "Hello" is [UNK] in this uncased vocab. */
    cJSON *root = fixture_json();
    set_json(root, "normalizer", "lowercase", "false");
    ck_assert_int_eq(load_json(dir, root, NULL, &t), ELECTRA_OK);
    ck_assert_str_eq(ids_of(t, "Hello"), "[101, 100, 102]");
    electra_tokenizer_free(t);
    /* An option overrides the file. */
    electra_options *o = NULL;
    ck_assert_int_eq(electra_options_create(&o), ELECTRA_OK);
    ck_assert_int_eq(electra_options_set_int(o, ELECTRA_OPT_LOWERCASE, 1), ELECTRA_OK);
    ck_assert_int_eq(load_json(dir, root, o, &t), ELECTRA_OK);
    ck_assert_str_eq(ids_of(t, "Hello"), "[101, 7592, 102]");
    electra_tokenizer_free(t);
    /* In a directory, tokenizer_config.json wins over tokenizer.json. */
    const char *cfg = "{\"do_lower_case\": true, \"model_max_length\": 512, "
                      "\"tokenize_chinese_chars\": false}";
    write_file(dir, "tokenizer_config.json", cfg, strlen(cfg));
    ck_assert_int_eq(load(dir, NULL, &t), ELECTRA_OK);
    ck_assert_str_eq(ids_of(t, "Hello"), "[101, 7592, 102]");
    ck_assert_str_eq(ids_of(t, "北京"), "[101, 1781, 30281, 102]"); /* 北 ##京 */
    ck_assert_int_eq(el_tokenizer_model_max_length(t), 512);
    electra_tokenizer_free(t);
    /* transformers' "no limit" placeholder means none. */
    cfg = "{\"model_max_length\": 1000000000000000019884624838656}";
    write_file(dir, "tokenizer_config.json", cfg, strlen(cfg));
    ck_assert_int_eq(load(dir, NULL, &t), ELECTRA_OK);
    ck_assert_int_eq(el_tokenizer_model_max_length(t), -1);
    electra_tokenizer_free(t);
    cfg = "{\"do_lower_case\": \"no\"}";
    write_file(dir, "tokenizer_config.json", cfg, strlen(cfg));
    ck_assert_int_eq(load(dir, NULL, &t), ELECTRA_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "tokenizer_config.json"));
    /* special_tokens_map.json names the tokens (and beats the config). */
    cfg = "{\"cls_token\": \"[unused9]\"}";
    write_file(dir, "tokenizer_config.json", cfg, strlen(cfg));
    const char *map = "{\"cls_token\": {\"content\": \"[unused0]\", \"lstrip\": false}}";
    write_file(dir, "special_tokens_map.json", map, strlen(map));
    ck_assert_int_eq(load(dir, NULL, &t), ELECTRA_OK);
    ck_assert_int_eq(electra_tokenizer_special_id(t, ELECTRA_TOKEN_CLS), 1);
    electra_tokenizer_free(t);
    electra_options_free(o);
    cJSON_Delete(root);
}
END_TEST

START_TEST(model_directory_with_vocab_only)
{
    REQUIRE_FIXTURES();
    electra_tokenizer *t = tok_load("models/tiny-qa", NULL);
    ck_assert_int_eq(el_tokenizer_model_max_length(t), 512);
    ck_assert_uint_eq(electra_tokenizer_vocab_size(t), 30522);
    electra_tokenizer_free(t);
    /* A cased directory: do_lower_case false in tokenizer_config.json. */
    const char *dir = make_temp_dir("tokcased");
    char *vocab = read_file(fixture_path("tokenizer/vocab.txt"), NULL);
    ck_assert_ptr_nonnull(vocab);
    write_file(dir, "vocab.txt", vocab, strlen(vocab));
    free(vocab);
    const char *cfg = "{\"do_lower_case\": false}";
    write_file(dir, "tokenizer_config.json", cfg, strlen(cfg));
    electra_tokenizer *c = NULL;
    ck_assert_int_eq(load(dir, NULL, &c), ELECTRA_OK);
    ck_assert_str_eq(ids_of(c, "Hello world"), "[101, 100, 2088, 102]");
    ck_assert_str_eq(ids_of(c, "café"), "[101, 100, 102]"); /* accents kept when cased */
    electra_tokenizer_free(c);
}
END_TEST

Suite *make_tokenizer_load_suite(void)
{
    Suite *s = suite_create("tokenizer_load");
    TCase *tc = tcase_create("load");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, accessors);
    tcase_add_test(tc, load_errors);
    tcase_add_test(tc, vocab_text_lines);
    tcase_add_test(tc, tokenizer_json_layouts);
    tcase_add_test(tc, tokenizer_json_refused);
    tcase_add_test(tc, tokenizer_json_added_token_beyond_vocab);
    tcase_add_test(tc, settings_precedence);
    tcase_add_test(tc, model_directory_with_vocab_only);
    suite_add_tcase(s, tc);
    return s;
}
