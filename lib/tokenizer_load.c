/* tokenizer_load.c - reading a tokenizer from vocab.txt, a Hugging Face
 * tokenizer.json, or a model directory (+ tokenizer_config.json and
 * special_tokens_map.json). Settings are filled most specific first:
 * options, then special_tokens_map.json / tokenizer_config.json, then
 * tokenizer.json, then BertTokenizer's defaults. */
#include <cJSON.h>
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "json.h"
#include "mapped_file.h"
#include "tokenizer.h"
#include "utf8.h"

static const char *const special_keys[5] = {"pad_token", "unk_token", "cls_token", "sep_token",
                                            "mask_token"};

/* ---- vocab.txt ---------------------------------------------------------- */

/* One token per line, the id is the line number. Lines end at "\n", "\r\n"
 * or "\r": transformers reads the file in Python's universal-newlines mode
 * and strips only the "\n". A final line without a newline counts. */
static electra_status read_vocab_lines(const char *data, size_t len, const char *what,
                                       el_vocab_builder *b)
{
    size_t p = 0, line = 0;
    while (p < len) {
        size_t e = p;
        while (e < len && data[e] != '\n' && data[e] != '\r')
            e++;
        size_t bad = el_utf8_check(data + p, e - p);
        if (bad < e - p)
            return el_fail(ELECTRA_ERR_FORMAT, "%s: line %zu: invalid UTF-8 at byte %zu", what,
                           line + 1, p + bad);
        if (line > INT32_MAX)
            return el_fail(ELECTRA_ERR_FORMAT, "%s: too many lines", what);
        electra_status st = el_vocab_builder_add(b, data + p, e - p, (int32_t)line);
        if (st != ELECTRA_OK)
            return st;
        line++;
        if (e < len && data[e] == '\r' && e + 1 < len && data[e + 1] == '\n')
            e++;
        p = e + 1;
    }
    return ELECTRA_OK;
}

electra_status el_tokenizer_from_vocab_text(const char *data, size_t len, const char *what,
                                            struct el_tokenizer_settings *s,
                                            const electra_options *options,
                                            electra_tokenizer **out)
{
    el_vocab_builder b;
    el_vocab_builder_init(&b);
    el_vocab v = {0};
    electra_status st = read_vocab_lines(data, len, what, &b);
    if (st == ELECTRA_OK)
        st = el_vocab_build(&b, "##", &v, what);
    el_vocab_builder_free(&b);
    if (st != ELECTRA_OK)
        return st;
    return el_tokenizer_create(&v, NULL, 0, s, options, out);
}

/* ---- JSON helpers --------------------------------------------------------- */

static cJSON *parse_json(const char *data, size_t len, const char *what, electra_status *st)
{
    size_t at = 0;
    cJSON *root = el_json_parse(data, len, &at);
    if (!root) {
        *st = el_fail(ELECTRA_ERR_FORMAT, "%s: not valid JSON (near byte %zu)", what, at);
        return NULL;
    }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        *st = el_fail(ELECTRA_ERR_FORMAT, "%s: the top level is not a JSON object", what);
        return NULL;
    }
    *st = ELECTRA_OK;
    return root;
}

/* A boolean key: absent leaves *value; null sets null_value. */
static electra_status get_bool(const cJSON *obj, const char *key, int null_value, int *value,
                               const char *what)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item)
        return ELECTRA_OK;
    if (cJSON_IsBool(item))
        *value = cJSON_IsTrue(item);
    else if (cJSON_IsNull(item))
        *value = null_value;
    else
        return el_fail(ELECTRA_ERR_FORMAT, "%s: \"%s\" must be true or false", what, key);
    return ELECTRA_OK;
}

static bool is_count(const cJSON *item, double max)
{
    return cJSON_IsNumber(item) && item->valuedouble >= 0 && item->valuedouble <= max &&
           floor(item->valuedouble) == item->valuedouble;
}

/* A string, or an AddedToken object {"content": ...}; NULL otherwise. */
static const char *token_text(const cJSON *item)
{
    if (cJSON_IsString(item))
        return item->valuestring;
    if (cJSON_IsObject(item)) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(item, "content");
        if (cJSON_IsString(c))
            return c->valuestring;
    }
    return NULL;
}

/* Special token names (pad_token, ...) of a config object, where unset. */
static electra_status read_special_names(const cJSON *obj, struct el_tokenizer_settings *s,
                                         const char *what)
{
    for (int i = 0; i < 5; i++) {
        const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, special_keys[i]);
        if (!item || cJSON_IsNull(item) || s->special_text[i])
            continue;
        const char *name = token_text(item);
        if (!name)
            return el_fail(ELECTRA_ERR_FORMAT, "%s: \"%s\" must be a string", what,
                           special_keys[i]);
        electra_status st = el_tokenizer_settings_name(s, i, name, strlen(name));
        if (st != ELECTRA_OK)
            return st;
    }
    return ELECTRA_OK;
}

/* ---- tokenizer.json --------------------------------------------------------- */

/* The "type" of an optional component: absent = BERT's default; present, it
 * must be the one type supported. */
static electra_status check_type(const cJSON *root, const char *key, const char *type,
                                 const cJSON **obj, const char *what)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, key);
    *obj = NULL;
    if (!item)
        return ELECTRA_OK;
    if (cJSON_IsNull(item))
        return el_fail(ELECTRA_ERR_UNSUPPORTED, "%s: \"%s\" is null; only %s is supported", what,
                       key, type);
    if (!cJSON_IsObject(item))
        return el_fail(ELECTRA_ERR_FORMAT, "%s: \"%s\" must be an object", what, key);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(item, "type");
    if (t && !cJSON_IsString(t))
        return el_fail(ELECTRA_ERR_FORMAT, "%s: %s.type must be a string", what, key);
    if (t && strcmp(t->valuestring, type) != 0)
        return el_fail(ELECTRA_ERR_UNSUPPORTED, "%s: %s type \"%s\": only %s is supported", what,
                       key, t->valuestring, type);
    *obj = item;
    return ELECTRA_OK;
}

static electra_status read_normalizer(const cJSON *root, struct el_tokenizer_settings *s,
                                      const char *what)
{
    const cJSON *norm;
    electra_status st = check_type(root, "normalizer", "BertNormalizer", &norm, what);
    if (st != ELECTRA_OK || !norm)
        return st;
    /* Values already set (tokenizer_config.json) win, as in BertTokenizerFast. */
    int lowercase = -1, strip = -1, chinese = -1, clean = -1;
    if ((st = get_bool(norm, "lowercase", -1, &lowercase, what)) != ELECTRA_OK ||
        (st = get_bool(norm, "strip_accents", -1, &strip, what)) != ELECTRA_OK ||
        (st = get_bool(norm, "handle_chinese_chars", -1, &chinese, what)) != ELECTRA_OK ||
        (st = get_bool(norm, "clean_text", -1, &clean, what)) != ELECTRA_OK)
        return st;
    if (s->lowercase < 0)
        s->lowercase = lowercase;
    if (s->strip_accents < 0)
        s->strip_accents = strip;
    if (s->chinese_chars < 0)
        s->chinese_chars = chinese;
    if (s->clean_text < 0)
        s->clean_text = clean;
    return ELECTRA_OK;
}

/* [CLS] and [SEP] from a TemplateProcessing ("single": CLS $A SEP) or
 * BertProcessing ("cls": [name, id], "sep": [name, id]) post-processor. */
static electra_status read_post_processor(const cJSON *root, struct el_tokenizer_settings *s,
                                          const char *what)
{
    const cJSON *pp = cJSON_GetObjectItemCaseSensitive(root, "post_processor");
    if (!pp || cJSON_IsNull(pp))
        return ELECTRA_OK;
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(pp, "type");
    if (!cJSON_IsObject(pp) || !cJSON_IsString(type))
        return el_fail(ELECTRA_ERR_FORMAT, "%s: post_processor must be an object with a type",
                       what);
    const char *cls = NULL, *sep = NULL;
    if (strcmp(type->valuestring, "BertProcessing") == 0) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(pp, "cls");
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(pp, "sep");
        if (c && (!cJSON_IsArray(c) || !cJSON_IsString(cJSON_GetArrayItem(c, 0))))
            return el_fail(ELECTRA_ERR_FORMAT, "%s: post_processor.cls must be [token, id]",
                           what);
        if (e && (!cJSON_IsArray(e) || !cJSON_IsString(cJSON_GetArrayItem(e, 0))))
            return el_fail(ELECTRA_ERR_FORMAT, "%s: post_processor.sep must be [token, id]",
                           what);
        cls = c ? cJSON_GetArrayItem(c, 0)->valuestring : NULL;
        sep = e ? cJSON_GetArrayItem(e, 0)->valuestring : NULL;
    } else if (strcmp(type->valuestring, "TemplateProcessing") == 0) {
        const cJSON *single = cJSON_GetObjectItemCaseSensitive(pp, "single");
        const char *ids[3] = {NULL, NULL, NULL};
        int n = cJSON_IsArray(single) ? cJSON_GetArraySize(single) : -1;
        for (int i = 0; i < n && n == 3; i++) {
            const cJSON *piece = cJSON_GetArrayItem(single, i);
            const cJSON *sp = cJSON_GetObjectItemCaseSensitive(piece, "SpecialToken");
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(sp, "id");
            if (cJSON_IsString(id))
                ids[i] = id->valuestring;
        }
        if (n != 3 || !ids[0] || ids[1] || !ids[2] ||
            !cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(single, 1), "Sequence"))
            return el_fail(ELECTRA_ERR_UNSUPPORTED,
                           "%s: post_processor template is not BERT's [CLS] $A [SEP]", what);
        cls = ids[0];
        sep = ids[2];
    } else {
        return el_fail(ELECTRA_ERR_UNSUPPORTED,
                       "%s: post_processor type \"%s\": only TemplateProcessing and "
                       "BertProcessing are supported",
                       what, type->valuestring);
    }
    electra_status st = ELECTRA_OK;
    if (cls && !s->special_text[ELECTRA_TOKEN_CLS])
        st = el_tokenizer_settings_name(s, ELECTRA_TOKEN_CLS, cls, strlen(cls));
    if (st == ELECTRA_OK && sep && !s->special_text[ELECTRA_TOKEN_SEP])
        st = el_tokenizer_settings_name(s, ELECTRA_TOKEN_SEP, sep, strlen(sep));
    return st;
}

static electra_status read_vocab_object(const cJSON *vocab, el_vocab_builder *b, const char *what)
{
    if (!cJSON_IsObject(vocab))
        return el_fail(ELECTRA_ERR_FORMAT, "%s: model.vocab must be an object token -> id",
                       what);
    for (const cJSON *item = vocab->child; item; item = item->next) {
        const char *tok = item->string;
        size_t len = strlen(tok);
        if (el_utf8_check(tok, len) < len)
            return el_fail(ELECTRA_ERR_FORMAT, "%s: model.vocab has a token that is not UTF-8",
                           what);
        if (!is_count(item, INT32_MAX))
            return el_fail(ELECTRA_ERR_FORMAT,
                           "%s: model.vocab[\"%.40s\"] must be a non-negative integer id", what,
                           tok);
        electra_status st = el_vocab_builder_add(b, tok, len, (int32_t)item->valuedouble);
        if (st != ELECTRA_OK)
            return st;
    }
    return ELECTRA_OK;
}

static electra_status read_model(const cJSON *root, el_vocab_builder *b, const char **prefix,
                                 struct el_tokenizer_settings *s, const char *what)
{
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    if (!cJSON_IsObject(model))
        return el_fail(ELECTRA_ERR_FORMAT, "%s: no \"model\" object", what);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(model, "type");
    if (type && !cJSON_IsString(type))
        return el_fail(ELECTRA_ERR_FORMAT, "%s: model.type must be a string", what);
    if (type && strcmp(type->valuestring, "WordPiece") != 0)
        return el_fail(ELECTRA_ERR_UNSUPPORTED, "%s: model type \"%s\": only WordPiece is supported",
                       what, type->valuestring);
    const cJSON *unk = cJSON_GetObjectItemCaseSensitive(model, "unk_token");
    const cJSON *pre = cJSON_GetObjectItemCaseSensitive(model, "continuing_subword_prefix");
    const cJSON *max = cJSON_GetObjectItemCaseSensitive(model, "max_input_chars_per_word");
    if ((unk && !cJSON_IsString(unk)) || (pre && !cJSON_IsString(pre)))
        return el_fail(ELECTRA_ERR_FORMAT,
                       "%s: model.unk_token and model.continuing_subword_prefix must be strings",
                       what);
    if (max && !is_count(max, 1e9))
        return el_fail(ELECTRA_ERR_FORMAT,
                       "%s: model.max_input_chars_per_word must be a non-negative integer", what);
    if (pre && (pre->valuestring[0] == '\0' || strlen(pre->valuestring) > EL_MAX_PREFIX))
        return el_fail(ELECTRA_ERR_UNSUPPORTED,
                       "%s: continuing_subword_prefix must have 1 to %d bytes", what,
                       EL_MAX_PREFIX);
    *prefix = pre ? pre->valuestring : "##";
    if (max)
        s->max_input_chars = (long long)max->valuedouble;
    electra_status st = ELECTRA_OK;
    if (unk && !s->special_text[ELECTRA_TOKEN_UNK])
        st = el_tokenizer_settings_name(s, ELECTRA_TOKEN_UNK, unk->valuestring,
                                        strlen(unk->valuestring));
    if (st == ELECTRA_OK)
        st = read_vocab_object(cJSON_GetObjectItemCaseSensitive(model, "vocab"), b, what);
    return st;
}

/* added_tokens: each is matched in the raw text. An id the vocabulary does
 * not use joins it (tokens added after training); an id it uses must name
 * the same token. */
static electra_status read_added_tokens(const cJSON *root, el_vocab_builder *b,
                                        struct el_literal **lits, size_t *n_lits,
                                        const char *what)
{
    const cJSON *added = cJSON_GetObjectItemCaseSensitive(root, "added_tokens");
    *lits = NULL;
    *n_lits = 0;
    if (!added || cJSON_IsNull(added))
        return ELECTRA_OK;
    if (!cJSON_IsArray(added))
        return el_fail(ELECTRA_ERR_FORMAT, "%s: added_tokens must be an array", what);
    int n = cJSON_GetArraySize(added);
    /* Ids of the vocabulary so far -> entry, to check the added ones; a
     * table sized by the largest id, so sparse ids are refused first. */
    electra_status st = el_vocab_builder_check_ids(b, what);
    if (st != ELECTRA_OK)
        return st;
    size_t n_ids = (size_t)b->max_id + 1; /* max_id may be INT32_MAX */
    int32_t *entry_of = n_ids ? el_malloc_array(n_ids, sizeof *entry_of) : NULL;
    *lits = el_calloc((size_t)n + 1, sizeof **lits);
    if ((n_ids && !entry_of) || !*lits) {
        el_free(entry_of);
        return el_nomem("reading added_tokens");
    }
    for (size_t i = 0; i < n_ids; i++)
        entry_of[i] = -1;
    for (size_t i = 0; i < b->count; i++)
        entry_of[b->entries[i].id] = (int32_t)i;
    const cJSON *item;
    cJSON_ArrayForEach(item, added)
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "id");
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(item, "content");
        int special = 0, single_word = 0;
        if (!cJSON_IsObject(item) || !is_count(id, INT32_MAX) || !cJSON_IsString(content)) {
            st = el_fail(ELECTRA_ERR_FORMAT,
                         "%s: every added token needs an integer \"id\" and a string \"content\"",
                         what);
            break;
        }
        if ((st = get_bool(item, "special", 0, &special, what)) != ELECTRA_OK ||
            (st = get_bool(item, "single_word", 0, &single_word, what)) != ELECTRA_OK)
            break;
        if (single_word) {
            st = el_fail(ELECTRA_ERR_UNSUPPORTED, "%s: added token \"%.40s\" is single_word",
                         what, content->valuestring);
            break;
        }
        const char *text = content->valuestring;
        size_t len = strlen(text);
        int32_t tid = (int32_t)id->valuedouble;
        if (el_utf8_check(text, len) < len) {
            st = el_fail(ELECTRA_ERR_FORMAT, "%s: an added token is not UTF-8", what);
            break;
        }
        if ((size_t)tid < n_ids && entry_of[tid] >= 0) {
            const struct el_vocab_entry *e = &b->entries[entry_of[tid]];
            if (e->length != len || memcmp(b->pool + e->offset, text, len) != 0) {
                st = el_fail(ELECTRA_ERR_FORMAT,
                             "%s: added token \"%.40s\" has id %d, which the vocabulary gives "
                             "to \"%.40s\"",
                             what, text, (int)tid, b->pool + e->offset);
                break;
            }
        } else {
            /* May move b->pool: the literal keeps its own copy of text. */
            if ((st = el_vocab_builder_add(b, text, len, tid)) != ELECTRA_OK)
                break;
        }
        (*lits)[(*n_lits)++] = (struct el_literal){(char *)text, len, tid, special != 0};
    }
    el_free(entry_of);
    return st;
}

electra_status el_tokenizer_from_json_text(const char *data, size_t len, const char *what,
                                           struct el_tokenizer_settings *s,
                                           const electra_options *options,
                                           electra_tokenizer **out)
{
    electra_status st;
    cJSON *root = parse_json(data, len, what, &st);
    if (!root)
        return st;
    el_vocab_builder b;
    el_vocab_builder_init(&b);
    el_vocab v = {0};
    struct el_literal *lits = NULL;
    size_t n_lits = 0;
    const cJSON *pre;
    const char *prefix = "##";
    const cJSON *padding = cJSON_GetObjectItemCaseSensitive(root, "padding");
    const cJSON *pad = cJSON_IsObject(padding)
                           ? cJSON_GetObjectItemCaseSensitive(padding, "pad_token")
                           : NULL;
    if ((st = read_normalizer(root, s, what)) == ELECTRA_OK &&
        (st = check_type(root, "pre_tokenizer", "BertPreTokenizer", &pre, what)) == ELECTRA_OK &&
        (st = read_post_processor(root, s, what)) == ELECTRA_OK &&
        (st = read_model(root, &b, &prefix, s, what)) == ELECTRA_OK &&
        (st = read_added_tokens(root, &b, &lits, &n_lits, what)) == ELECTRA_OK) {
        if (cJSON_IsString(pad) && !s->special_text[ELECTRA_TOKEN_PAD])
            st = el_tokenizer_settings_name(s, ELECTRA_TOKEN_PAD, pad->valuestring,
                                            strlen(pad->valuestring));
        if (st == ELECTRA_OK)
            st = el_vocab_build(&b, prefix, &v, what);
    }
    if (st == ELECTRA_OK) {
        const cJSON *added = cJSON_GetObjectItemCaseSensitive(root, "added_tokens");
        /* No added_tokens key: the special tokens found in the vocabulary. */
        st = el_tokenizer_create(&v, added ? lits : NULL, n_lits, s, options, out);
    }
    el_free(lits);
    el_vocab_builder_free(&b);
    cJSON_Delete(root);
    return st;
}

/* ---- files and directories -------------------------------------------------- */

typedef electra_status (*text_loader)(const char *data, size_t len, const char *what,
                                      struct el_tokenizer_settings *s,
                                      const electra_options *options, electra_tokenizer **out);

static electra_status load_file(const char *path, text_loader loader,
                                struct el_tokenizer_settings *s, const electra_options *options,
                                electra_tokenizer **out)
{
    void *addr;
    size_t size;
    electra_status st = el_map_file(path, &addr, &size);
    if (st != ELECTRA_OK)
        return st;
    st = loader(addr ? addr : "", size, path, s, options, out);
    el_unmap_file(addr, size);
    return st;
}

/* Optional JSON configuration file in dir; calls read(obj) when present. */
static electra_status read_config(const char *dir, const char *name,
                                  electra_status (*read)(const cJSON *, struct el_tokenizer_settings *,
                                                         const char *),
                                  struct el_tokenizer_settings *s)
{
    char *path = el_path_join(dir, name);
    if (!path)
        return el_nomem("reading the tokenizer configuration");
    electra_status st = ELECTRA_OK;
    if (el_is_file(path)) {
        void *addr;
        size_t size;
        st = el_map_file(path, &addr, &size);
        if (st == ELECTRA_OK) {
            cJSON *root = parse_json(addr ? addr : "", size, path, &st);
            el_unmap_file(addr, size);
            if (root) {
                st = read(root, s, path);
                cJSON_Delete(root);
            }
        }
    }
    el_free(path);
    return st;
}

/* tokenizer_config.json as BertTokenizer reads it. */
static electra_status read_tokenizer_config(const cJSON *root, struct el_tokenizer_settings *s,
                                            const char *what)
{
    electra_status st;
    if ((st = get_bool(root, "do_lower_case", -1, &s->lowercase, what)) != ELECTRA_OK ||
        (st = get_bool(root, "strip_accents", -1, &s->strip_accents, what)) != ELECTRA_OK ||
        (st = get_bool(root, "tokenize_chinese_chars", -1, &s->chinese_chars, what)) !=
            ELECTRA_OK)
        return st;
    const cJSON *max = cJSON_GetObjectItemCaseSensitive(root, "model_max_length");
    if (max && !cJSON_IsNull(max)) {
        if (!cJSON_IsNumber(max) || max->valuedouble < 0)
            return el_fail(ELECTRA_ERR_FORMAT, "%s: model_max_length must be a number", what);
        /* transformers writes int(1e30) for "no limit". */
        if (max->valuedouble >= 1 && max->valuedouble <= INT32_MAX)
            s->model_max_length = (int64_t)max->valuedouble;
    }
    return read_special_names(root, s, what);
}

static electra_status load_dir(const char *dir, struct el_tokenizer_settings *s,
                               const electra_options *options, electra_tokenizer **out)
{
    /* special_tokens_map.json overrides tokenizer_config.json, as in
     * transformers' from_pretrained. */
    electra_status st = read_config(dir, "special_tokens_map.json", read_special_names, s);
    if (st == ELECTRA_OK)
        st = read_config(dir, "tokenizer_config.json", read_tokenizer_config, s);
    if (st != ELECTRA_OK)
        return st;
    char *json = el_path_join(dir, "tokenizer.json");
    char *vocab = el_path_join(dir, "vocab.txt");
    if (!json || !vocab)
        st = el_nomem("loading the tokenizer");
    else if (el_is_file(json))
        st = load_file(json, el_tokenizer_from_json_text, s, options, out);
    else if (el_is_file(vocab))
        st = load_file(vocab, el_tokenizer_from_vocab_text, s, options, out);
    else
        st = el_fail(ELECTRA_ERR_IO, "%s: no tokenizer.json or vocab.txt in the directory", dir);
    el_free(json);
    el_free(vocab);
    return st;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

ELECTRA_API electra_status electra_tokenizer_load(const char *path,
                                                  const electra_options *options,
                                                  electra_tokenizer **out)
{
    if (!path || !out)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "electra_tokenizer_load: %s is NULL",
                       !path ? "path" : "out");
    struct el_tokenizer_settings s;
    el_tokenizer_settings_init(&s);
    electra_tokenizer *t = NULL;
    electra_status st;
    if (el_is_dir(path))
        st = load_dir(path, &s, options, &t);
    else if (ends_with(path, ".json"))
        st = load_file(path, el_tokenizer_from_json_text, &s, options, &t);
    else
        st = load_file(path, el_tokenizer_from_vocab_text, &s, options, &t);
    el_tokenizer_settings_free(&s);
    if (st == ELECTRA_OK)
        *out = t;
    return st;
}
