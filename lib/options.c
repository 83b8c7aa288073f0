/* options.c - the options handle: a fixed table of typed keys with
 * defaults and ranges, and the values a caller set. */
#include "options.h"

#include <math.h>
#include <stdbool.h>

#include "alloc.h"
#include "error.h"

enum opt_type { OPT_INT, OPT_FLOAT };

struct opt_spec {
    int key;
    const char *name;
    enum opt_type type;
    double def, min, max;
};

static const struct opt_spec specs[] = {
    {ELECTRA_OPT_LOWERCASE, "LOWERCASE", OPT_INT, -1, -1, 1},
    {ELECTRA_OPT_STRIP_ACCENTS, "STRIP_ACCENTS", OPT_INT, -1, -1, 1},
    {ELECTRA_OPT_CHINESE_CHARS, "CHINESE_CHARS", OPT_INT, -1, -1, 1},
    {ELECTRA_OPT_ADD_SPECIAL_TOKENS, "ADD_SPECIAL_TOKENS", OPT_INT, 1, 0, 1},
    {ELECTRA_OPT_MAX_LENGTH, "MAX_LENGTH", OPT_INT, 0, 0, INT32_MAX},
    {ELECTRA_OPT_TRUNCATION, "TRUNCATION", OPT_INT, ELECTRA_TRUNCATION_NONE,
     ELECTRA_TRUNCATION_NONE, ELECTRA_TRUNCATION_ONLY_SECOND},
    {ELECTRA_OPT_STRIDE, "STRIDE", OPT_INT, 0, 0, INT32_MAX},
    {ELECTRA_OPT_RETURN_OVERFLOW, "RETURN_OVERFLOW", OPT_INT, 0, 0, 1},
    {ELECTRA_OPT_PADDING, "PADDING", OPT_INT, ELECTRA_PADDING_NONE, ELECTRA_PADDING_NONE,
     ELECTRA_PADDING_MAX_LENGTH},
    {ELECTRA_OPT_PAD_TO_MULTIPLE_OF, "PAD_TO_MULTIPLE_OF", OPT_INT, 0, 0, 65536},
    {ELECTRA_OPT_THREADS, "THREADS", OPT_INT, 1, 1, 1024},
    {ELECTRA_OPT_OUTPUT_HIDDEN_STATES, "OUTPUT_HIDDEN_STATES", OPT_INT, 0, 0, 1},
    {ELECTRA_OPT_WEIGHT_FORMAT, "WEIGHT_FORMAT", OPT_INT, ELECTRA_WEIGHTS_AUTO,
     ELECTRA_WEIGHTS_AUTO, ELECTRA_WEIGHTS_PYTORCH},
    {ELECTRA_OPT_PRECISION, "PRECISION", OPT_INT, ELECTRA_PRECISION_F32,
     ELECTRA_PRECISION_F32, ELECTRA_PRECISION_INT8},
    {ELECTRA_OPT_KERNELS, "KERNELS", OPT_INT, ELECTRA_KERNELS_AUTO, ELECTRA_KERNELS_AUTO,
     ELECTRA_KERNELS_REFERENCE},
    {ELECTRA_OPT_TOP_K, "TOP_K", OPT_INT, 0, 0, INT32_MAX},
    {ELECTRA_OPT_THRESHOLD, "THRESHOLD", OPT_FLOAT, 0.5, 0, 1},
    {ELECTRA_OPT_AGGREGATION, "AGGREGATION", OPT_INT, ELECTRA_AGGREGATION_SIMPLE,
     ELECTRA_AGGREGATION_NONE, ELECTRA_AGGREGATION_MAX},
    {ELECTRA_OPT_MAX_ANSWER_LENGTH, "MAX_ANSWER_LENGTH", OPT_INT, 15, 1, INT32_MAX},
    {ELECTRA_OPT_DOC_STRIDE, "DOC_STRIDE", OPT_INT, 128, 0, INT32_MAX},
    {ELECTRA_OPT_ALLOW_NO_ANSWER, "ALLOW_NO_ANSWER", OPT_INT, 0, 0, 1},
    {ELECTRA_OPT_CLASSIFY_FUNCTION, "CLASSIFY_FUNCTION", OPT_INT, ELECTRA_CLASSIFY_AUTO,
     ELECTRA_CLASSIFY_AUTO, ELECTRA_CLASSIFY_NONE},
};

#define N_SPECS (sizeof specs / sizeof specs[0])

struct electra_options {
    bool set[N_SPECS];
    double value[N_SPECS];
    char error[EL_ERRMSG_SIZE];
};

static int spec_index(int key)
{
    for (size_t i = 0; i < N_SPECS; i++)
        if (specs[i].key == key)
            return (int)i;
    return -1;
}

ELECTRA_API electra_status electra_options_create(electra_options **out)
{
    if (!out)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "electra_options_create: out is NULL");
    electra_options *o = el_calloc(1, sizeof *o);
    if (!o)
        return el_nomem("creating options");
    *out = o;
    return ELECTRA_OK;
}

ELECTRA_API void electra_options_free(electra_options *options)
{
    el_free(options);
}

static electra_status options_fail(electra_options *o, electra_status s)
{
    if (o)
        el_error_capture(o->error);
    return s;
}

static electra_status set_value(electra_options *o, int key, double value, enum opt_type type,
                                const char *func)
{
    if (!o)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "%s: options is NULL", func);
    int i = spec_index(key);
    if (i < 0)
        return options_fail(o, el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "%s: unknown option key %d",
                                       func, key));
    const struct opt_spec *s = &specs[i];
    if (s->type != type)
        return options_fail(o, el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                                       "%s: option %s is %s-valued", func, s->name,
                                       s->type == OPT_INT ? "int" : "float"));
    if (!(value >= s->min && value <= s->max))
        return options_fail(o, el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                                       "%s: option %s = %g outside [%g, %g]", func, s->name,
                                       value, s->min, s->max));
    o->set[i] = true;
    o->value[i] = value;
    return ELECTRA_OK;
}

ELECTRA_API electra_status electra_options_set_int(electra_options *options, int key,
                                                   int64_t value)
{
    return set_value(options, key, (double)value, OPT_INT, "electra_options_set_int");
}

ELECTRA_API electra_status electra_options_set_float(electra_options *options, int key,
                                                     double value)
{
    if (isnan(value))
        return options_fail(options, el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                                             "electra_options_set_float: value is NaN"));
    return set_value(options, key, value, OPT_FLOAT, "electra_options_set_float");
}

static electra_status get_value(const electra_options *o, int key, enum opt_type type,
                                double *out, const char *func)
{
    if (!out)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "%s: value is NULL", func);
    int i = spec_index(key);
    if (i < 0)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "%s: unknown option key %d", func, key);
    if (specs[i].type != type)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "%s: option %s is %s-valued", func,
                       specs[i].name, specs[i].type == OPT_INT ? "int" : "float");
    *out = (o && o->set[i]) ? o->value[i] : specs[i].def;
    return ELECTRA_OK;
}

ELECTRA_API electra_status electra_options_get_int(const electra_options *options, int key,
                                                   int64_t *value)
{
    double v;
    if (!value)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "electra_options_get_int: value is NULL");
    electra_status s = get_value(options, key, OPT_INT, &v, "electra_options_get_int");
    if (s == ELECTRA_OK)
        *value = (int64_t)v;
    return s;
}

ELECTRA_API electra_status electra_options_get_float(const electra_options *options, int key,
                                                     double *value)
{
    return get_value(options, key, OPT_FLOAT, value, "electra_options_get_float");
}

ELECTRA_API const char *electra_options_last_error(const electra_options *options)
{
    return options ? options->error : "options is NULL";
}

int64_t el_opt_int(const electra_options *options, int key)
{
    int i = spec_index(key);
    if (i < 0)
        return 0;
    return (int64_t)((options && options->set[i]) ? options->value[i] : specs[i].def);
}

double el_opt_float(const electra_options *options, int key)
{
    int i = spec_index(key);
    if (i < 0)
        return 0;
    return (options && options->set[i]) ? options->value[i] : specs[i].def;
}
