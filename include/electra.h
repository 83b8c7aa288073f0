/**
 * @file electra.h
 * @brief The public API of libelectra, ELECTRA models in C.
 *
 * If it is not in this file, it is not a published API.
 *
 * ------------------------------------------------------------------------
 * Thread safety
 * ------------------------------------------------------------------------
 * - An electra_tokenizer and an electra_model never change after they are
 *   loaded: any number of threads may use one at the same time.
 * - Everything a call writes lives in a handle that belongs to one thread
 *   at a time: electra_context (model work), electra_encoding (tokenizer
 *   output), electra_result (task output) and electra_options. The library
 *   does no locking on them; use different handles in different threads.
 * - electra_set_allocator() and electra_set_log_callback() change process
 *   state: call them before any other function, from one thread.
 * - electra_last_error() is per thread.
 *
 * ------------------------------------------------------------------------
 * Errors and memory
 * ------------------------------------------------------------------------
 * - Fallible calls return an electra_status (ELECTRA_OK is 0). On failure
 *   their out-parameters are left untouched (one exception, documented:
 *   the size a too-small caller buffer needed).
 * - The text of the last failure is kept per thread (electra_last_error())
 *   and, for calls that take a per-thread handle, in that handle too
 *   (electra_context_last_error(), electra_encoding_last_error(),
 *   electra_options_last_error()).
 * - The library never aborts, never exits and never prints; it reports
 *   through statuses and, if installed, the log callback.
 * - Every electra_X_create/load has an electra_X_free that accepts NULL.
 *   Pointers returned by accessors stay valid until the handle they came
 *   from is freed or written again.
 * - Text is UTF-8 given as pointer + byte length (it need not be
 *   NUL-terminated). Offsets are byte offsets into the caller's text.
 * - When an allocation fails, the call returns ELECTRA_ERR_NOMEM, frees
 *   what it made and leaves its handles usable (the same call can be made
 *   again). Malformed files fail with a status naming the problem, never
 *   with memory asked for out of proportion to the file. doc/limits.md
 *   lists the edge cases (empty and huge texts, batch sizes, TOP_K...).
 */
#ifndef ELECTRA_H
#define ELECTRA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(ELECTRA_BUILDING_LIBRARY) && defined(__GNUC__)
#define ELECTRA_API __attribute__((visibility("default")))
#else
#define ELECTRA_API
#endif

/* ------------------------------------------------------------------------
 * Version
 * --------------------------------------------------------------------- */
/** The version of this header: MAJOR.MINOR.PATCH.
 * @{ */
#define ELECTRA_VERSION_MAJOR 1
#define ELECTRA_VERSION_MINOR 0
#define ELECTRA_VERSION_PATCH 0
#define ELECTRA_VERSION_STRING "1.0.0"
/** @} */
/** MAJOR * 10000 + MINOR * 100 + PATCH */
#define ELECTRA_VERSION_NUMBER                                                 \
    (ELECTRA_VERSION_MAJOR * 10000 + ELECTRA_VERSION_MINOR * 100 +             \
     ELECTRA_VERSION_PATCH)

/** The version of the library actually loaded (may differ from the macros
 * the caller was compiled with): "1.0.0", and MAJOR * 10000 + MINOR * 100 +
 * PATCH.
 * @{ */
ELECTRA_API const char *electra_version_string(void);
ELECTRA_API int electra_version_number(void);
/** @} */

/* ------------------------------------------------------------------------
 * Status codes. Values are fixed and only ever appended.
 * --------------------------------------------------------------------- */
/** What a fallible call returns. */
typedef enum electra_status {
    ELECTRA_OK = 0,                   /**< success */
    ELECTRA_ERR_INVALID_ARGUMENT = 1, /**< NULL handle, bad option, bad value */
    ELECTRA_ERR_NOMEM = 2,            /**< an allocation failed */
    ELECTRA_ERR_IO = 3,               /**< a file is missing or unreadable */
    ELECTRA_ERR_INVALID_UTF8 = 4,     /**< input text is not valid UTF-8 */
    ELECTRA_ERR_FORMAT = 5,           /**< a file is malformed */
    ELECTRA_ERR_UNSAFE_PICKLE = 6,    /**< a pickle goes beyond a state dict */
    ELECTRA_ERR_UNSUPPORTED = 7,      /**< valid, but not supported here */
    ELECTRA_ERR_CONFIG = 8,           /**< config.json has an invalid value */
    ELECTRA_ERR_MISSING_TENSOR = 9,   /**< a weight the model needs is absent */
    ELECTRA_ERR_UNEXPECTED_TENSOR = 10, /**< a weight file has an extra key */
    ELECTRA_ERR_SHAPE = 11,           /**< a tensor or input has the wrong shape */
    ELECTRA_ERR_TOO_LONG = 12,        /**< input longer than the model allows */
    ELECTRA_ERR_TRUNCATION = 13,      /**< the truncation asked for is impossible */
    ELECTRA_ERR_BUFFER_TOO_SMALL = 14, /**< a caller buffer is too small */
    ELECTRA_ERR_WRONG_HEAD = 15,      /**< the model has no head for this task */
    ELECTRA_ERR_NO_MASK = 16,         /**< fill-mask text has no [MASK] */
    ELECTRA_ERR_INTERNAL = 17         /**< a bug: please report it */
} electra_status;

/** Static, never NULL (unknown values give "unknown status"). */
ELECTRA_API const char *electra_status_string(electra_status status);

/** The message of the most recent failed call made by this thread ("" if
 * none). Valid until this thread's next failing call. */
ELECTRA_API const char *electra_last_error(void);

/* ------------------------------------------------------------------------
 * Process-wide hooks (call before anything else)
 * --------------------------------------------------------------------- */
/** Allocator hooks for electra_set_allocator(): malloc, realloc and free
 * with the user pointer given there.
 * @{ */
typedef void *(*electra_malloc_fn)(size_t size, void *user);
typedef void *(*electra_realloc_fn)(void *ptr, size_t size, void *user);
typedef void (*electra_free_fn)(void *ptr, void *user);
/** @} */

/** Route the library's own allocations through these functions (all three
 * or none: passing three NULLs restores malloc/realloc/free). Memory held
 * by third-party libraries (cJSON while parsing, the BLAS) is not routed. */
ELECTRA_API electra_status electra_set_allocator(electra_malloc_fn malloc_fn,
                                                 electra_realloc_fn realloc_fn,
                                                 electra_free_fn free_fn,
                                                 void *user);

/** Levels of the log callback's messages. */
typedef enum electra_log_level {
    ELECTRA_LOG_ERROR = 0,
    ELECTRA_LOG_WARNING = 1,
    ELECTRA_LOG_INFO = 2,
    ELECTRA_LOG_DEBUG = 3
} electra_log_level;

/** A log callback: level is an electra_log_level; message is valid during
 * the call only. */
typedef void (*electra_log_fn)(int level, const char *message, void *user);

/** Receive messages at or below max_level (NULL: silence, the default). */
ELECTRA_API void electra_set_log_callback(electra_log_fn fn, int max_level,
                                          void *user);

/* ------------------------------------------------------------------------
 * Options: one handle for every tunable, typed setters, documented
 * defaults. A NULL options pointer anywhere means "all defaults".
 * --------------------------------------------------------------------- */
/** Option values (opaque); NULL anywhere means all defaults. */
typedef struct electra_options electra_options;

/** Option keys, with their type, range and default. */
typedef enum electra_option {
    /* Tokenizer loading (int). -1 = as the files say. */
    ELECTRA_OPT_LOWERCASE = 1,        /**< -1 (files; 1 if they are silent) */
    ELECTRA_OPT_STRIP_ACCENTS = 2,    /**< -1 = follow LOWERCASE, 0, 1 */
    ELECTRA_OPT_CHINESE_CHARS = 3,    /**< -1 (files; 1 if silent), 0, 1 */

    /* Encoding (int). */
    ELECTRA_OPT_ADD_SPECIAL_TOKENS = 10, /**< 1: [CLS] a [SEP] (b [SEP]) */
    ELECTRA_OPT_MAX_LENGTH = 11,      /**< 0 = no limit (models: their max) */
    ELECTRA_OPT_TRUNCATION = 12,      /**< electra_truncation, default NONE */
    ELECTRA_OPT_STRIDE = 13,          /**< overlap of overflow windows, 0 */
    ELECTRA_OPT_RETURN_OVERFLOW = 14, /**< 0; 1 = one row per window */
    ELECTRA_OPT_PADDING = 15,         /**< electra_padding, default NONE */
    ELECTRA_OPT_PAD_TO_MULTIPLE_OF = 16, /**< 0 = off */

    /* Model loading and contexts (int). */
    ELECTRA_OPT_THREADS = 20,         /**< threads per context, default 1 */
    ELECTRA_OPT_OUTPUT_HIDDEN_STATES = 21, /**< 0; 1 = keep every layer */
    ELECTRA_OPT_WEIGHT_FORMAT = 22,   /**< electra_weight_format, AUTO */
    ELECTRA_OPT_PRECISION = 23,       /**< electra_precision, F32 */
    ELECTRA_OPT_KERNELS = 24,         /**< electra_kernels, AUTO */

    /* Tasks. */
    ELECTRA_OPT_TOP_K = 30,           /**< int, 0 = task default (fill-mask 5,
                                         question answering 1); more than
                                         there are candidates gives them all */
    ELECTRA_OPT_THRESHOLD = 31,       /**< float, replaced-token cut, 0.5 */
    ELECTRA_OPT_AGGREGATION = 32,     /**< electra_aggregation, SIMPLE */
    ELECTRA_OPT_MAX_ANSWER_LENGTH = 33, /**< int, tokens, 15 */
    ELECTRA_OPT_DOC_STRIDE = 34,      /**< int, tokens, 128 */
    ELECTRA_OPT_ALLOW_NO_ANSWER = 35, /**< int, 0; 1 = may answer "" */
    ELECTRA_OPT_CLASSIFY_FUNCTION = 36 /**< electra_classify_function, AUTO */
} electra_option;

/** How ELECTRA_OPT_TRUNCATION cuts to ELECTRA_OPT_MAX_LENGTH. */
typedef enum electra_truncation {
    ELECTRA_TRUNCATION_NONE = 0,
    ELECTRA_TRUNCATION_LONGEST_FIRST = 1,
    ELECTRA_TRUNCATION_ONLY_FIRST = 2,
    ELECTRA_TRUNCATION_ONLY_SECOND = 3
} electra_truncation;

/** How ELECTRA_OPT_PADDING pads rows (with [PAD], on the right). */
typedef enum electra_padding {
    ELECTRA_PADDING_NONE = 0,
    ELECTRA_PADDING_LONGEST = 1,      /**< to the longest row */
    ELECTRA_PADDING_MAX_LENGTH = 2    /**< to ELECTRA_OPT_MAX_LENGTH */
} electra_padding;

/** Which weight file ELECTRA_OPT_WEIGHT_FORMAT loads. */
typedef enum electra_weight_format {
    ELECTRA_WEIGHTS_AUTO = 0,         /**< safetensors, else pytorch_model.bin */
    ELECTRA_WEIGHTS_SAFETENSORS = 1,  /**< model.safetensors or its shards */
    ELECTRA_WEIGHTS_PYTORCH = 2       /**< pytorch_model.bin (zip or legacy) */
} electra_weight_format;

/** Arithmetic of the linear layers (ELECTRA_OPT_PRECISION, read by
 * electra_model_load); attention, layer norm and activations are float32
 * at every setting. Both reduced settings are opt-in:
 * - BF16 needs AVX512_BF16 (AMD Zen 4 and later, Intel Cooper Lake and
 *   Sapphire Rapids and later): bfloat16-rounded weights and activations,
 *   float32 sums; about three times as fast as F32 on AMX tiles (Intel),
 *   twice with AVX512_BF16 alone. Logits move by about 1e-2 and decisions
 *   stay the same at >= 99 % (tested on the fixture models).
 * - INT8 needs AVX512_VNNI (AMD Zen 4 and later, Intel Cascade Lake and
 *   later): weights quantized to 8 bits per output column at load,
 *   activations per row as they run (dynamic quantization), exact integer
 *   sums; nearly three times as fast as F32 on AMD Zen 4. Logits move by a
 *   few 1e-2: decisions agree at >= 99 % on the bundled models, but
 *   near-ties flip (97-100 % on the fixture models).
 * Where a setting's instructions are missing (or ELECTRA_CPU caps them
 * off, or the REFERENCE kernels run, or a layer has more than 3072
 * inputs) that layer computes in float32, more exactly than asked. */
typedef enum electra_precision {
    ELECTRA_PRECISION_F32 = 0,
    ELECTRA_PRECISION_BF16 = 1,       /**< bfloat16 products, float32 sums */
    ELECTRA_PRECISION_INT8 = 2        /**< 8-bit products, dynamic quantization */
} electra_precision;

/** Which matrix kernels run (ELECTRA_OPT_KERNELS). */
typedef enum electra_kernels {
    ELECTRA_KERNELS_AUTO = 0,         /**< the fastest this CPU supports */
    ELECTRA_KERNELS_REFERENCE = 1     /**< portable CBLAS path */
} electra_kernels;

/** How electra_tag() groups tokens into entities, as
 * transformers' token-classification pipeline. */
typedef enum electra_aggregation {
    ELECTRA_AGGREGATION_NONE = 0,
    ELECTRA_AGGREGATION_SIMPLE = 1,
    ELECTRA_AGGREGATION_FIRST = 2,
    ELECTRA_AGGREGATION_AVERAGE = 3,
    ELECTRA_AGGREGATION_MAX = 4
} electra_aggregation;

/** Scores of electra_classify() (ELECTRA_OPT_CLASSIFY_FUNCTION). */
typedef enum electra_classify_function {
    ELECTRA_CLASSIFY_AUTO = 0,        /**< sigmoid for multi-label, else softmax */
    ELECTRA_CLASSIFY_SOFTMAX = 1,
    ELECTRA_CLASSIFY_SIGMOID = 2,
    ELECTRA_CLASSIFY_NONE = 3         /**< raw logits as scores */
} electra_classify_function;

/** Create an options handle with every option at its default. */
ELECTRA_API electra_status electra_options_create(electra_options **out);
/** Free an options handle (NULL is fine). */
ELECTRA_API void electra_options_free(electra_options *options);
/** Set an option (key: electra_option). A key of the other type, an
 * unknown key or a value out of range gives ELECTRA_ERR_INVALID_ARGUMENT
 * and leaves the option as it was.
 * @{ */
ELECTRA_API electra_status electra_options_set_int(electra_options *options,
                                                   int key, int64_t value);
ELECTRA_API electra_status electra_options_set_float(electra_options *options,
                                                     int key, double value);
/** @} */
/** Read an option: the value set, or its default.
 * @{ */
ELECTRA_API electra_status electra_options_get_int(
    const electra_options *options, int key, int64_t *value);
ELECTRA_API electra_status electra_options_get_float(
    const electra_options *options, int key, double *value);
/** @} */
/** The message of the last failed set on this handle ("" if none). */
ELECTRA_API const char *electra_options_last_error(
    const electra_options *options);

/* ------------------------------------------------------------------------
 * Tokenizer: BERT WordPiece, identical to Hugging Face's BertTokenizer.
 * --------------------------------------------------------------------- */
/** A loaded tokenizer (opaque, immutable, shareable by threads). */
typedef struct electra_tokenizer electra_tokenizer;

/** Special tokens, for electra_tokenizer_special_id(). */
typedef enum electra_special_token {
    ELECTRA_TOKEN_PAD = 0,
    ELECTRA_TOKEN_UNK = 1,
    ELECTRA_TOKEN_CLS = 2,
    ELECTRA_TOKEN_SEP = 3,
    ELECTRA_TOKEN_MASK = 4
} electra_special_token;

/** path: a vocab.txt, a Hugging Face tokenizer.json, or a model directory
 * (its tokenizer.json if present, else vocab.txt + tokenizer_config.json).
 * Options: ELECTRA_OPT_LOWERCASE, _STRIP_ACCENTS, _CHINESE_CHARS. */
ELECTRA_API electra_status electra_tokenizer_load(const char *path,
                                                  const electra_options *options,
                                                  electra_tokenizer **out);
/** Free a tokenizer (NULL is fine). */
ELECTRA_API void electra_tokenizer_free(electra_tokenizer *tokenizer);

/** Number of tokens in the vocabulary. */
ELECTRA_API size_t electra_tokenizer_vocab_size(const electra_tokenizer *tokenizer);
/** -1 when the token is not in the vocabulary. */
ELECTRA_API int32_t electra_tokenizer_token_to_id(const electra_tokenizer *tokenizer,
                                                  const char *token, size_t length);
/** NUL-terminated, owned by the tokenizer; NULL when id is out of range. */
ELECTRA_API const char *electra_tokenizer_id_to_token(const electra_tokenizer *tokenizer,
                                                      int32_t id);
/** which: electra_special_token. -1 when the vocabulary lacks it. */
ELECTRA_API int32_t electra_tokenizer_special_id(const electra_tokenizer *tokenizer,
                                                 int which);

/** An encoding holds rows of tokens: one per input, or one per overflow
 * window. It is reused across calls (its buffers grow, never shrink). */
typedef struct electra_encoding electra_encoding;

/** Create an empty encoding. */
ELECTRA_API electra_status electra_encoding_create(electra_encoding **out);
/** Free an encoding (NULL is fine). */
ELECTRA_API void electra_encoding_free(electra_encoding *encoding);
/** The message of the last failed encode into this encoding ("" if none). */
ELECTRA_API const char *electra_encoding_last_error(const electra_encoding *encoding);

/** Encode text, or the pair (text, pair) when pair is not NULL (an empty
 * pair is a pair). Options: ADD_SPECIAL_TOKENS, MAX_LENGTH, TRUNCATION,
 * STRIDE, RETURN_OVERFLOW, PADDING, PAD_TO_MULTIPLE_OF. The result
 * replaces the encoding's previous content. */
ELECTRA_API electra_status electra_tokenizer_encode(const electra_tokenizer *tokenizer,
                                                    const char *text, size_t text_length,
                                                    const char *pair, size_t pair_length,
                                                    const electra_options *options,
                                                    electra_encoding *encoding);
/** Encode count inputs; pairs may be NULL (no pairs) or hold NULL entries. */
ELECTRA_API electra_status electra_tokenizer_encode_batch(
    const electra_tokenizer *tokenizer, size_t count, const char *const *texts,
    const size_t *text_lengths, const char *const *pairs, const size_t *pair_lengths,
    const electra_options *options, electra_encoding *encoding);

/** Number of rows (inputs, or overflow windows). */
ELECTRA_API size_t electra_encoding_rows(const electra_encoding *encoding);
/** Tokens in a row, padding included; 0 for a row out of range. */
ELECTRA_API size_t electra_encoding_length(const electra_encoding *encoding, size_t row);
/** Arrays of electra_encoding_length() entries (NULL for a row out of
 * range). sequence_ids: 0 text, 1 pair, -1 inserted special or padding.
 * offsets: 2 entries per token, [begin, end) bytes into the text of the
 * token's sequence; [0, 0] for inserted specials and padding.
 * @{ */
ELECTRA_API const int32_t *electra_encoding_ids(const electra_encoding *encoding, size_t row);
ELECTRA_API const int32_t *electra_encoding_type_ids(const electra_encoding *encoding,
                                                     size_t row);
ELECTRA_API const int32_t *electra_encoding_attention_mask(const electra_encoding *encoding,
                                                           size_t row);
ELECTRA_API const int32_t *electra_encoding_special_tokens_mask(
    const electra_encoding *encoding, size_t row);
ELECTRA_API const int32_t *electra_encoding_sequence_ids(const electra_encoding *encoding,
                                                         size_t row);
ELECTRA_API const size_t *electra_encoding_offsets(const electra_encoding *encoding,
                                                   size_t row);
/** @} */
/** The input (index into the batch) a row was made from. */
ELECTRA_API size_t electra_encoding_source(const electra_encoding *encoding, size_t row);

/** ids -> text, as BertTokenizer.decode: optional skipping of special
 * tokens and clean-up of spaces before punctuation. Writes a NUL-terminated
 * string into buffer; *length gets its length without the NUL. When
 * buffer_size is too small: ELECTRA_ERR_BUFFER_TOO_SMALL and *length the
 * length needed (the NUL not counted). */
ELECTRA_API electra_status electra_tokenizer_decode(const electra_tokenizer *tokenizer,
                                                    const int32_t *ids, size_t count,
                                                    int skip_special_tokens,
                                                    int clean_up_spaces, char *buffer,
                                                    size_t buffer_size, size_t *length);

/* ------------------------------------------------------------------------
 * Models
 * --------------------------------------------------------------------- */
/** A loaded model (opaque, immutable, shareable by threads). */
typedef struct electra_model electra_model;

/** The head a model's weights carry (ELECTRA_INFO_HEAD). */
typedef enum electra_head {
    ELECTRA_HEAD_NONE = 0,                 /**< ElectraModel */
    ELECTRA_HEAD_MASKED_LM = 1,            /**< ElectraForMaskedLM (generator) */
    ELECTRA_HEAD_PRETRAINING = 2,          /**< ElectraForPreTraining */
    ELECTRA_HEAD_SEQUENCE_CLASSIFICATION = 3,
    ELECTRA_HEAD_TOKEN_CLASSIFICATION = 4,
    ELECTRA_HEAD_QUESTION_ANSWERING = 5
} electra_head;

/** Keys of electra_model_info() (below 100) and
 * electra_model_info_string() (from 100). */
typedef enum electra_info {
    ELECTRA_INFO_HEAD = 0,                 /**< electra_head */
    ELECTRA_INFO_VOCAB_SIZE = 1,
    ELECTRA_INFO_EMBEDDING_SIZE = 2,
    ELECTRA_INFO_HIDDEN_SIZE = 3,
    ELECTRA_INFO_NUM_LAYERS = 4,
    ELECTRA_INFO_NUM_HEADS = 5,
    ELECTRA_INFO_INTERMEDIATE_SIZE = 6,
    ELECTRA_INFO_MAX_POSITIONS = 7,
    ELECTRA_INFO_TYPE_VOCAB_SIZE = 8,
    ELECTRA_INFO_NUM_LABELS = 9,
    ELECTRA_INFO_NUM_PARAMETERS = 10,
    /* strings */
    ELECTRA_INFO_ARCHITECTURE = 100,       /**< "ElectraForMaskedLM", ... */
    ELECTRA_INFO_HIDDEN_ACT = 101,
    ELECTRA_INFO_WEIGHT_FORMAT = 102,      /**< "safetensors", "safetensors
                                              (sharded)", "pytorch zip",
                                              "pytorch legacy" */
    ELECTRA_INFO_WEIGHT_DTYPE = 103,       /**< "F32", "F16", "BF16" */
    ELECTRA_INFO_PROBLEM_TYPE = 104        /**< "" or config's problem_type */
} electra_info;

/** dir: a Hugging Face model directory (config.json, weights, tokenizer
 * files). Options: WEIGHT_FORMAT, PRECISION, KERNELS and the tokenizer
 * loading options. Weight values are not inspected: NaN or infinite
 * weights load (as in transformers) and spread into the outputs. */
ELECTRA_API electra_status electra_model_load(const char *dir,
                                              const electra_options *options,
                                              electra_model **out);
/** Free a model (NULL is fine); free its contexts first. */
ELECTRA_API void electra_model_free(electra_model *model);
/** Integer facts (keys below 100); -1 for an unknown key. */
ELECTRA_API int64_t electra_model_info(const electra_model *model, int key);
/** String facts (keys from 100); NULL for an unknown key. */
ELECTRA_API const char *electra_model_info_string(const electra_model *model, int key);
/** id2label name of a class (classification heads); NULL out of range. */
ELECTRA_API const char *electra_model_label(const electra_model *model, size_t index);
/** The tokenizer loaded from the model directory (owned by the model);
 * NULL when the directory has none. */
ELECTRA_API const electra_tokenizer *electra_model_tokenizer(const electra_model *model);

/** A context holds the scratch memory and threads of one caller (one
 * thread at a time). */
typedef struct electra_context electra_context;

/** Create a context for a model. Options: THREADS, OUTPUT_HIDDEN_STATES. */
ELECTRA_API electra_status electra_context_create(const electra_model *model,
                                                  const electra_options *options,
                                                  electra_context **out);
/** Free a context (NULL is fine). */
ELECTRA_API void electra_context_free(electra_context *context);
/** The message of the last failed call on this context ("" if none). */
ELECTRA_API const char *electra_context_last_error(const electra_context *context);

/* ------------------------------------------------------------------------
 * Raw forward pass
 * --------------------------------------------------------------------- */
/** Outputs of a forward pass, for electra_output_shape() and
 * electra_output_copy(). */
typedef enum electra_output {
    ELECTRA_OUTPUT_LAST_HIDDEN_STATE = 0, /**< (batch, seq, hidden) */
    ELECTRA_OUTPUT_LOGITS = 1,            /**< head dependent: (batch, seq,
                                             vocab), (batch, seq), (batch,
                                             labels), (batch, seq, labels),
                                             (batch, seq, 2) for QA */
    ELECTRA_OUTPUT_EMBEDDING_OUTPUT = 2,  /**< (batch, seq, embedding) */
    ELECTRA_OUTPUT_HIDDEN_STATES = 3,     /**< (layers + 1, batch, seq, hidden),
                                             needs OUTPUT_HIDDEN_STATES */
    ELECTRA_OUTPUT_START_LOGITS = 4,      /**< QA: (batch, seq) */
    ELECTRA_OUTPUT_END_LOGITS = 5         /**< QA: (batch, seq) */
} electra_output;

/** Run the model on batch x seq token ids (row-major). attention_mask and
 * token_type_ids may be NULL (all ones / all zeros). Results stay in the
 * context until its next call; each row's are the same bits whatever the
 * batch around it and the context's thread count. seq above the model's
 * maximum positions gives ELECTRA_ERR_TOO_LONG; batch or seq 0, or a
 * product that overflows, ELECTRA_ERR_SHAPE. The context holds every
 * output of the pass: a generator's logits are batch x seq x vocab floats,
 * so feed large batches in pieces. */
ELECTRA_API electra_status electra_forward(electra_context *context, size_t batch,
                                           size_t seq, const int32_t *input_ids,
                                           const int32_t *attention_mask,
                                           const int32_t *token_type_ids);
/** The same on an encoding whose rows all have one length (pad them). */
ELECTRA_API electra_status electra_forward_encoding(electra_context *context,
                                                    const electra_encoding *encoding);
/** Shape of an output of the last forward pass (which: electra_output):
 * shape[0..*ndim-1]; at most 4 dimensions. */
ELECTRA_API electra_status electra_output_shape(const electra_context *context, int which,
                                                size_t shape[4], size_t *ndim);
/** Copy an output into a caller buffer of count floats (at least the
 * product of its shape). */
ELECTRA_API electra_status electra_output_copy(const electra_context *context, int which,
                                               float *buffer, size_t count);

/* ------------------------------------------------------------------------
 * Tasks
 * --------------------------------------------------------------------- */
/** A task's result: a table of items, whose columns mean, per task:
 *
 * | task      | group           | label          | text     | id       | start/end       | score       | logit | flag
 * |-----------|-----------------|----------------|----------|----------|-----------------|-------------|-------|------
 * | fill_mask | mask index      | token          | sequence | token id | the [MASK] span | probability | logit | -
 * | detect    | 0 token, 1 word | token / word   | -        | token id | span            | probability | logit | replaced
 * | classify  | 0               | label name     | -        | label id | -               | probability | logit | -
 * | tag       | 0               | entity (group) | word     | label id | span            | score       | -     | token index (NONE), else -1
 * | answer    | 0               | -              | answer   | -        | span in context | score       | -     | 1 = no answer
 *
 * Items come best first within a group (fill_mask, classify, answer) or
 * in text order (detect, tag). Spans are byte offsets into the input.
 * A text (with its pair) of more tokens than the model's positions gives
 * ELECTRA_ERR_TOO_LONG, unless ELECTRA_OPT_TRUNCATION is set: then it is
 * cut to MAX_LENGTH (default: the model's positions). electra_answer reads
 * long contexts in windows instead. */
typedef struct electra_result electra_result;

/** Generator (ElectraForMaskedLM). Every "[MASK]" in text gets TOP_K
 * candidates (group = which mask). targets restricts the candidates to
 * these words (each word's first word piece). */
ELECTRA_API electra_status electra_fill_mask(electra_context *context, const char *text,
                                             size_t text_length,
                                             const char *const *targets,
                                             size_t target_count,
                                             const electra_options *options,
                                             electra_result **out);
/** Discriminator (ElectraForPreTraining): replaced-token detection. */
ELECTRA_API electra_status electra_detect(electra_context *context, const char *text,
                                          size_t text_length,
                                          const electra_options *options,
                                          electra_result **out);
/** ElectraForSequenceClassification; pair may be NULL. */
ELECTRA_API electra_status electra_classify(electra_context *context, const char *text,
                                            size_t text_length, const char *pair,
                                            size_t pair_length,
                                            const electra_options *options,
                                            electra_result **out);
/** ElectraForTokenClassification (AGGREGATION). */
ELECTRA_API electra_status electra_tag(electra_context *context, const char *text,
                                       size_t text_length, const electra_options *options,
                                       electra_result **out);
/** ElectraForQuestionAnswering (TOP_K, MAX_ANSWER_LENGTH, DOC_STRIDE,
 * ALLOW_NO_ANSWER). Contexts longer than the model's window (384 tokens or
 * the model's positions, whichever is less) are read in overlapping
 * windows. */
ELECTRA_API electra_status electra_answer(electra_context *context, const char *question,
                                          size_t question_length, const char *text,
                                          size_t text_length,
                                          const electra_options *options,
                                          electra_result **out);

/** Free a result (NULL is fine). */
ELECTRA_API void electra_result_free(electra_result *result);
/** Number of items. */
ELECTRA_API size_t electra_result_count(const electra_result *result);
/** The columns of item index (see electra_result); an index out of range
 * gives 0, -1 or NULL. Strings are owned by the result.
 * @{ */
ELECTRA_API int electra_result_group(const electra_result *result, size_t index);
ELECTRA_API const char *electra_result_label(const electra_result *result, size_t index);
ELECTRA_API const char *electra_result_text(const electra_result *result, size_t index);
ELECTRA_API int32_t electra_result_id(const electra_result *result, size_t index);
ELECTRA_API size_t electra_result_start(const electra_result *result, size_t index);
ELECTRA_API size_t electra_result_end(const electra_result *result, size_t index);
ELECTRA_API double electra_result_score(const electra_result *result, size_t index);
ELECTRA_API double electra_result_logit(const electra_result *result, size_t index);
ELECTRA_API int electra_result_flag(const electra_result *result, size_t index);
/** @} */

#ifdef __cplusplus
}
#endif

#endif /* ELECTRA_H */
