/* check_corpus_prep.c - prepare-corpus's parts: Brown tags to universal
 * tags, e-mails to text, and each corpus end to end on small made-up
 * copies (splits, detokenised text, JSON lines, duplicates). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../scripts/corpus/brown_tags.h"
#include "../scripts/corpus/corpus.h"
#include "../scripts/corpus/email.h"
#include "testutil.h"

/* ---- tags ---- */

START_TEST(universal_tags)
{
    static const char *const cases[][2] = {
        {"nn", "NOUN"},     {"nns$", "NOUN"},  {"np-tl", "NOUN"},   {"nn-tl-hl", "NOUN"},
        {"NP$", "NOUN"},    {"nr", "NOUN"},    {"vbd", "VERB"},     {"bedz*", "VERB"},
        {"md*", "VERB"},    {"hvz", "VERB"},   {"do*-hl", "VERB"},  {"jjt", "ADJ"},
        {"od", "ADJ"},      {"ap", "ADJ"},     {"rb", "ADV"},       {"ql", "ADV"},
        {"wrb", "ADV"},     {"wql", "ADV"},    {"*", "ADV"},        {"*-hl", "ADV"},
        {"in", "ADP"},      {"cs", "ADP"},     {"in-tl", "ADP"},    {"at", "DET"},
        {"abn", "DET"},     {"dti", "DET"},    {"ex", "DET"},       {"wdt", "DET"},
        {"pp$", "DET"},     {"wp$", "DET"},    {"pp$$", "PRON"},    {"ppss", "PRON"},
        {"ppl", "PRON"},    {"wps", "PRON"},   {"pn$", "PRON"},     {"cc", "CONJ"},
        {"cd", "NUM"},      {"cd$", "NUM"},    {"rp", "PRT"},       {"to", "PRT"},
        {".", "."},         {",", "."},        {"``", "."},         {"''", "."},
        {"--", "."},        {"(-hl", "."},     {"---hl", "."},      {"'", "."},
        {"fw-nn", "X"},     {"fw-in+at-t", "X"}, {"uh", "X"},       {"nil", "X"},
        {"ppss+md", "PRON"}, {"ppss+ber-n", "PRON"}, {"vbg+to", "VERB"}, {"ex+bez", "DET"},
        {"dt+bez", "DET"},  {"rb+bez", "ADV"}, {"zz", "X"},         {"", "X"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        ck_assert_msg(strcmp(brown_to_universal(cases[i][0], strlen(cases[i][0])), cases[i][1]) == 0,
                      "%s -> %s, not %s", cases[i][0],
                      brown_to_universal(cases[i][0], strlen(cases[i][0])), cases[i][1]);
}
END_TEST

/* ---- e-mails ---- */

static const char *mail_text(const char *msg, size_t max_chars)
{
    static struct buf out;
    email_text(msg, strlen(msg), max_chars, &out);
    return out.p;
}

START_TEST(email_plain)
{
    ck_assert_str_eq(mail_text("From someone  Mon Jan 1 2002\n"
                               "Received: from x\n\tby y\n"
                               "Subject: Hello\n   there\n"
                               "\n"
                               "Body  line one\n\nline two\n",
                               2000),
                     "Hello there\nBody line one line two");
    /* No subject, no body. */
    ck_assert_str_eq(mail_text("To: a@b\n\n", 2000), "");
    ck_assert_str_eq(mail_text("Subject: only\n", 2000), "only");
}
END_TEST

START_TEST(email_quoted_printable_latin1)
{
    ck_assert_str_eq(mail_text("Subject: =?iso-8859-1?Q?Caf=E9_cr=E8me?= ok\n"
                               "Content-Type: text/plain; charset=\"ISO-8859-1\"\n"
                               "Content-Transfer-Encoding: quoted-printable\n\n"
                               "Gr=FC=DFe, a soft=\nbreak and \x93quotes\x94 =3D\n",
                               2000),
                     "Caf\xc3\xa9 cr\xc3\xa8me ok\nGr\xc3\xbc\xc3\x9f" "e, a softbreak and "
                     "\xe2\x80\x9cquotes\xe2\x80\x9d =");
}
END_TEST

START_TEST(email_base64_and_other_charsets)
{
    /* "Hello, world!" in base64; B-encoded subject words joined. */
    ck_assert_str_eq(mail_text("Subject: =?utf-8?B?SMOpbGxv?= =?utf-8?B?IHdvcmxk?=\n"
                               "Content-Transfer-Encoding: base64\n\n"
                               "SGVsbG8s\nIHdvcmxkIQ==\n",
                               2000),
                     "H\xc3\xa9llo world\nHello, world!");
    /* Bytes of a non-Latin charset that are not UTF-8 are dropped. */
    ck_assert_str_eq(mail_text("Subject: x\nContent-Type: text/plain; charset=euc-kr\n\n"
                               "\xb9\xe6\xb0\xa1 free offer \xc1\xa4\n",
                               2000),
                     "x\nfree offer");
}
END_TEST

START_TEST(email_multipart_html)
{
    const char *msg =
        "Subject: Deal\n"
        "Content-Type: multipart/mixed; boundary=\"OUT\"\n\n"
        "preamble\n"
        "--OUT\n"
        "Content-Type: multipart/alternative; boundary=IN\n\n"
        "--IN\n"
        "Content-Type: text/plain\n\n"
        "This is an HTML message\n"
        "--IN\n"
        "Content-Type: text/html; charset=windows-1252\n"
        "Content-Transfer-Encoding: quoted-printable\n\n"
        "<html><head><style>p {color: red}</style><script>var x = 1;</script></head>"
        "<body><!-- hidden --><p>Buy <b>now</b>&nbsp;&amp; save&#33; &#x263A; &euro;5 &bogus;"
        "</p></body></html>\n"
        "--IN--\n"
        "--OUT\n"
        "Content-Type: image/gif\n"
        "Content-Transfer-Encoding: base64\n\n"
        "R0lGODlh\n"
        "--OUT--\n"
        "epilogue\n";
    ck_assert_str_eq(mail_text(msg, 2000),
                     "Deal\nBuy now & save! \xe2\x98\xba \xe2\x82\xac" "5 &bogus;");
}
END_TEST

START_TEST(email_forwarded_and_html_in_plain)
{
    ck_assert_str_eq(mail_text("Subject: Fwd\nContent-Type: message/rfc822\n\n"
                               "Subject: inner\n\n<html><body>Inner <i>text</i></body></html>\n",
                               2000),
                     "Fwd\nInner text");
}
END_TEST

START_TEST(email_cut)
{
    /* 30 characters at most, cut at the last space; multi-byte characters
     * count once. */
    ck_assert_str_eq(mail_text("Subject: \xc3\xa9t\xc3\xa9\n\none two three four five six seven\n",
                               30),
                     "\xc3\xa9t\xc3\xa9\none two three four five");
    ck_assert_str_eq(mail_text("Subject: s\n\nabcdefghijklmnop\n", 8), "s\nabcdef");
}
END_TEST

/* ---- whole corpora, small ---- */

static void write_text(const char *dir, const char *name, const char *text)
{
    char *path = path_join(dir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    free(path);
}

struct test_outputs {
    struct outputs o;
    char *pretrain, *heldout, *pos[N_SPLITS], *spam[N_SPLITS], *manifest;
    size_t sizes[9];
    char *buffers[9];
};

/* Outputs in memory (open_memstream), read back by finish(). */
static void start(struct test_outputs *t)
{
    memset(t, 0, sizeof *t);
    FILE **files[9] = {&t->o.pretrain.f, &t->o.heldout.f, &t->o.manifest,
                       &t->o.pos[0],     &t->o.pos[1],    &t->o.pos[2],
                       &t->o.spam[0],    &t->o.spam[1],   &t->o.spam[2]};
    for (int i = 0; i < 9; i++) {
        *files[i] = open_memstream(&t->buffers[i], &t->sizes[i]);
        ck_assert_ptr_nonnull(*files[i]);
    }
}

static void finish(struct test_outputs *t)
{
    FILE *files[9] = {t->o.pretrain.f, t->o.heldout.f, t->o.manifest, t->o.pos[0], t->o.pos[1],
                      t->o.pos[2],     t->o.spam[0],   t->o.spam[1],  t->o.spam[2]};
    for (int i = 0; i < 9; i++)
        fclose(files[i]);
    t->pretrain = t->buffers[0];
    t->heldout = t->buffers[1];
    t->manifest = t->buffers[2];
    for (int s = 0; s < N_SPLITS; s++) {
        t->pos[s] = t->buffers[3 + s];
        t->spam[s] = t->buffers[6 + s];
    }
}

static void release(struct test_outputs *t)
{
    for (int i = 0; i < 9; i++)
        free(t->buffers[i]);
}

static double count_at(cJSON *counts, const char *a, const char *b)
{
    cJSON *x = cJSON_GetObjectItem(cJSON_GetObjectItem(counts, a), b);
    ck_assert_msg(cJSON_IsNumber(x), "no count %s.%s", a, b);
    return x->valuedouble;
}

START_TEST(brown_end_to_end)
{
    /* The real corpus's file counts per category, so the split rule gives
     * the real numbers: 407 train, 41 dev, 52 test. */
    static const struct {
        char cat;
        int files;
    } cats[] = {{'a', 44}, {'b', 27}, {'c', 17}, {'d', 17}, {'e', 36},
                {'f', 48}, {'g', 75}, {'h', 30}, {'j', 80}, {'k', 29},
                {'l', 24}, {'m', 6},  {'n', 29}, {'p', 29}, {'r', 9}};
    const char *dir = make_temp_dir("brown");
    char name[16];
    for (size_t c = 0; c < sizeof cats / sizeof *cats; c++)
        for (int i = 1; i <= cats[c].files; i++) {
            snprintf(name, sizeof name, "c%c%02d", cats[c].cat, i);
            write_text(dir, name, "\n\n\tA/at test/nn ./.\n\n");
        }
    /* ca01 (train): quotes, headline, paragraphs, "Jr. ."; ca05 (test). */
    write_text(dir, "ca01",
               "\n\n\t``/`` Only/rb a/at handful/nn ''/'' ,/, the/at jury/nn said/vbd ,/, "
               "``/`` is/bez it/pps '/' fair/jj '/' ?/. ''/''\n\n\n"
               "Merger/nn-hl proposed/vbn-hl \n"
               "Ivan/np Allen/np Jr./np ./.\n"
               "It/pps cost/vbd $12/nns (/( or/cc 1/2/cd )/) ;/. they'll/ppss+md pay/vb ./.\n");
    write_text(dir, "ca05", "\n\n\tHeld/vbn out/rp ./.\n");
    struct test_outputs t;
    start(&t);
    cJSON *counts = prepare_brown(dir, &t.o);
    finish(&t);
    ck_assert_int_eq(count_at(counts, "documents", "train"), 407);
    ck_assert_int_eq(count_at(counts, "documents", "dev"), 41);
    ck_assert_int_eq(count_at(counts, "documents", "test"), 52);
    ck_assert_int_eq(count_at(counts, "sentences", "train"), 406 + 4);
    ck_assert_int_eq(count_at(counts, "tokens", "test"), 51 * 3 + 3);
    const char *want_ca01 = "\"Only a handful\", the jury said, \"is it 'fair'?\"\n"
                            "Merger proposed\n"
                            "Ivan Allen Jr. It cost $12 (or 1/2); they'll pay.\n"
                            "\n";
    ck_assert_msg(strncmp(t.pretrain, want_ca01, strlen(want_ca01)) == 0, "%.200s", t.pretrain);
    ck_assert_msg(strncmp(t.heldout, "Held out.\n\n", 11) == 0, "%.100s", t.heldout);
    ck_assert_ptr_null(strstr(t.pretrain, "Held"));
    const char *want_pos =
        "{\"id\":\"ca01.1\",\"tokens\":[\"\\\"\",\"Only\",\"a\",\"handful\",\"\\\"\",\",\",\"the\","
        "\"jury\",\"said\",\",\",\"\\\"\",\"is\",\"it\",\"'\",\"fair\",\"'\",\"?\",\"\\\"\"],"
        "\"tags\":[\".\",\"ADV\",\"DET\",\"NOUN\",\".\",\".\",\"DET\",\"NOUN\",\"VERB\",\".\","
        "\".\",\"VERB\",\"PRON\",\".\",\"ADJ\",\".\",\".\",\".\"]}\n";
    ck_assert_msg(strncmp(t.pos[SPLIT_TRAIN], want_pos, strlen(want_pos)) == 0, "%.400s",
                  t.pos[SPLIT_TRAIN]);
    ck_assert_ptr_nonnull(strstr(t.pos[SPLIT_TRAIN],
                                 "{\"id\":\"ca01.4\",\"tokens\":[\"It\",\"cost\",\"$12\",\"(\","
                                 "\"or\",\"1/2\",\")\",\";\",\"they'll\",\"pay\",\".\"]"));
    ck_assert_ptr_nonnull(strstr(t.pos[SPLIT_TEST], "{\"id\":\"ca05.1\",\"tokens\":[\"Held\""));
    ck_assert_ptr_nonnull(strstr(t.manifest, "brown\tca05\ttest\n"));
    ck_assert_ptr_nonnull(strstr(t.manifest, "brown\tca10\tdev\n"));
    ck_assert_ptr_nonnull(strstr(t.manifest, "brown\tcm05\ttest\n"));
    ck_assert_int_eq(t.o.pretrain.documents, 407);
    cJSON_Delete(counts);
    release(&t);
}
END_TEST

START_TEST(nlp_corpus_end_to_end)
{
    const char *dir = make_temp_dir("nlp");
    char name[32];
    for (int i = 0; i < 8; i++) {
        snprintf(name, sizeof name, "doc-%d.json", i);
        write_text(dir, name, i == 7 ? "[\"Held  out.\"]" : "[\"One\\n two.\", \" \", 3, \"Three.\"]");
    }
    struct test_outputs t;
    start(&t);
    cJSON *counts = prepare_nlp_corpus(dir, &t.o);
    finish(&t);
    ck_assert_int_eq(count_at(counts, "documents", "pretrain"), 7);
    ck_assert_int_eq(count_at(counts, "documents", "heldout"), 1);
    ck_assert_int_eq(count_at(counts, "sentences", "pretrain"), 14);
    ck_assert_int_eq(cJSON_GetObjectItem(counts, "skipped")->valueint, 14);
    ck_assert(strncmp(t.pretrain, "One two.\nThree.\n\nOne two.\n", 26) == 0);
    ck_assert_str_eq(t.heldout, "Held out.\n\n");
    ck_assert_uint_eq(t.o.pretrain.words, 7 * 3);
    cJSON_Delete(counts);
    release(&t);
}
END_TEST

START_TEST(spam_end_to_end)
{
    const char *dir = make_temp_dir("spam");
    const char *groups[] = {"easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2"};
    char name[64];
    for (int g = 0; g < 5; g++) {
        char *gdir = path_join(dir, groups[g]);
        ck_assert_int_eq(mkdir(gdir, 0777), 0);
        for (int i = 0; i < 20; i++) {
            snprintf(name, sizeof name, "%05d.%032x.txt", i, i * 7919 + g);
            char msg[128];
            /* easy-ham-2 repeats easy-ham-1's texts: dropped. */
            snprintf(msg, sizeof msg, "Subject: %s %d\n\nBody of %d.\n", g >= 3 ? "Win" : "Re",
                     g == 1 ? i : g * 100 + i, i);
            write_text(gdir, name, msg);
        }
        write_text(gdir, "ignored.json", "{}");
        free(gdir);
    }
    struct test_outputs t;
    start(&t);
    cJSON *counts = prepare_spam(dir, &t.o, 2000);
    finish(&t);
    ck_assert_int_eq(cJSON_GetObjectItem(counts, "messages")->valueint, 100);
    ck_assert_int_eq(cJSON_GetObjectItem(counts, "duplicates_dropped")->valueint, 20);
    int ham = 0, spam = 0;
    for (int s = 0; s < N_SPLITS; s++) {
        ham += (int)count_at(counts, split_names[s], "ham");
        spam += (int)count_at(counts, split_names[s], "spam");
    }
    ck_assert_int_eq(ham, 40);
    ck_assert_int_eq(spam, 40);
    /* Every split got some (the hash spreads 80 names over 10 buckets). */
    for (int s = 0; s < N_SPLITS; s++)
        ck_assert_msg(t.spam[s][0] != '\0', "%s is empty", split_names[s]);
    char *all = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&all, &len);
    for (int s = 0; s < N_SPLITS; s++)
        fputs(t.spam[s], f);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(all, "\"text\":\"Win 403\\nBody of 3.\",\"label\":\"spam\"}\n"));
    ck_assert_ptr_nonnull(strstr(all, "\"text\":\"Re 2\\nBody of 2.\",\"label\":\"ham\"}"));
    ck_assert_ptr_null(strstr(all, "easy-ham-2/"));
    ck_assert_ptr_nonnull(strstr(t.manifest, "spam-assassin\teasy-ham-2/00000."));
    free(all);
    cJSON_Delete(counts);
    release(&t);
}
END_TEST

Suite *make_corpus_prep_suite(void)
{
    Suite *s = suite_create("corpus_prep");
    TCase *tc = tcase_create("tags");
    tcase_add_test(tc, universal_tags);
    suite_add_tcase(s, tc);
    tc = tcase_create("email");
    tcase_add_test(tc, email_plain);
    tcase_add_test(tc, email_quoted_printable_latin1);
    tcase_add_test(tc, email_base64_and_other_charsets);
    tcase_add_test(tc, email_multipart_html);
    tcase_add_test(tc, email_forwarded_and_html_in_plain);
    tcase_add_test(tc, email_cut);
    suite_add_tcase(s, tc);
    tc = tcase_create("corpora");
    tcase_add_test(tc, brown_end_to_end);
    tcase_add_test(tc, nlp_corpus_end_to_end);
    tcase_add_test(tc, spam_end_to_end);
    tcase_set_timeout(tc, 30);
    suite_add_tcase(s, tc);
    return s;
}
