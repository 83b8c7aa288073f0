/* unicode.c - Python 3.11's view of Unicode, from utf8proc's tables. */
#include "unicode.h"

#include <utf8proc.h>

/* Code points assigned by Unicode 15.0 and 15.1. utf8proc 2.8 (Debian 12)
 * carries Unicode 15.0 data, Python 3.11 (transformers' reference here)
 * 14.0; a diff of the two over all code points shows no other difference
 * (no category, case, decomposition or combining class change), so
 * treating these as unassigned reproduces Python exactly. The 15.1 ranges
 * keep utf8proc 2.9 correct too; tests/check_unicode.c refuses newer data. */
static const struct {
    int32_t first, last;
} assigned_after_14[] = {
    {0x0CF3, 0x0CF3},   {0x0ECE, 0x0ECE},   {0x2FFC, 0x2FFF},   {0x31EF, 0x31EF},
    {0x10EFD, 0x10EFF}, {0x1123F, 0x11241}, {0x11B00, 0x11B09}, {0x11F00, 0x11F10},
    {0x11F12, 0x11F3A}, {0x11F3E, 0x11F59}, {0x1342F, 0x1342F}, {0x13439, 0x13455},
    {0x1B132, 0x1B132}, {0x1B155, 0x1B155}, {0x1D2C0, 0x1D2D3}, {0x1DF25, 0x1DF2A},
    {0x1E030, 0x1E06D}, {0x1E08F, 0x1E08F}, {0x1E4D0, 0x1E4F9}, {0x1F6DC, 0x1F6DC},
    {0x1F774, 0x1F776}, {0x1F77B, 0x1F77F}, {0x1F7D9, 0x1F7D9}, {0x1FA75, 0x1FA77},
    {0x1FA87, 0x1FA88}, {0x1FAAD, 0x1FAAF}, {0x1FABB, 0x1FABD}, {0x1FABF, 0x1FABF},
    {0x1FACE, 0x1FACF}, {0x1FADA, 0x1FADB}, {0x1FAE8, 0x1FAE8}, {0x1FAF7, 0x1FAF8},
    {0x2B739, 0x2B739}, {0x2EBF0, 0x2EE5D}, {0x31350, 0x323AF},
};

bool el_uni_assigned14(int32_t cp)
{
    if (cp < 0 || cp > 0x10FFFF)
        return false;
    if (utf8proc_category(cp) == UTF8PROC_CATEGORY_CN)
        return false;
    size_t lo = 0, hi = sizeof assigned_after_14 / sizeof assigned_after_14[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < assigned_after_14[mid].first)
            hi = mid;
        else if (cp > assigned_after_14[mid].last)
            lo = mid + 1;
        else
            return false;
    }
    return true;
}

static utf8proc_category_t category(int32_t cp)
{
    if (cp < 0xCF3) /* below the first later assignment: no table search */
        return (utf8proc_category_t)utf8proc_category(cp);
    return el_uni_assigned14(cp) ? (utf8proc_category_t)utf8proc_category(cp)
                                 : UTF8PROC_CATEGORY_CN;
}

const char *el_uni_category(int32_t cp)
{
    /* In utf8proc_category_t order. */
    static const char names[][3] = {"Cn", "Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc",
                                    "Me", "Nd", "Nl", "No", "Pc", "Pd", "Ps", "Pe",
                                    "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs",
                                    "Zl", "Zp", "Cc", "Cf", "Cs", "Co"};
    if (cp < 0 || cp > 0x10FFFF)
        return "Cn";
    unsigned c = (unsigned)category(cp);
    return c < sizeof names / sizeof names[0] ? names[c] : "Cn";
}

int el_uni_lower(int32_t cp, int32_t out[2])
{
    /* The one unconditional multi-character lowercase in SpecialCasing.txt;
     * the conditional ones (final sigma, Lithuanian, Turkic) never apply to
     * a lone character in Python. */
    if (cp == 0x130) {
        out[0] = 0x69;
        out[1] = 0x307;
        return 2;
    }
    out[0] = category(cp) == UTF8PROC_CATEGORY_CN ? cp : utf8proc_tolower(cp);
    return 1;
}

bool el_uni_is_removed(int32_t cp)
{
    if (cp == '\t' || cp == '\n' || cp == '\r')
        return false;
    if (cp == 0 || cp == 0xFFFD)
        return true;
    switch (category(cp)) {
    case UTF8PROC_CATEGORY_CN:
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CS:
    case UTF8PROC_CATEGORY_CO:
        return true;
    default:
        return false;
    }
}

bool el_uni_is_space(int32_t cp)
{
    if (cp < 0x80)
        return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20);
    /* Python's table: Zs, plus U+0085 (Cc) and the line/paragraph separators. */
    return cp == 0x85 || cp == 0x2028 || cp == 0x2029 ||
           category(cp) == UTF8PROC_CATEGORY_ZS;
}

bool el_uni_is_punct(int32_t cp)
{
    if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) ||
        (cp >= 123 && cp <= 126))
        return true;
    if (cp < 0x80)
        return false;
    switch (category(cp)) {
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
        return true;
    default:
        return false;
    }
}

bool el_uni_is_cjk(int32_t cp)
{
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
           (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

bool el_uni_is_nonspacing_mark(int32_t cp)
{
    return cp >= 0x300 && category(cp) == UTF8PROC_CATEGORY_MN;
}

int el_uni_ccc(int32_t cp)
{
    if (cp < 0x300 || category(cp) == UTF8PROC_CATEGORY_CN)
        return 0;
    return utf8proc_get_property(cp)->combining_class;
}

int el_uni_decompose(int32_t cp, int32_t out[EL_UNI_MAX_DECOMP])
{
    if (cp < 0xC0 || category(cp) == UTF8PROC_CATEGORY_CN) {
        out[0] = cp;
        return 1;
    }
    int boundclass = 0;
    utf8proc_ssize_t n =
        utf8proc_decompose_char(cp, out, EL_UNI_MAX_DECOMP, UTF8PROC_DECOMPOSE, &boundclass);
    if (n < 1 || n > EL_UNI_MAX_DECOMP) { /* cannot happen for valid code points */
        out[0] = cp;
        return 1;
    }
    return (int)n;
}

int32_t el_uni_compose(int32_t first, int32_t second)
{
    if (category(first) == UTF8PROC_CATEGORY_CN || category(second) == UTF8PROC_CATEGORY_CN)
        return -1;
    /* utf8proc has no pair lookup; its composition pass over a two-element
     * buffer is one. STABLE honours the composition exclusions, as NFC must. */
    utf8proc_int32_t pair[2] = {first, second};
    utf8proc_ssize_t n = utf8proc_normalize_utf32(pair, 2, UTF8PROC_COMPOSE | UTF8PROC_STABLE);
    return n == 1 ? pair[0] : -1;
}

const char *el_uni_data_version(void)
{
    return utf8proc_unicode_version();
}
