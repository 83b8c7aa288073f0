/* brown_tags.c - Brown corpus tags to the 12 universal tags (NOUN VERB ADJ
 * ADV ADP DET PRON CONJ NUM PRT . X). The rules, applied in order
 * (doc/data-formats.md has the table with examples):
 *
 *  1. lowercase; "fw-..." (foreign words) -> X;
 *  2. a compound tag ("ppss+md" for "I'll", "vbg+to" for "gonna") keeps
 *     its first part: the word is mostly what the first part says;
 *  3. drop the suffixes -hl (headline), -tl (title), -nc (cited word), and
 *     any truncated "-t"/"-n" left by the corpus;
 *  4. "*" alone ("not", "n't") -> ADV; possessive determiners pp$ ("his",
 *     "my") and wp$ ("whose") -> DET;
 *  5. drop a trailing "*" (negated: "didn't" dod*, "wasn't" bedz*) and
 *     trailing "$" (possessive: np$ "Atlanta's", pp$$ "mine"); a tag
 *     without letters (. , : ( ) `` '' ' --) -> .;
 *  6. by prefix, as the table below says (the longest prefix that
 *     matches); anything else -> X. */
#include <string.h>

#include "brown_tags.h"

static const struct {
    const char *prefix;
    const char *tag;
} prefix_rules[] = {
    /* determiners, articles, quantifiers, existential "there" (and pp$,
     * wp$ above) */
    {"abl", "DET"}, /* quite, rather, such */
    {"abn", "DET"}, /* all, half, many */
    {"abx", "DET"}, /* both */
    {"ap", "ADJ"},  /* many, few, other, next, last: adjective-like post-determiners */
    {"at", "DET"},  /* a, the, no */
    {"dt", "DET"},  /* this, that, some, any, either, these */
    {"ex", "DET"},  /* existential there */
    {"wdt", "DET"}, /* which, what */
    /* verbs, auxiliaries and modals */
    {"be", "VERB"},
    {"do", "VERB"},
    {"hv", "VERB"},
    {"md", "VERB"},
    {"vb", "VERB"},
    /* conjunctions and adpositions */
    {"cc", "CONJ"}, /* and, or, but */
    {"cs", "ADP"},  /* subordinating: that, as, if, because */
    {"in", "ADP"},  /* prepositions */
    /* numbers and adjectives */
    {"cd", "NUM"},
    {"od", "ADJ"}, /* first, 2nd */
    {"jj", "ADJ"},
    /* nouns: common, proper, adverbial (home, today) */
    {"nn", "NOUN"},
    {"np", "NOUN"},
    {"nr", "NOUN"},
    /* pronouns */
    {"pn", "PRON"}, /* everybody, nothing */
    {"pp", "PRON"}, /* he, him, himself, mine */
    {"wp", "PRON"}, /* who, whom, whose */
    /* adverbs and qualifiers */
    {"ql", "ADV"},  /* very, too, enough */
    {"rb", "ADV"},
    {"rn", "ADV"},  /* here, then */
    {"wql", "ADV"}, /* how */
    {"wrb", "ADV"}, /* when, where, why */
    /* particles */
    {"rp", "PRT"}, /* up, out, off */
    {"to", "PRT"}, /* infinitive to */
    /* the rest */
    {"uh", "X"},  /* interjections */
    {"nil", "X"}, /* untagged */
};

static bool has_suffix(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

const char *brown_to_universal(const char *tag, size_t n)
{
    char t[64];
    if (n == 0 || n >= sizeof t)
        return "X";
    for (size_t i = 0; i < n; i++)
        t[i] = (char)(tag[i] >= 'A' && tag[i] <= 'Z' ? tag[i] - 'A' + 'a' : tag[i]);
    t[n] = '\0';
    if (n >= 3 && memcmp(t, "fw-", 3) == 0)
        return "X";
    char *plus = strchr(t, '+');
    if (plus && plus > t)
        n = (size_t)(plus - t);
    for (bool again = true; again;) {
        again = false;
        static const char *const suffixes[] = {"-hl", "-tl", "-nc", "-t", "-n"};
        for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++)
            if (n > strlen(suffixes[i]) && has_suffix(t, n, suffixes[i])) {
                n -= strlen(suffixes[i]);
                again = true;
            }
    }
    t[n] = '\0';
    if (strcmp(t, "*") == 0)
        return "ADV";
    if (strcmp(t, "pp$") == 0 || strcmp(t, "wp$") == 0)
        return "DET";
    while (n > 1 && (t[n - 1] == '*' || t[n - 1] == '$'))
        t[--n] = '\0';
    bool letters = false;
    for (size_t i = 0; i < n; i++)
        letters |= t[i] >= 'a' && t[i] <= 'z';
    if (!letters)
        return ".";
    /* Longest matching prefix: "wql" and "wrb" before "wp"... */
    const char *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < sizeof prefix_rules / sizeof *prefix_rules; i++) {
        size_t k = strlen(prefix_rules[i].prefix);
        if (k > best_len && k <= n && memcmp(t, prefix_rules[i].prefix, k) == 0) {
            best = prefix_rules[i].tag;
            best_len = k;
        }
    }
    return best ? best : "X";
}
