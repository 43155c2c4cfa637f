/* test_cases.c -- the case rules (relais_cases): child keys, transitions, pause, closing, replay, deadlines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "relais_cases.h"

#define S_H (3600 * (int64_t)1000) /* an hour in ms */

static const uint8_t s_secret[32] = {7};
static relais_cases_policy_t s_policy; /* the defaults, set in main() */

/* ---- Normalisation and child keys ---------------------------------------------------- */

static void s_assert_norm(const char *in, const char *want)
{
    char out[256];
    assert_int_equal(relais_cases_normalise_name(in, out, sizeof out), 0);
    assert_string_equal(out, want);
}

/* The phonetic key of a family name: pinned, since a blocking index keyed by it must not move. */
static void s_assert_phonetic(const char *family, const char *want)
{
    char out[64];
    assert_int_equal(relais_cases_phonetic_key(family, out, sizeof out), 0);
    assert_string_equal(out, want);
}

static void test_phonetic_key(void **state)
{
    (void)state;
    s_assert_phonetic("Philippot", "filipo");
    s_assert_phonetic("Filipot", "filipo");
    s_assert_phonetic("Lefebvre", "lefebvr");
    s_assert_phonetic("Chauvet", "sove");
    s_assert_phonetic("Schmitt", "smi");
    s_assert_phonetic("Barreau", "baro");
    s_assert_phonetic("Durand", "duran");
    s_assert_phonetic("Durant", "duran");
    s_assert_phonetic("Gon\xc3\xa7" "alves", "gonkalve");
    s_assert_phonetic("Guillaume", "gilom");
    s_assert_phonetic("Georges", "jeorje"); /* the mute E of GEO is kept: a known gap */
    s_assert_phonetic("Martin-Durand", "martin");
    s_assert_phonetic("N'Diaye", "ndiai");
    s_assert_phonetic("Le Gall", "legal");
    s_assert_phonetic("Legall", "legal");
    s_assert_phonetic("Wagner", "vaner");
    s_assert_phonetic("Martinet", "martine");
    char out[4];
    assert_int_equal(relais_cases_phonetic_key("Boulanger", out, sizeof out), RELAIS_E_INVALID);
    assert_int_equal(relais_cases_phonetic_key("--", out, sizeof out), RELAIS_E_MALFORMED);
}

/* The name rule, on the cases the issue names (the measurement is tests/match). */
static int s_close(const char *fa, const char *ga, const char *fb, const char *gb)
{
    const char *given_a[] = {ga}, *given_b[] = {gb};
    relais_referral_view_t a = {.family_name = fa, .given_names = given_a, .given_count = ga ? 1 : 0};
    relais_referral_view_t b = {.family_name = fb, .given_names = given_b, .given_count = gb ? 1 : 0};
    return relais_cases_names_close(&a, &b);
}

static void test_names_close(void **state)
{
    (void)state;
    assert_int_equal(s_close("KACI", "Yanis", "Kaci", "Yanis Karim"), 1);
    assert_int_equal(s_close("Martin-Durand", "L\xc3\xa9""a", "Martin", "Lea"), 1);
    assert_int_equal(s_close("Camara", "Moussa", "Moussa", "Camara"), 1);
    assert_int_equal(s_close("Bouzid", "Mohamed", "Bouzid", "Mohmaed"), 1);
    assert_int_equal(s_close("Chauvet", "Arthur", "Chovet", "Arthur"), 1);
    assert_int_equal(s_close("Martin", "Louis", "Martin", "Louise"), 0); /* twins */
    assert_int_equal(s_close("Kaci", "Yanis", "Kaci", "Ilyes"), 0);
    assert_int_equal(s_close("Simon", "Noe", "Simon", "Leo"), 0);
    assert_int_equal(s_close(NULL, "Noe", "Simon", "Leo"), RELAIS_E_MALFORMED);
}

static void test_normalise(void **state)
{
    (void)state;
    s_assert_norm("Lina Benali", "lina benali");
    s_assert_norm("LINA  B\xc3\x89NALI", "lina benali");
    s_assert_norm("lina b\xc3\xa9nali", "lina benali");
    s_assert_norm("  Fran\xc3\xa7oise--Ma\xc3\xafs  ", "francoise mais");
    s_assert_norm("N'Diaye", "n diaye");
    s_assert_norm("N\xe2\x80\x99" "Diaye", "n diaye");        /* typographic apostrophe */
    s_assert_norm("\xc5\x92uvre \xc3\x86sop", "oeuvre aesop"); /* oe and ae ligatures */
    s_assert_norm("Stra\xc3\x9f" "e", "strasse");
    s_assert_norm("\xc5\x81ukasz \xc5\xbd\xc5\xbe", "lukasz zz"); /* Latin Extended-A */
    s_assert_norm(" - ' ", "");
    char tiny[4];
    assert_int_equal(relais_cases_normalise_name("benali", tiny, sizeof tiny), RELAIS_E_INVALID);
}

static void s_child(relais_referral_view_t *v, const char *family, const char *const *given, size_t n,
                    const char *birth)
{
    memset(v, 0, sizeof *v);
    v->family_name = family;
    v->given_names = given;
    v->given_count = n;
    v->birth_date = birth;
}

static void test_child_key(void **state)
{
    (void)state;
    const char *const lina[] = {"Lina"};
    const char *const lina_up[] = {"LINA"};
    const char *const lina_sara[] = {"Lina", "Sara"};
    const char *const lina_sara_one[] = {"lina  sara"};
    relais_referral_view_t v;
    uint8_t a[32], b[32], c[32];
    s_child(&v, "Benali", lina, 1, "2015-03-02");
    assert_int_equal(relais_cases_child_key(s_secret, &v, a), 0);
    s_child(&v, "B\xc3\x89NALI", lina_up, 1, "2015-03-02");
    assert_int_equal(relais_cases_child_key(s_secret, &v, b), 0);
    assert_memory_equal(a, b, 32);
    s_child(&v, "Benali", lina, 1, "2015-03-03");
    assert_int_equal(relais_cases_child_key(s_secret, &v, c), 0);
    assert_memory_not_equal(a, c, 32);
    s_child(&v, "Benali", lina_sara, 2, "2015-03-02");
    assert_int_equal(relais_cases_child_key(s_secret, &v, b), 0);
    s_child(&v, "Benali", lina_sara_one, 1, "2015-03-02");
    assert_int_equal(relais_cases_child_key(s_secret, &v, c), 0);
    assert_memory_equal(b, c, 32);
    uint8_t other_secret[32] = {8};
    s_child(&v, "Benali", lina, 1, "2015-03-02");
    assert_int_equal(relais_cases_child_key(other_secret, &v, c), 0);
    assert_memory_not_equal(a, c, 32);
    s_child(&v, " - ", lina, 1, "2015-03-02");
    assert_int_equal(relais_cases_child_key(s_secret, &v, c), RELAIS_E_MALFORMED);
    s_child(&v, "Benali", lina, 1, "");
    assert_int_equal(relais_cases_child_key(s_secret, &v, c), RELAIS_E_MALFORMED);
}

/* A letter beyond the BMP (4 bytes in UTF-8) is kept whole: the child key is the formula's over
 * the very bytes given ("\xf0\x9f\x98\x80" is U+1F600), as it always was. */
static void test_letters_beyond_the_bmp(void **state)
{
    (void)state;
    s_assert_norm("Zo\xc3\xa9 \xf0\x9f\x98\x80-Lou", "zoe \xf0\x9f\x98\x80 lou");
    const char *const lina[] = {"Lina"};
    relais_referral_view_t v;
    uint8_t key[32];
    /* HMAC-SHA256({7, 0...}, "\xf0\x9f\x98\x80" "benali|lina|2015 03 02") */
    static const uint8_t want[32] = {0xeb, 0x7a, 0xa8, 0x5f, 0x02, 0x4e, 0x1f, 0x28, 0xf3, 0xc9, 0x0e,
                                     0x26, 0x48, 0xbf, 0x0f, 0x03, 0x29, 0xbb, 0x03, 0x46, 0x1f, 0xec,
                                     0xf4, 0x11, 0xab, 0xa1, 0x37, 0xa3, 0x65, 0x0d, 0x69, 0x93};
    s_child(&v, "\xf0\x9f\x98\x80" "Benali", lina, 1, "2015-03-02");
    assert_int_equal(relais_cases_child_key(s_secret, &v, key), 0);
    assert_memory_equal(key, want, 32);
}

/* What a case record keeps of a long text is cut between characters, never inside one: a broken
 * character would not decode, and the commit holding it would fail with every message in it. */
static void test_long_texts_cut_between_characters(void **state)
{
    (void)state;
    char out[4];
    relais_cases_copy_text(out, sizeof out, "abcdef");
    assert_string_equal(out, "abc");
    relais_cases_copy_text(out, sizeof out, "\xc3\xa9\xc3\xa9\xc3\xa9"); /* 3 accented letters, 6 bytes */
    assert_string_equal(out, "\xc3\xa9");
    relais_cases_copy_text(out, sizeof out, "a\xf0\x9f\x98\x80");
    assert_string_equal(out, "a");
    relais_cases_copy_text(out, sizeof out, NULL);
    assert_string_equal(out, "");
    relais_cases_copy_text(out, sizeof out, "abc");
    assert_string_equal(out, "abc");

    /* A given name of 40 accented letters shows its first 30 (60 bytes); a family name's first
     * letter beyond the BMP shows whole. */
    char given_name[81] = "", want[128] = "";
    for (int i = 0; i < 40; i++)
        strcat(given_name, "\xc3\xa9");
    for (int i = 0; i < 30; i++)
        strcat(want, "\xc3\xa9");
    strcat(want, " \xf0\x9f\x98\x80. (2015)");
    const char *const given[] = {given_name};
    relais_referral_view_t v;
    s_child(&v, "\xf0\x9f\x98\x80" "Benali", given, 1, "2015-03-02");
    char display[RELAIS_NAME_LEN];
    relais_cases_child_display(&v, display, sizeof display);
    assert_string_equal(display, want);

    /* A school of 100 accented letters (200 bytes): the case keeps 63 of them, and decodes. */
    char school[201] = "";
    for (int i = 0; i < 100; i++)
        strcat(school, "\xc3\xa9");
    v.school = school;
    v.organisation = "Coll\xc3\xa8ge Marie Curie";
    uint8_t child_key[32] = {1}, *bytes = NULL;
    size_t len = 0;
    relais_case_record_t rec, back;
    assert_int_equal(relais_cases_open(&v, child_key, "college-curie", 7, 1000, &rec), 0);
    assert_int_equal(strlen(rec.summary.school), 126);
    assert_int_equal(relais_case_record_encode(&rec, &bytes, &len), 0);
    assert_int_equal(relais_case_record_decode(bytes, len, &back), 0);
    assert_string_equal(back.summary.school, rec.summary.school);
    assert_string_equal(back.summary.child_display, want);
    free(bytes);
}

/* ---- Opening and attaching ------------------------------------------------------------- */

static void s_referral(relais_referral_view_t *v, const char *org, relais_urgency_t urgency)
{
    static const char *const given[] = {"Lina"};
    s_child(v, "Benali", given, 1, "2015-03-02");
    v->organisation = org;
    v->school = "Ecole des Blagis";
    v->urgency = urgency;
    v->has_consent = 1;
}

static void s_open(relais_case_record_t *rec, relais_urgency_t urgency)
{
    relais_referral_view_t v;
    uint8_t key[32] = {1};
    s_referral(&v, "College Marie Curie", urgency);
    assert_int_equal(relais_cases_open(&v, key, "college-curie", 7, 1000, rec), 0);
}

static void test_open_and_attach(void **state)
{
    (void)state;
    relais_case_record_t rec;
    s_open(&rec, RELAIS_URGENCY_ROUTINE);
    assert_string_equal(rec.summary.case_id, "C-7");
    assert_int_equal(rec.summary.state, RELAIS_CASE_SUBMITTED);
    assert_int_equal(rec.summary.task_status, RELAIS_TASK_REQUESTED);
    assert_int_equal(rec.summary.due_ms, 0); /* never stored: derived when read */
    assert_int_equal(rec.triage_from_ms, 1000);
    assert_int_equal(relais_cases_due_ms(&rec, &s_policy), 1000 + 72 * S_H);
    assert_string_equal(rec.summary.child_display, "Lina B. (2015)");
    assert_int_equal(rec.sender_count, 1);
    assert_true(relais_cases_has_sender(&rec, "college-curie"));
    assert_false(relais_cases_has_sender(&rec, "pmi-blagis"));

    relais_referral_view_t v;
    s_referral(&v, "PMI Les Blagis", RELAIS_URGENCY_URGENT);
    assert_int_equal(relais_cases_attach(&rec, &v, "pmi-blagis", 9, 5000), 0);
    assert_int_equal(rec.summary.urgency, RELAIS_URGENCY_URGENT);
    /* The urgent target counts from the urgent referral, in working hours: 1970-01-01 was a
     * Thursday and New Year's Day, so Friday 09:00 + 4 h (TZ=UTC in this test). */
    assert_int_equal(rec.triage_from_ms, 5000);
    assert_int_equal(relais_cases_due_ms(&rec, &s_policy), 37 * S_H);
    assert_int_equal(rec.summary.referral_count, 2);
    assert_int_equal(rec.referral_seq_count, 2);
    assert_int_equal(rec.referral_seqs[1], 9);
    assert_int_equal(rec.summary.referrer_count, 2);
    assert_true(relais_cases_has_sender(&rec, "pmi-blagis"));
    /* the same sender again is not listed twice */
    assert_int_equal(relais_cases_attach(&rec, &v, "pmi-blagis", 11, 6000), 0);
    assert_int_equal(rec.sender_count, 2);
    assert_int_equal(rec.summary.referral_count, 3);
}

/* ---- Transitions ------------------------------------------------------------------------ */

/* Applies from -> to on a case put in state `from`; fills the fields the target needs. */
static int s_move(relais_case_record_t *rec, relais_case_state_t from, relais_case_state_t to, int *closed)
{
    rec->summary.state = from;
    relais_case_update_view_t u;
    memset(&u, 0, sizeof u);
    u.case_id = rec->summary.case_id;
    u.from_state = from;
    u.to_state = to;
    u.reason_code = "family-refused";
    u.redirected_to = "CMP Sceaux";
    u.pathway_count = 1;
    char why[256];
    return relais_cases_update(rec, &u, 20, 9000, closed, why, sizeof why);
}

typedef struct {
    relais_case_state_t from, to;
} s_pair_t;

static const s_pair_t s_allowed[] = {
    {RELAIS_CASE_SUBMITTED, RELAIS_CASE_TRIAGE},
    {RELAIS_CASE_TRIAGE, RELAIS_CASE_AWAITING_AGREEMENT},
    {RELAIS_CASE_TRIAGE, RELAIS_CASE_ACCEPTED},
    {RELAIS_CASE_TRIAGE, RELAIS_CASE_DECLINED},
    {RELAIS_CASE_TRIAGE, RELAIS_CASE_REDIRECTED},
    {RELAIS_CASE_AWAITING_AGREEMENT, RELAIS_CASE_ACCEPTED},
    {RELAIS_CASE_AWAITING_AGREEMENT, RELAIS_CASE_DECLINED},
    {RELAIS_CASE_AWAITING_AGREEMENT, RELAIS_CASE_REDIRECTED},
    {RELAIS_CASE_AWAITING_AGREEMENT, RELAIS_CASE_CLOSED_WITHDRAWN},
    {RELAIS_CASE_ACCEPTED, RELAIS_CASE_DIAGNOSIS},
    {RELAIS_CASE_DIAGNOSIS, RELAIS_CASE_PATHWAY_PROPOSED},
    {RELAIS_CASE_PATHWAY_PROPOSED, RELAIS_CASE_FOLLOW_UP},
    {RELAIS_CASE_PATHWAY_PROPOSED, RELAIS_CASE_AWAITING_AGREEMENT},
    {RELAIS_CASE_FOLLOW_UP, RELAIS_CASE_FOLLOW_UP},
    {RELAIS_CASE_FOLLOW_UP, RELAIS_CASE_CLOSED_COMPLETED},
    {RELAIS_CASE_FOLLOW_UP, RELAIS_CASE_CLOSED_WITHDRAWN},
    {RELAIS_CASE_FOLLOW_UP, RELAIS_CASE_CLOSED_FAILED},
    {RELAIS_CASE_SUBMITTED, RELAIS_CASE_SUBMITTED}, /* notes in open states */
    {RELAIS_CASE_TRIAGE, RELAIS_CASE_TRIAGE},
    {RELAIS_CASE_DIAGNOSIS, RELAIS_CASE_DIAGNOSIS},
    {RELAIS_CASE_SUBMITTED, RELAIS_CASE_PAUSED}, /* any open state -> paused */
    {RELAIS_CASE_TRIAGE, RELAIS_CASE_PAUSED},
    {RELAIS_CASE_AWAITING_AGREEMENT, RELAIS_CASE_PAUSED},
    {RELAIS_CASE_ACCEPTED, RELAIS_CASE_PAUSED},
    {RELAIS_CASE_DIAGNOSIS, RELAIS_CASE_PAUSED},
    {RELAIS_CASE_PATHWAY_PROPOSED, RELAIS_CASE_PAUSED},
    {RELAIS_CASE_FOLLOW_UP, RELAIS_CASE_PAUSED},
    {RELAIS_CASE_SUBMITTED, RELAIS_CASE_ENTERED_IN_ERROR}, /* any state -> entered-in-error */
    {RELAIS_CASE_FOLLOW_UP, RELAIS_CASE_ENTERED_IN_ERROR},
    {RELAIS_CASE_DECLINED, RELAIS_CASE_ENTERED_IN_ERROR},
    {RELAIS_CASE_CLOSED_COMPLETED, RELAIS_CASE_ENTERED_IN_ERROR},
};

static const s_pair_t s_forbidden[] = {
    {RELAIS_CASE_SUBMITTED, RELAIS_CASE_ACCEPTED},
    {RELAIS_CASE_SUBMITTED, RELAIS_CASE_DECLINED},
    {RELAIS_CASE_TRIAGE, RELAIS_CASE_DIAGNOSIS},
    {RELAIS_CASE_TRIAGE, RELAIS_CASE_SUBMITTED},
    {RELAIS_CASE_ACCEPTED, RELAIS_CASE_FOLLOW_UP},
    {RELAIS_CASE_DIAGNOSIS, RELAIS_CASE_CLOSED_COMPLETED},
    {RELAIS_CASE_FOLLOW_UP, RELAIS_CASE_TRIAGE},
    {RELAIS_CASE_DECLINED, RELAIS_CASE_TRIAGE},
    {RELAIS_CASE_DECLINED, RELAIS_CASE_DECLINED}, /* no notes on a closed case */
    {RELAIS_CASE_REDIRECTED, RELAIS_CASE_PAUSED},
    {RELAIS_CASE_CLOSED_COMPLETED, RELAIS_CASE_FOLLOW_UP},
    {RELAIS_CASE_ENTERED_IN_ERROR, RELAIS_CASE_ENTERED_IN_ERROR},
    {RELAIS_CASE_ENTERED_IN_ERROR, RELAIS_CASE_TRIAGE},
    {RELAIS_CASE_TRIAGE, RELAIS_CASE_UNSPECIFIED},
};

static void test_allowed_transitions(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof s_allowed / sizeof s_allowed[0]; i++) {
        relais_case_record_t rec;
        s_open(&rec, RELAIS_URGENCY_ROUTINE);
        int closed = -1;
        int rc = s_move(&rec, s_allowed[i].from, s_allowed[i].to, &closed);
        if (rc != 0)
            fail_msg("%s -> %s refused", relais_case_state_name(s_allowed[i].from),
                     relais_case_state_name(s_allowed[i].to));
        assert_int_equal(rec.summary.state, s_allowed[i].to);
        assert_int_equal(rec.summary.task_status, relais_cases_task_status(s_allowed[i].to));
        assert_int_equal(rec.last_seq, 20);
        assert_int_equal(rec.summary.updated_ms, 9000);
        int closing = !relais_cases_state_is_open(s_allowed[i].to) && s_allowed[i].to != s_allowed[i].from;
        assert_int_equal(closed, closing);
    }
}

static void test_forbidden_transitions(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof s_forbidden / sizeof s_forbidden[0]; i++) {
        relais_case_record_t rec;
        s_open(&rec, RELAIS_URGENCY_ROUTINE);
        int closed = -1;
        int rc = s_move(&rec, s_forbidden[i].from, s_forbidden[i].to, &closed);
        if (rc != RELAIS_E_BAD_TRANSITION)
            fail_msg("%s -> %s allowed", relais_case_state_name(s_forbidden[i].from),
                     relais_case_state_name(s_forbidden[i].to));
        assert_int_equal(rec.summary.state, s_forbidden[i].from); /* unchanged */
        assert_int_equal(rec.last_seq, 7);
    }
}

static void test_stale_from_state(void **state)
{
    (void)state;
    relais_case_record_t rec;
    s_open(&rec, RELAIS_URGENCY_ROUTINE);
    relais_case_update_view_t u = {.case_id = "C-7", .from_state = RELAIS_CASE_TRIAGE, .to_state = RELAIS_CASE_ACCEPTED};
    int closed;
    char why[256];
    assert_int_equal(relais_cases_update(&rec, &u, 8, 2000, &closed, why, sizeof why), RELAIS_E_BAD_TRANSITION);
    assert_non_null(strstr(why, "submitted"));
}

/* The refusal of a move `to` on a case in `from` (paused from `paused_from`), into `why`. */
static void s_refusal(relais_case_state_t from, relais_case_state_t paused_from, relais_case_state_t to, char *why,
                      size_t cap)
{
    relais_case_record_t rec;
    s_open(&rec, RELAIS_URGENCY_ROUTINE);
    rec.summary.state = from;
    rec.paused_from = paused_from;
    relais_case_update_view_t u = {.case_id = "C-7", .from_state = from, .to_state = to};
    int closed;
    assert_int_equal(relais_cases_update(&rec, &u, 8, 2000, &closed, why, cap), RELAIS_E_BAD_TRANSITION);
    assert_int_equal(rec.summary.state, from);
}

/* A refusal says where the case stands and what it may do instead, in the command line's words. */
static void test_refusals_say_the_moves(void **state)
{
    (void)state;
    char why[256];
    s_refusal(RELAIS_CASE_TRIAGE, 0, RELAIS_CASE_DIAGNOSIS, why, sizeof why);
    assert_string_equal(why, "case C-7 is in triage and cannot move to diagnosis; from triage it can move to: "
                             "awaiting-agreement, accepted, declined, redirected, paused, entered-in-error, or take "
                             "a note");
    s_refusal(RELAIS_CASE_PAUSED, RELAIS_CASE_DIAGNOSIS, RELAIS_CASE_TRIAGE, why, sizeof why);
    assert_string_equal(why, "case C-7 is paused (it was in diagnosis) and cannot move to triage; from paused it can "
                             "move to: diagnosis (resume), entered-in-error, or take a note");
    s_refusal(RELAIS_CASE_DECLINED, 0, RELAIS_CASE_DECLINED, why, sizeof why);
    assert_string_equal(why, "case C-7 is closed (declined) and takes no more notes; from declined it can only move "
                             "to: entered-in-error");
    s_refusal(RELAIS_CASE_CLOSED_COMPLETED, 0, RELAIS_CASE_FOLLOW_UP, why, sizeof why);
    assert_string_equal(why, "case C-7 is closed (closed-completed) and cannot move to follow-up; from "
                             "closed-completed it can only move to: entered-in-error");
    s_refusal(RELAIS_CASE_ENTERED_IN_ERROR, 0, RELAIS_CASE_TRIAGE, why, sizeof why);
    assert_string_equal(why, "case C-7 is entered in error and cannot move to triage; it can no longer move or take a "
                             "note");
    s_refusal(RELAIS_CASE_TRIAGE, 0, RELAIS_CASE_UNSPECIFIED, why, sizeof why);
    assert_non_null(strstr(why, "unknown target state; from triage it can move to: awaiting-agreement"));

    /* The author saw another state (the case moved on, or --from was wrong). */
    relais_case_record_t rec;
    s_open(&rec, RELAIS_URGENCY_ROUTINE);
    relais_case_update_view_t u = {.case_id = "C-7", .from_state = RELAIS_CASE_TRIAGE, .to_state = RELAIS_CASE_ACCEPTED};
    int closed;
    assert_int_equal(relais_cases_update(&rec, &u, 8, 2000, &closed, why, sizeof why), RELAIS_E_BAD_TRANSITION);
    assert_string_equal(why, "case C-7 is in submitted, not triage; from submitted it can move to: triage, paused, "
                             "entered-in-error, or take a note");

    /* The longest sentence (the longest case id, the longest list) still fits the wire's 256 bytes. */
    s_open(&rec, RELAIS_URGENCY_ROUTINE);
    snprintf(rec.summary.case_id, sizeof rec.summary.case_id, "C-%s", "18446744073709551615");
    rec.summary.state = RELAIS_CASE_AWAITING_AGREEMENT;
    u = (relais_case_update_view_t){.case_id = rec.summary.case_id, .from_state = RELAIS_CASE_AWAITING_AGREEMENT,
                                    .to_state = RELAIS_CASE_PATHWAY_PROPOSED};
    assert_int_equal(relais_cases_update(&rec, &u, 8, 2000, &closed, why, sizeof why), RELAIS_E_BAD_TRANSITION);
    assert_true(strlen(why) < sizeof why - 1);
    assert_non_null(strstr(why, "closed-withdrawn, paused, entered-in-error, or take a note"));
}

/* The moves a refusal lists are exactly those the rules allow, from every state. */
static void test_refusals_list_the_rule(void **state)
{
    (void)state;
    for (int from = 1; from < RELAIS_CASE_STATE_COUNT; from++) {
        relais_case_state_t paused_from = from == RELAIS_CASE_PAUSED ? RELAIS_CASE_FOLLOW_UP : RELAIS_CASE_UNSPECIFIED;
        char why[256], list[300];
        /* no move ever leads back to submitted, so asking for it is refused from every state but itself */
        s_refusal((relais_case_state_t)from, paused_from,
                  from == RELAIS_CASE_SUBMITTED ? RELAIS_CASE_ACCEPTED : RELAIS_CASE_SUBMITTED, why, sizeof why);
        const char *colon = strstr(why, "move to:");
        /* the list with its items fenced by spaces and commas: " a, b (resume), or take a note," */
        snprintf(list, sizeof list, "%s,", colon ? colon + strlen("move to:") : "");
        for (int to = 1; to < RELAIS_CASE_STATE_COUNT; to++) {
            relais_case_record_t rec;
            s_open(&rec, RELAIS_URGENCY_ROUTINE);
            rec.summary.state = (relais_case_state_t)from;
            rec.paused_from = paused_from;
            relais_case_update_view_t u = {.case_id = "C-7", .from_state = (relais_case_state_t)from,
                                           .to_state = (relais_case_state_t)to, .reason_code = "r",
                                           .redirected_to = "CMP", .pathway_count = 1};
            int closed;
            char ignored[256], item[64], resumed[64];
            int allowed = relais_cases_update(&rec, &u, 8, 2000, &closed, ignored, sizeof ignored) == 0;
            snprintf(item, sizeof item, " %s,", relais_case_state_name((relais_case_state_t)to));
            snprintf(resumed, sizeof resumed, " %s (resume),", relais_case_state_name((relais_case_state_t)to));
            int listed = to == from ? strstr(list, " take a note,") != NULL
                                    : strstr(list, item) != NULL || strstr(list, resumed) != NULL;
            if (allowed != listed)
                fail_msg("from %s, %s is %s but %s: %s", relais_case_state_name((relais_case_state_t)from),
                         relais_case_state_name((relais_case_state_t)to), allowed ? "allowed" : "refused",
                         listed ? "listed" : "not listed", why);
        }
    }
}

/* What a screen offers (relais_cases_can_move) is what the rules take, from every state (a paused
 * case from every state it may have left) to every state, when the move's fields are given. */
static void test_can_move_is_the_rule(void **state)
{
    (void)state;
    for (int from = 1; from < RELAIS_CASE_STATE_COUNT; from++) {
        for (int left = 0; left < RELAIS_CASE_STATE_COUNT; left++) {
            if ((from == RELAIS_CASE_PAUSED) != (left != 0) ||
                (left && (!relais_cases_state_is_open((relais_case_state_t)left) || left == RELAIS_CASE_PAUSED)))
                continue;
            for (int to = 0; to <= RELAIS_CASE_STATE_COUNT; to++) {
                relais_case_record_t rec;
                s_open(&rec, RELAIS_URGENCY_ROUTINE);
                rec.summary.state = (relais_case_state_t)from;
                rec.paused_from = (relais_case_state_t)left;
                relais_case_update_view_t u = {.case_id = "C-7", .from_state = (relais_case_state_t)from,
                                               .to_state = (relais_case_state_t)to, .reason_code = "r",
                                               .redirected_to = "CMP", .pathway_count = 1};
                int closed;
                char why[256];
                int taken = relais_cases_update(&rec, &u, 8, 2000, &closed, why, sizeof why) == 0;
                int offered = relais_cases_can_move((relais_case_state_t)from, (relais_case_state_t)left,
                                                    (relais_case_state_t)to);
                if (taken != offered)
                    fail_msg("from %s (paused from %s) to %d: %s by the rules, %s by relais_cases_can_move",
                             relais_case_state_name((relais_case_state_t)from),
                             left ? relais_case_state_name((relais_case_state_t)left) : "-", to,
                             taken ? "taken" : "refused", offered ? "offered" : "not offered");
            }
        }
    }
}

static void test_required_fields(void **state)
{
    (void)state;
    relais_case_record_t rec;
    s_open(&rec, RELAIS_URGENCY_ROUTINE);
    rec.summary.state = RELAIS_CASE_TRIAGE;
    int closed;
    char why[256];
    relais_case_update_view_t u = {.case_id = "C-7", .from_state = RELAIS_CASE_TRIAGE, .to_state = RELAIS_CASE_DECLINED};
    assert_int_equal(relais_cases_update(&rec, &u, 8, 2000, &closed, why, sizeof why), RELAIS_E_BAD_TRANSITION);
    u.reason_code = "";
    assert_int_equal(relais_cases_update(&rec, &u, 8, 2000, &closed, why, sizeof why), RELAIS_E_BAD_TRANSITION);
    u.to_state = RELAIS_CASE_REDIRECTED;
    u.reason_code = "out-of-scope";
    assert_int_equal(relais_cases_update(&rec, &u, 8, 2000, &closed, why, sizeof why), RELAIS_E_BAD_TRANSITION);
    u.redirected_to = "CMP Sceaux";
    assert_int_equal(relais_cases_update(&rec, &u, 8, 2000, &closed, why, sizeof why), 0);
    assert_int_equal(rec.summary.state, RELAIS_CASE_REDIRECTED);
    assert_string_equal(rec.summary.reason_code, "out-of-scope");
    assert_int_equal(relais_cases_due_ms(&rec, &s_policy), 0);
    assert_int_equal(closed, 1); /* closing unlinks the child: a later referral opens a new case */
}

static void test_pause_resume(void **state)
{
    (void)state;
    relais_case_record_t rec;
    s_open(&rec, RELAIS_URGENCY_ROUTINE);
    int closed;
    assert_int_equal(s_move(&rec, RELAIS_CASE_DIAGNOSIS, RELAIS_CASE_PAUSED, &closed), 0);
    assert_int_equal(rec.paused_from, RELAIS_CASE_DIAGNOSIS);
    assert_int_equal(rec.summary.task_status, RELAIS_TASK_ON_HOLD);
    assert_int_equal(closed, 0);
    /* a note while paused is fine; resuming elsewhere is not */
    relais_case_update_view_t u = {.case_id = "C-7", .from_state = RELAIS_CASE_PAUSED, .to_state = RELAIS_CASE_PAUSED,
                                   .note = "family on holiday"};
    char why[256];
    assert_int_equal(relais_cases_update(&rec, &u, 21, 9500, &closed, why, sizeof why), 0);
    u.to_state = RELAIS_CASE_TRIAGE;
    assert_int_equal(relais_cases_update(&rec, &u, 22, 9600, &closed, why, sizeof why), RELAIS_E_BAD_TRANSITION);
    u.to_state = RELAIS_CASE_FOLLOW_UP;
    assert_int_equal(relais_cases_update(&rec, &u, 22, 9600, &closed, why, sizeof why), RELAIS_E_BAD_TRANSITION);
    u.to_state = RELAIS_CASE_DIAGNOSIS;
    assert_int_equal(relais_cases_update(&rec, &u, 22, 9600, &closed, why, sizeof why), 0);
    assert_int_equal(rec.summary.state, RELAIS_CASE_DIAGNOSIS);
    assert_int_equal(rec.paused_from, RELAIS_CASE_UNSPECIFIED);
    assert_int_equal(rec.summary.task_status, RELAIS_TASK_IN_PROGRESS);
}

/* The owner: set by any update the machine allows (a note too), kept by those that name none,
 * untouched by a refused one; the case record carries it (the audit's replay compares it). */
static void test_owner(void **state)
{
    (void)state;
    relais_case_record_t rec;
    s_open(&rec, RELAIS_URGENCY_ROUTINE);
    assert_string_equal(rec.summary.owner, "");
    relais_case_update_view_t u = {.case_id = "C-7", .from_state = RELAIS_CASE_SUBMITTED,
                                   .to_state = RELAIS_CASE_SUBMITTED, .owner = "coordination"};
    int closed;
    char why[256];
    assert_int_equal(relais_cases_update(&rec, &u, 8, 2000, &closed, why, sizeof why), 0);
    assert_string_equal(rec.summary.owner, "coordination");
    /* a move that names no owner keeps it */
    u.owner = "";
    u.to_state = RELAIS_CASE_TRIAGE;
    assert_int_equal(relais_cases_update(&rec, &u, 9, 2100, &closed, why, sizeof why), 0);
    assert_string_equal(rec.summary.owner, "coordination");
    /* a move may hand the case over */
    u.owner = "cmp-sceaux";
    u.from_state = RELAIS_CASE_TRIAGE;
    u.to_state = RELAIS_CASE_ACCEPTED;
    assert_int_equal(relais_cases_update(&rec, &u, 10, 2200, &closed, why, sizeof why), 0);
    assert_string_equal(rec.summary.owner, "cmp-sceaux");
    /* a refused move changes nothing, the owner neither */
    u.owner = "pmi-blagis";
    u.from_state = RELAIS_CASE_ACCEPTED;
    u.to_state = RELAIS_CASE_FOLLOW_UP;
    assert_int_equal(relais_cases_update(&rec, &u, 11, 2300, &closed, why, sizeof why), RELAIS_E_BAD_TRANSITION);
    assert_string_equal(rec.summary.owner, "cmp-sceaux");
    char long_name[RELAIS_NAME_LEN + 1];
    memset(long_name, 'a', RELAIS_NAME_LEN);
    long_name[RELAIS_NAME_LEN] = '\0';
    u.owner = long_name;
    u.to_state = RELAIS_CASE_ACCEPTED;
    assert_int_equal(relais_cases_update(&rec, &u, 11, 2300, &closed, why, sizeof why), RELAIS_E_BAD_TRANSITION);
    assert_string_equal(why, "owner too long");
    assert_string_equal(rec.summary.owner, "cmp-sceaux");
    /* a closed case takes no note, so no new owner; the owner it had stays on the record */
    assert_int_equal(s_move(&rec, RELAIS_CASE_TRIAGE, RELAIS_CASE_DECLINED, &closed), 0);
    u.owner = "pmi-blagis";
    u.from_state = u.to_state = RELAIS_CASE_DECLINED;
    assert_int_equal(relais_cases_update(&rec, &u, 12, 2400, &closed, why, sizeof why), RELAIS_E_BAD_TRANSITION);
    assert_string_equal(rec.summary.owner, "cmp-sceaux");
    uint8_t *bytes = NULL;
    size_t len = 0;
    relais_case_record_t back;
    assert_int_equal(relais_case_record_encode(&rec, &bytes, &len), 0);
    assert_int_equal(relais_case_record_decode(bytes, len, &back), 0);
    free(bytes);
    assert_string_equal(back.summary.owner, "cmp-sceaux");
}

static void test_review_date_and_overdue(void **state)
{
    (void)state;
    relais_case_record_t rec;
    s_open(&rec, RELAIS_URGENCY_URGENT);
    int64_t due = 37 * S_H; /* Friday 2 January 1970 09:00 + 4 working hours (the 1st is a holiday) */
    relais_cases_deadline(&rec, &s_policy, due);
    assert_int_equal(rec.summary.due_ms, due);
    assert_false(rec.summary.overdue);
    relais_cases_deadline(&rec, &s_policy, due + 1);
    assert_true(rec.summary.overdue);
    rec.summary.state = RELAIS_CASE_FOLLOW_UP;
    relais_case_update_view_t u = {.case_id = "C-7", .from_state = RELAIS_CASE_FOLLOW_UP,
                                   .to_state = RELAIS_CASE_FOLLOW_UP, .next_review_date = "2026-12-01"};
    int closed;
    char why[256];
    assert_int_equal(relais_cases_update(&rec, &u, 30, 9000, &closed, why, sizeof why), 0);
    assert_int_equal(rec.review_ms, 1796083200000ll); /* 2026-12-01T00:00:00Z */
    /* due at the end of that day, local time; a note without a date keeps it */
    u.next_review_date = NULL;
    u.note = "met the family";
    assert_int_equal(relais_cases_update(&rec, &u, 31, 9100, &closed, why, sizeof why), 0);
    relais_cases_deadline(&rec, &s_policy, 1796083200000ll + 23 * S_H);
    assert_int_equal(rec.summary.due_ms, 1796083200000ll + 24 * S_H);
    assert_false(rec.summary.overdue);
    relais_cases_deadline(&rec, &s_policy, 1796083200000ll + 25 * S_H);
    assert_true(rec.summary.overdue);
    /* paused: no deadline runs; closed: the review date is gone */
    assert_int_equal(s_move(&rec, RELAIS_CASE_FOLLOW_UP, RELAIS_CASE_PAUSED, &closed), 0);
    assert_int_equal(relais_cases_due_ms(&rec, &s_policy), 0);
    assert_int_equal(s_move(&rec, RELAIS_CASE_FOLLOW_UP, RELAIS_CASE_CLOSED_COMPLETED, &closed), 0);
    assert_int_equal(rec.review_ms, 0);
    u.next_review_date = "1st of December";
    rec.summary.state = RELAIS_CASE_FOLLOW_UP;
    assert_int_equal(relais_cases_update(&rec, &u, 32, 9000, &closed, why, sizeof why), RELAIS_E_BAD_TRANSITION);
}

/* ---- Working hours ------------------------------------------------------------------------- */

static int64_t s_utc(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
    return (int64_t)timegm(&tm) * 1000;
}

static void test_working_hours(void **state)
{
    (void)state;
    /* Friday 2026-11-27 16:00 + 4 working hours: 2 on Friday, 2 on Monday from 09:00. */
    assert_int_equal(relais_cases_add_working_hours(&s_policy, s_utc(2026, 11, 27, 16, 0), 4),
                     s_utc(2026, 11, 30, 11, 0));
    /* Saturday night waits for Monday 09:00. */
    assert_int_equal(relais_cases_add_working_hours(&s_policy, s_utc(2026, 11, 28, 23, 0), 4),
                     s_utc(2026, 11, 30, 13, 0));
    /* Early morning waits for 09:00; a full day is 9 hours. */
    assert_int_equal(relais_cases_add_working_hours(&s_policy, s_utc(2026, 11, 24, 7, 30), 9),
                     s_utc(2026, 11, 24, 18, 0));
    assert_int_equal(relais_cases_add_working_hours(&s_policy, s_utc(2026, 11, 24, 7, 30), 10),
                     s_utc(2026, 11, 25, 10, 0));
    relais_cases_policy_t p = s_policy;
    assert_int_equal(relais_cases_policy_hours(&p, "08:30-12:00"), 0);
    assert_int_equal(p.work_start_min, 8 * 60 + 30);
    assert_int_equal(relais_cases_add_working_hours(&p, s_utc(2026, 11, 24, 11, 0), 4),
                     s_utc(2026, 11, 25, 11, 30));
    assert_int_equal(relais_cases_policy_hours(&p, "18:00-09:00"), RELAIS_E_INVALID);
    assert_int_equal(relais_cases_policy_hours(&p, "9h-18h"), RELAIS_E_INVALID);
    assert_int_equal(relais_cases_policy_triage(&p, "2,12,48"), 0);
    assert_int_equal(p.hours[0], 2);
    assert_int_equal(p.hours[2], 48);
    assert_int_equal(relais_cases_policy_triage(&p, "2,12"), RELAIS_E_INVALID);
    assert_int_equal(relais_cases_policy_triage(&p, "0,12,48"), RELAIS_E_INVALID);
    assert_int_equal(relais_cases_policy_triage(&p, "2,12,48h"), RELAIS_E_INVALID);
    assert_int_equal(p.hours[1], 12); /* a refusal leaves the policy as it was */
    /* The hub's own time zone: 09:00 in Paris is 08:00 UTC in winter, 07:00 in summer. */
    setenv("TZ", "Europe/Paris", 1);
    tzset();
    assert_int_equal(relais_cases_add_working_hours(&s_policy, s_utc(2026, 11, 24, 6, 0), 1), s_utc(2026, 11, 24, 9, 0));
    assert_int_equal(relais_cases_add_working_hours(&s_policy, s_utc(2026, 6, 24, 6, 0), 1), s_utc(2026, 6, 24, 8, 0));
    setenv("TZ", "UTC", 1);
    tzset();
}

static void test_public_holidays(void **state)
{
    (void)state;
    /* Easter Monday across the computus' cases, and the days that hang on Easter. */
    const int easter_mondays[][3] = {{2000, 4, 24}, {2024, 4, 1}, {2025, 4, 21}, {2026, 4, 6},
                                     {2027, 3, 29}, {2028, 4, 17}, {2038, 4, 26}};
    for (size_t i = 0; i < sizeof easter_mondays / sizeof easter_mondays[0]; i++) {
        const int *d = easter_mondays[i];
        assert_true(relais_cases_is_holiday(RELAIS_CASES_HOLIDAYS_FR, d[0], d[1], d[2]));
        assert_false(relais_cases_is_holiday(RELAIS_CASES_HOLIDAYS_FR, d[0], d[1], d[2] - 1 > 0 ? d[2] - 1 : 31));
        assert_false(relais_cases_is_holiday(RELAIS_CASES_HOLIDAYS_NONE, d[0], d[1], d[2]));
    }
    assert_true(relais_cases_is_holiday(RELAIS_CASES_HOLIDAYS_FR, 2026, 5, 14)); /* Ascension */
    assert_true(relais_cases_is_holiday(RELAIS_CASES_HOLIDAYS_FR, 2026, 5, 25)); /* Whit Monday */
    assert_true(relais_cases_is_holiday(RELAIS_CASES_HOLIDAYS_FR, 2025, 5, 29));
    assert_true(relais_cases_is_holiday(RELAIS_CASES_HOLIDAYS_FR, 2025, 6, 9));
    assert_true(relais_cases_is_holiday(RELAIS_CASES_HOLIDAYS_FR, 2026, 11, 11));
    assert_true(relais_cases_is_holiday(RELAIS_CASES_HOLIDAYS_FR, 2028, 2 + 5, 14));
    assert_false(relais_cases_is_holiday(RELAIS_CASES_HOLIDAYS_FR, 2026, 5, 13));
    assert_false(relais_cases_is_holiday(RELAIS_CASES_HOLIDAYS_FR, 2024, 2, 29));
    assert_false(relais_cases_is_holiday(RELAIS_CASES_HOLIDAYS_FR, 2026, 13, 1));

    /* Wednesday 13 May 2026 16:00 + 4 working hours: 2 that day, Thursday is Ascension Day,
     * 2 on Friday from 09:00. Without holidays, Thursday 11:00. */
    relais_cases_policy_t p = s_policy;
    assert_int_equal(p.holidays, RELAIS_CASES_HOLIDAYS_FR);
    assert_int_equal(relais_cases_add_working_hours(&p, s_utc(2026, 5, 13, 16, 0), 4), s_utc(2026, 5, 15, 11, 0));
    /* Thursday 24 December 2026 17:00: one hour, then Christmas Day and the weekend. */
    assert_int_equal(relais_cases_add_working_hours(&p, s_utc(2026, 12, 24, 17, 0), 4), s_utc(2026, 12, 28, 12, 0));
    assert_int_equal(relais_cases_policy_holidays(&p, "none"), 0);
    assert_int_equal(relais_cases_add_working_hours(&p, s_utc(2026, 5, 13, 16, 0), 4), s_utc(2026, 5, 14, 11, 0));
    assert_int_equal(relais_cases_policy_holidays(&p, "fr"), 0);
    assert_int_equal(p.holidays, RELAIS_CASES_HOLIDAYS_FR);
    assert_int_equal(relais_cases_policy_holidays(&p, "de"), RELAIS_E_INVALID);
    assert_int_equal(relais_cases_policy_holidays(&p, NULL), RELAIS_E_INVALID);
}

/* ---- Replaying events against an index ------------------------------------------------------ */

#define S_FAKE_MAX 8

/* An index in memory, as the auditor keeps one. */
typedef struct {
    relais_case_record_t cases[S_FAKE_MAX]; /* by insertion */
    size_t case_count;
    uint8_t keys[S_FAKE_MAX][32];             /* child key -> case id */
    char key_case[S_FAKE_MAX][RELAIS_CASE_ID_LEN];
    size_t key_count;
    relais_referral_record_t referrals[S_FAKE_MAX]; /* the referrals' entries */
    size_t referral_count;
    uint8_t block_keys[2 * S_FAKE_MAX][RELAIS_CASES_BLOCK_KEY_SIZE]; /* blocking entries */
    char block_case[2 * S_FAKE_MAX][RELAIS_CASE_ID_LEN];
    char block_names[2 * S_FAKE_MAX][256];
    size_t block_count;
} s_fake_t;

static int s_fake_case_get(void *ctx, const char *case_id, relais_case_record_t *out)
{
    s_fake_t *f = ctx;
    for (size_t i = 0; i < f->case_count; i++)
        if (strcmp(f->cases[i].summary.case_id, case_id) == 0) {
            *out = f->cases[i];
            return 0;
        }
    return RELAIS_E_NOT_FOUND;
}

static int s_fake_child_get(void *ctx, const uint8_t key[32], char *case_id)
{
    s_fake_t *f = ctx;
    for (size_t i = 0; i < f->key_count; i++)
        if (memcmp(f->keys[i], key, 32) == 0 && f->key_case[i][0]) {
            strcpy(case_id, f->key_case[i]);
            return 0;
        }
    return RELAIS_E_NOT_FOUND;
}

static int s_fake_referral_get(void *ctx, uint64_t seq, relais_referral_record_t *out)
{
    s_fake_t *f = ctx;
    for (size_t i = 0; i < f->referral_count; i++)
        if (f->referrals[i].seq == seq) {
            *out = f->referrals[i];
            return 0;
        }
    return RELAIS_E_NOT_FOUND;
}

static int s_fake_block_scan(void *ctx, const uint8_t key[RELAIS_CASES_BLOCK_KEY_SIZE],
                             int (*fn)(void *fn_ctx, const char *case_id, const uint8_t *names, size_t len),
                             void *fn_ctx)
{
    s_fake_t *f = ctx;
    /* Newest first: the rules must not depend on the order an index hands candidates out. */
    for (size_t i = f->block_count; i-- > 0;)
        if (f->block_case[i][0] && memcmp(f->block_keys[i], key, RELAIS_CASES_BLOCK_KEY_SIZE) == 0) {
            int rc = fn(fn_ctx, f->block_case[i], (const uint8_t *)f->block_names[i], strlen(f->block_names[i]));
            if (rc)
                return rc;
        }
    return 0;
}

static const relais_cases_index_t s_fake_index = {s_fake_case_get, s_fake_child_get, s_fake_referral_get,
                                                  s_fake_block_scan, NULL};

/* What the broker and the auditor do with an accepted step. */
static void s_fake_record(s_fake_t *f, const relais_cases_step_t *step)
{
    size_t i = 0;
    while (i < f->case_count && strcmp(f->cases[i].summary.case_id, step->rec.summary.case_id) != 0)
        i++;
    assert_true(i < S_FAKE_MAX);
    f->cases[i] = step->rec;
    if (i == f->case_count)
        f->case_count++;
    for (size_t k = 0; k < f->key_count; k++)
        if (memcmp(f->keys[k], step->rec.child_key, 32) == 0 && step->child == RELAIS_CASES_CHILD_UNLINK)
            f->key_case[k][0] = '\0';
    if (step->child == RELAIS_CASES_CHILD_LINK) {
        memcpy(f->keys[f->key_count], step->rec.child_key, 32);
        strcpy(f->key_case[f->key_count++], step->rec.summary.case_id);
    }
    if (step->has_referral || step->split_of || step->copy_of) {
        size_t r = 0;
        while (r < f->referral_count && f->referrals[r].seq != step->referral.seq)
            r++;
        assert_true(r < S_FAKE_MAX);
        f->referrals[r] = step->referral;
        if (r == f->referral_count)
            f->referral_count++;
    }
    if (step->has_merged) {
        size_t m = 0;
        while (m < f->case_count && strcmp(f->cases[m].summary.case_id, step->merged.summary.case_id) != 0)
            m++;
        assert_true(m < f->case_count);
        f->cases[m] = step->merged;
        for (size_t k = 0; step->relink_child && k < f->key_count; k++)
            if (memcmp(f->keys[k], step->merged.child_key, 32) == 0)
                strcpy(f->key_case[k], step->rec.summary.case_id);
    }
    for (size_t k = 0; step->unblock && k < f->block_count; k++)
        if (strcmp(f->block_case[k], step->has_merged ? step->merged.summary.case_id : step->rec.summary.case_id) == 0)
            f->block_case[k][0] = '\0'; /* no candidate any more */
    for (size_t k = 0; k < step->block_count; k++) {
        assert_true(f->block_count < 2 * S_FAKE_MAX && step->block_names_len < sizeof f->block_names[0]);
        memcpy(f->block_keys[f->block_count], step->block_keys[k], RELAIS_CASES_BLOCK_KEY_SIZE);
        strcpy(f->block_case[f->block_count], step->rec.summary.case_id);
        memcpy(f->block_names[f->block_count], step->block_names, step->block_names_len);
        f->block_names[f->block_count++][step->block_names_len] = '\0';
    }
}

/* Decides (and on acceptance records) one event given as a JSON payload. */
static void s_event(s_fake_t *f, const char *sender, const char *json, uint64_t seq, relais_cases_step_t *step)
{
    uint8_t id[16] = {(uint8_t)seq}, *body = NULL;
    size_t len = 0;
    relais_message_t *msg = NULL;
    assert_int_equal(relais_message_from_json(json, strlen(json), sender, id, 1000, &body, &len), 0);
    assert_int_equal(relais_message_decode(body, len, &msg), 0);
    assert_int_equal(relais_cases_decide(&s_fake_index, f, s_secret, msg, NULL, seq, (int64_t)seq * 1000, step), 0);
    if (step->about_case && step->status == 0)
        s_fake_record(f, step);
    relais_message_destroy(&msg);
    free(body);
}

static void s_refer(s_fake_t *f, const char *sender, const char *org, const char *family, const char *given,
                    const char *basis, uint64_t seq, relais_cases_step_t *step)
{
    char json[1024];
    snprintf(json, sizeof json,
             "{\"referral\":{\"referrer\":{\"organisation\":\"%s\",\"role\":\"SCHOOL_HEAD\"},"
             "\"child\":{\"family_name\":\"%s\",\"given_names\":[\"%s\"],\"birth_date\":\"2014-05-11\"},"
             "\"urgency\":\"PRIORITY\"%s}}",
             org, family, given, basis);
    s_event(f, sender, json, seq, step);
}

static void s_update(s_fake_t *f, const char *case_id, const char *from, const char *to, const char *extra,
                     uint64_t seq, relais_cases_step_t *step)
{
    char json[1024];
    snprintf(json, sizeof json, "{\"case_update\":{\"case_id\":\"%s\",\"from_state\":\"%s\",\"to_state\":\"%s\"%s}}",
             case_id, from, to, extra);
    s_event(f, "coordination", json, seq, step);
}

static const char s_consent[] = ",\"consent\":{\"recorded_by\":\"Mme Roux\",\"recorded_ms\":1000}";
static const char s_parents[] = ",\"parental_request\":{\"requester_name\":\"M. Petit\",\"channel\":\"visit\"}";

static void test_replay_one_child_one_case(void **state)
{
    (void)state;
    s_fake_t *f = calloc(1, sizeof *f);
    relais_cases_step_t step;
    s_refer(f, "college-curie", "College Marie Curie", "Benali", "Lina", s_consent, 1, &step);
    assert_int_equal(step.status, 0);
    assert_string_equal(step.rec.summary.case_id, "C-1");
    assert_int_equal(step.child, RELAIS_CASES_CHILD_LINK);
    /* The PMI, the same day, writes her name otherwise: the same child, the same case. */
    s_refer(f, "pmi-blagis", "PMI Les Blagis", "B\xc3\x89NALI", " lina ", s_parents, 2, &step);
    assert_int_equal(step.status, 0);
    assert_string_equal(step.rec.summary.case_id, "C-1");
    assert_int_equal(step.child, RELAIS_CASES_CHILD_KEEP);
    assert_int_equal(step.rec.summary.referral_count, 2);
    assert_true(relais_cases_has_sender(&step.rec, "pmi-blagis"));
    assert_string_equal(step.after.case_id, "C-1");
    assert_int_equal(step.after.state, RELAIS_CASE_SUBMITTED);
    /* Another child, and a referral without consent or parental request. */
    s_refer(f, "cmp-sceaux", "CMP Sceaux", "Petit", "Tom", s_parents, 3, &step);
    assert_string_equal(step.rec.summary.case_id, "C-3");
    s_refer(f, "cmp-sceaux", "CMP Sceaux", "Petit", "Tom", "", 4, &step);
    assert_int_equal(step.status, RELAIS_E_NO_CONSENT);
    assert_int_equal(f->case_count, 2);
    free(f);
}

/* A child written otherwise by another partner opens a case of its own, flagged as a likely
 * duplicate of the open case it may be; a twin is not; a closed case is no candidate. */
static void test_likely_duplicates(void **state)
{
    (void)state;
    s_fake_t *f = calloc(1, sizeof *f);
    relais_cases_step_t step;
    s_refer(f, "college-curie", "College Marie Curie", "KACI", "Yanis", s_consent, 1, &step);
    assert_int_equal(step.status, 0);
    assert_int_equal(step.rec.summary.duplicate_count, 0);
    assert_int_equal(step.block_count, 2);
    /* The PMI adds his second given name: another child key, a new case, flagged. */
    s_refer(f, "pmi-blagis", "PMI Les Blagis", "Kaci", "Yanis\",\"Karim", s_parents, 2, &step);
    assert_string_equal(step.rec.summary.case_id, "C-2");
    assert_int_equal(step.rec.summary.duplicate_count, 1);
    assert_string_equal(step.rec.summary.duplicates[0], "C-1");
    /* His twin sister is no duplicate of either. */
    s_refer(f, "college-curie", "College Marie Curie", "Kaci", "Sarah", s_consent, 3, &step);
    assert_string_equal(step.rec.summary.case_id, "C-3");
    assert_int_equal(step.rec.summary.duplicate_count, 0);
    /* Names swapped: found through the given name's blocking key; both earlier cases. */
    s_refer(f, "cmp-sceaux", "CMP Sceaux", "Yanis", "Kaci", s_consent, 4, &step);
    assert_string_equal(step.rec.summary.case_id, "C-4");
    assert_int_equal(step.rec.summary.duplicate_count, 2);
    assert_string_equal(step.rec.summary.duplicates[0], "C-1");
    assert_string_equal(step.rec.summary.duplicates[1], "C-2");
    /* The status a partner is served says nothing of it. */
    assert_string_equal(step.after.case_id, "C-4");
    /* A closed case is no candidate any more. */
    s_update(f, "C-1", "SUBMITTED", "TRIAGE", "", 5, &step);
    s_update(f, "C-1", "TRIAGE", "DECLINED", ",\"reason_code\":\"out-of-scope\"", 6, &step);
    assert_int_equal(step.status, 0);
    s_refer(f, "rased", "RASED Jean Jaures", "Kacy", "Yanis", s_consent, 7, &step);
    assert_string_equal(step.rec.summary.case_id, "C-7");
    assert_int_equal(step.rec.summary.duplicate_count, 2);
    assert_string_equal(step.rec.summary.duplicates[0], "C-2");
    assert_string_equal(step.rec.summary.duplicates[1], "C-4");
    /* Without a blocking index, nothing is flagged and nothing is filed. */
    relais_cases_index_t bare = s_fake_index;
    bare.block_scan = NULL;
    uint8_t id[16] = {8}, *body = NULL;
    size_t len = 0;
    relais_message_t *msg = NULL;
    const char *json = "{\"referral\":{\"referrer\":{\"organisation\":\"PMI\",\"role\":\"PMI\"},\"child\":"
                       "{\"family_name\":\"Kaci\",\"given_names\":[\"Yaniss\"],\"birth_date\":\"2014-05-11\"},"
                       "\"urgency\":\"ROUTINE\",\"consent\":{\"recorded_by\":\"Mme Roux\",\"recorded_ms\":1000}}}";
    assert_int_equal(relais_message_from_json(json, strlen(json), "pmi-blagis", id, 1000, &body, &len), 0);
    assert_int_equal(relais_message_decode(body, len, &msg), 0);
    assert_int_equal(relais_cases_decide(&bare, f, s_secret, msg, NULL, 8, 8000, &step), 0);
    assert_int_equal(step.rec.summary.duplicate_count, 0);
    assert_int_equal(step.block_count, 0);
    relais_message_destroy(&msg);
    free(body);
    free(f);
}

static const char s_namesake[] = "{\"referral\":{\"referrer\":{\"organisation\":\"CMP Sceaux\",\"role\":\"CMP\"},"
                                 "\"child\":{\"family_name\":\"Benali\",\"given_names\":[\"Lina\"],"
                                 "\"birth_date\":\"2014-05-11\",\"school\":\"Ecole des Blagis\"},"
                                 "\"urgency\":\"URGENT\",\"consent\":{\"recorded_by\":\"Dr Roux\",\"recorded_ms\":1000}}}";

/* The hub's copy of a referral a split moved out, as record `seq`. */
static void s_copy(s_fake_t *f, const char *json, uint64_t copy_of, uint64_t seq, relais_cases_step_t *step)
{
    uint8_t id[16] = {(uint8_t)copy_of}, *body = NULL;
    size_t len = 0;
    relais_message_t *msg = NULL;
    assert_int_equal(relais_message_from_json(json, strlen(json), "cmp-sceaux", id, 1000, &body, &len), 0);
    assert_int_equal(relais_message_decode(body, len, &msg), 0);
    relais_cases_copy_t copy = {.copy_of = copy_of, .copied_ms = (int64_t)copy_of * 1000};
    assert_int_equal(relais_cases_decide_copy(&s_fake_index, f, s_secret, msg, &copy, seq, (int64_t)seq * 1000, step), 0);
    if (step->status == 0)
        s_fake_record(f, step);
    relais_message_destroy(&msg);
    free(body);
}

/* The events of a split's story up to the split: Lina's case (C-1), a namesake's referral that
 * joins it (R-2, the CMP's, urgent; `gone`: replayed as a record whose key is gone), Tom's case
 * (C-3), the case shared with R-2. */
static void s_split_story(s_fake_t *f, int gone, relais_cases_step_t *step)
{
    s_refer(f, "college-curie", "College Marie Curie", "Benali", "Lina", s_consent, 1, step);
    if (gone) {
        assert_int_equal(relais_cases_decide_gone(&s_fake_index, f, relais_key_id_of(1, 2), 0, 2, 2000, step), 0);
        assert_int_equal(step->status, 0);
        assert_true(step->about_case);
        s_fake_record(f, step);
    } else {
        s_event(f, "cmp-sceaux", s_namesake, 2, step);
    }
    assert_string_equal(step->rec.summary.case_id, "C-1");
    assert_int_equal(step->referral.key_part, 2);
    s_refer(f, "college-curie", "College Marie Curie", "Martin", "Tom", s_consent, 3, step);
    s_update(f, "C-1", "SUBMITTED", "SUBMITTED", ",\"share_referral\":\"R-2\"", 4, step);
    assert_int_equal(step->status, 0);
}

/* A split: what it refuses, what it leaves of the case, the case its copy opens; a replay that
 * can no longer open the referral makes the very same case. */
static void test_split(void **state)
{
    (void)state;
    s_fake_t *f = calloc(1, sizeof *f), *g = calloc(1, sizeof *g);
    relais_cases_step_t step;
    s_split_story(f, 0, &step);
    assert_int_equal(step.rec.summary.urgency, RELAIS_URGENCY_URGENT);
    assert_int_equal(step.rec.summary.referrer_count, 2);
    s_update(f, "C-1", "SUBMITTED", "SUBMITTED", ",\"split_referral\":\"R-1\"", 5, &step);
    assert_non_null(strstr(step.why, "R-1 opened case C-1"));
    s_update(f, "C-1", "SUBMITTED", "SUBMITTED", ",\"split_referral\":\"R-3\"", 5, &step);
    assert_non_null(strstr(step.why, "R-3 is not a referral of case C-1"));
    s_update(f, "C-1", "SUBMITTED", "SUBMITTED", ",\"split_referral\":\"R-99\"", 5, &step);
    assert_non_null(strstr(step.why, "R-99 is not a referral of case C-1"));
    s_update(f, "C-1", "SUBMITTED", "TRIAGE", ",\"split_referral\":\"R-2\"", 5, &step);
    assert_non_null(strstr(step.why, "a split keeps case C-1's state"));
    s_update(f, "C-1", "SUBMITTED", "SUBMITTED", ",\"split_referral\":\"R-2\"", 5, &step);
    assert_int_equal(step.status, 0);
    assert_int_equal(step.split_of, 2);
    assert_int_equal(step.split_key, relais_key_id_of(1, 2));
    assert_int_equal(step.referral.split_by, 5);
    assert_int_equal(step.rec.summary.referral_count, 1);
    assert_int_equal(step.rec.summary.referrer_count, 1);
    assert_string_equal(step.rec.summary.referrers[0], "College Marie Curie");
    assert_int_equal(step.rec.summary.urgency, RELAIS_URGENCY_PRIORITY);
    assert_null(relais_cases_follower(&step.rec, 2));
    assert_false(relais_cases_has_sender(&step.rec, "cmp-sceaux"));
    relais_case_record_t source = step.rec;
    /* The copy must come right after the split. */
    s_copy(f, s_namesake, 2, 7, &step);
    assert_int_equal(step.status, RELAIS_E_BAD_TRANSITION);
    assert_non_null(strstr(step.why, "the record before it did not split"));
    s_copy(f, s_namesake, 2, 6, &step);
    assert_int_equal(step.status, 0);
    assert_int_equal(step.copy_of, 2);
    assert_string_equal(step.rec.summary.case_id, "C-6");
    assert_string_equal(step.rec.summary.split_from, "C-1");
    assert_string_equal(step.rec.summary.school, "Ecole des Blagis");
    assert_int_equal(step.rec.summary.urgency, RELAIS_URGENCY_URGENT);
    assert_int_equal(step.rec.summary.duplicate_count, 0);
    assert_int_equal(step.child, RELAIS_CASES_CHILD_KEEP); /* Lina's open case keeps the key */
    assert_string_equal(step.referral.case_id, "C-6");
    assert_int_equal(step.referral.key_part, 1);
    assert_int_equal(step.referral.seq, 2);
    const relais_case_follower_t *cmp = relais_cases_follower_at(&step.rec, "cmp-sceaux", 6);
    assert_non_null(cmp);
    assert_int_equal(cmp->referral_seq, 2);
    /* The replay that can no longer open R-2 makes the same Lina's case. */
    s_split_story(g, 1, &step);
    assert_string_equal(step.rec.followers[1].sender, ""); /* the placeholder's details are gone */
    s_update(g, "C-1", "SUBMITTED", "SUBMITTED", ",\"split_referral\":\"R-2\"", 5, &step);
    assert_int_equal(step.status, 0);
    uint8_t *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    assert_int_equal(relais_case_record_encode(&source, &a, &alen), 0);
    assert_int_equal(relais_case_record_encode(&step.rec, &b, &blen), 0);
    assert_int_equal(alen, blen);
    assert_memory_equal(a, b, alen);
    free(a);
    free(b);
    /* A copy whose case left the active base: the moved referral's entry goes. A record under a
     * referral key out of order is refused; a case's own key names nothing to replay. */
    assert_int_equal(relais_cases_decide_gone(&s_fake_index, g, relais_key_id_of(6, 1), 2, 6, 6000, &step), 0);
    assert_int_equal(step.forget_referral, 2);
    assert_false(step.about_case);
    assert_int_equal(relais_cases_decide_gone(&s_fake_index, g, relais_key_id_of(1, 5), 0, 7, 7000, &step), 0);
    assert_int_equal(step.status, RELAIS_E_BAD_TRANSITION);
    assert_int_equal(relais_cases_decide_gone(&s_fake_index, g, relais_key_id_of(1, 0), 0, 7, 7000, &step), 0);
    assert_false(step.about_case);
    assert_int_equal(relais_cases_decide_gone(&s_fake_index, g, relais_key_id_of(99, 2), 0, 7, 7000, &step), 0);
    assert_false(step.about_case);
    free(f);
    free(g);
}

/* A blocking key with 100 open cases of children born the same day: the search compares the
 * first RELAIS_CASES_BLOCK_SCAN_MAX in the index's order and no more, under each key. */
typedef struct {
    size_t calls;
} s_crowd_t;

static int s_crowd_scan(void *ctx, const uint8_t key[RELAIS_CASES_BLOCK_KEY_SIZE],
                        int (*fn)(void *fn_ctx, const char *case_id, const uint8_t *names, size_t len), void *fn_ctx)
{
    (void)key;
    s_crowd_t *crowd = ctx;
    for (int i = 0; i < 100; i++) {
        char family[32], case_id[RELAIS_CASE_ID_LEN], packed[RELAIS_CASES_NAMES_MAX];
        size_t len = 0;
        snprintf(family, sizeof family, i == 10 || i == 80 ? "Benali" : "Famille%c%c", 'a' + i / 26, 'a' + i % 26);
        const char *given[] = {"Lina"};
        relais_referral_view_t other = {.family_name = family, .given_names = given, .given_count = 1,
                                        .birth_date = "2014-05-11"};
        snprintf(case_id, sizeof case_id, "C-%d", 100 + i);
        assert_int_equal(relais_cases_names_pack(&other, packed, sizeof packed, &len), 0);
        crowd->calls++;
        int rc = fn(fn_ctx, case_id, (const uint8_t *)packed, len);
        if (rc)
            return rc;
    }
    return 0;
}

static void test_block_scan_bound(void **state)
{
    (void)state;
    s_crowd_t crowd = {0};
    relais_cases_index_t index = {s_fake_case_get, s_fake_child_get, s_fake_referral_get, s_crowd_scan, NULL};
    const char *given[] = {"Lina"};
    relais_referral_view_t child = {.family_name = "BENALI", .given_names = given, .given_count = 1,
                                    .birth_date = "2014-05-11"};
    relais_cases_step_t *step = calloc(1, sizeof *step);
    assert_int_equal(relais_cases_duplicates(&index, &crowd, s_secret, &child, step), 0);
    assert_int_equal(step->block_count, 2);
    /* Each key's scan stopped at the bound (the 65th case ends it); C-110 was found, C-180 not. */
    assert_int_equal(crowd.calls, 2 * (RELAIS_CASES_BLOCK_SCAN_MAX + 1));
    assert_int_equal(step->rec.summary.duplicate_count, 1);
    assert_string_equal(step->rec.summary.duplicates[0], "C-110");
    free(step);
}

/* The coordinator's decisions: a dismissal takes the flag away; a merge enters the merged case
 * in error with a pointer, and the surviving case takes its referrals, followers (from the
 * merge on) and child key; what cannot be merged is refused, nothing changed. */
static void test_dismiss_and_merge(void **state)
{
    (void)state;
    s_fake_t *f = calloc(1, sizeof *f);
    relais_cases_step_t step;
    s_refer(f, "college-curie", "College Marie Curie", "KACI", "Yanis", s_consent, 1, &step);
    s_update(f, "C-1", "SUBMITTED", "TRIAGE", "", 2, &step);
    s_refer(f, "pmi-blagis", "PMI Les Blagis", "Kaci", "Yanis\",\"Karim", s_parents, 3, &step);
    assert_string_equal(step.rec.summary.duplicates[0], "C-1");
    s_refer(f, "cmp-sceaux", "CMP Sceaux", "Kacy", "Yanis", s_consent, 4, &step);
    assert_int_equal(step.rec.summary.duplicate_count, 2);
    /* Dismissed: the CMP's child is another; a second dismissal is refused. */
    s_update(f, "C-4", "SUBMITTED", "SUBMITTED", ",\"dismiss_duplicate\":\"C-1\"", 5, &step);
    assert_int_equal(step.status, 0);
    assert_int_equal(step.rec.summary.duplicate_count, 1);
    assert_string_equal(step.rec.summary.duplicates[0], "C-3");
    s_update(f, "C-4", "SUBMITTED", "SUBMITTED", ",\"dismiss_duplicate\":\"C-1\"", 6, &step);
    assert_int_equal(step.status, RELAIS_E_BAD_TRANSITION);
    assert_non_null(strstr(step.why, "is not flagged as a possible duplicate of C-1; it is flagged for: C-3"));
    /* What cannot be merged. */
    s_update(f, "C-3", "SUBMITTED", "ENTERED_IN_ERROR", ",\"merge_into\":\"C-3\"", 6, &step);
    assert_non_null(strstr(step.why, "cannot be merged into itself"));
    s_update(f, "C-3", "SUBMITTED", "TRIAGE", ",\"merge_into\":\"C-1\"", 6, &step);
    assert_non_null(strstr(step.why, "to_state must be ENTERED_IN_ERROR"));
    s_update(f, "C-3", "SUBMITTED", "ENTERED_IN_ERROR", ",\"merge_into\":\"C-99\"", 6, &step);
    assert_non_null(strstr(step.why, "there is no case C-99 to merge C-3 into"));
    s_update(f, "C-3", "TRIAGE", "ENTERED_IN_ERROR", ",\"merge_into\":\"C-1\"", 6, &step);
    assert_int_equal(step.status, RELAIS_E_BAD_TRANSITION); /* C-3 is in submitted */
    /* The merge: the event is the surviving case's. */
    s_update(f, "C-3", "SUBMITTED", "ENTERED_IN_ERROR", ",\"merge_into\":\"C-1\"", 7, &step);
    assert_int_equal(step.status, 0);
    assert_true(step.has_merged);
    assert_true(step.relink_child);
    assert_string_equal(step.rec.summary.case_id, "C-1");
    assert_int_equal(step.rec.summary.state, RELAIS_CASE_TRIAGE);
    assert_int_equal(step.rec.summary.referral_count, 2);
    assert_int_equal(step.rec.summary.merged_count, 1);
    assert_string_equal(step.rec.summary.merged_from[0], "C-3");
    assert_true(relais_cases_has_sender(&step.rec, "pmi-blagis"));
    const relais_case_follower_t *pmi = relais_cases_follower(&step.rec, 3);
    assert_non_null(pmi);
    assert_int_equal(pmi->since_seq, 7);
    assert_null(relais_cases_follower_at(&step.rec, "pmi-blagis", 2)); /* never C-1's past */
    assert_string_equal(step.after.case_id, "C-1");
    assert_string_equal(step.merged.summary.case_id, "C-3");
    assert_int_equal(step.merged.summary.state, RELAIS_CASE_ENTERED_IN_ERROR);
    assert_string_equal(step.merged.summary.merged_into, "C-1");
    /* C-4's flag for C-3 is now a question about C-1: dismissing C-1 answers it. */
    s_update(f, "C-4", "SUBMITTED", "SUBMITTED", ",\"dismiss_duplicate\":\"C-1\"", 8, &step);
    assert_int_equal(step.status, 0);
    assert_int_equal(step.rec.summary.duplicate_count, 0);
    /* A case merged away is no candidate, and takes no more decisions. */
    s_update(f, "C-3", "ENTERED_IN_ERROR", "ENTERED_IN_ERROR", ",\"merge_into\":\"C-1\"", 8, &step);
    assert_non_null(strstr(step.why, "only an open case is merged"));
    /* The PMI's spelling now leads to the surviving case. */
    s_refer(f, "pmi-blagis", "PMI Les Blagis", "Kaci", "Yanis\",\"Karim", s_parents, 9, &step);
    assert_string_equal(step.rec.summary.case_id, "C-1");
    assert_int_equal(step.rec.summary.referral_count, 3);
    /* Closed, the surviving case lets go of both children's keys: a new case opens. */
    s_update(f, "C-1", "TRIAGE", "DECLINED", ",\"reason_code\":\"out-of-scope\"", 10, &step);
    assert_int_equal(step.status, 0);
    s_refer(f, "pmi-blagis", "PMI Les Blagis", "Kaci", "Yanis\",\"Karim", s_parents, 11, &step);
    assert_string_equal(step.rec.summary.case_id, "C-11");
    free(f);
}

static void test_block_keys(void **state)
{
    (void)state;
    uint8_t a[RELAIS_CASES_BLOCK_KEYS][RELAIS_CASES_BLOCK_KEY_SIZE], b[RELAIS_CASES_BLOCK_KEYS][RELAIS_CASES_BLOCK_KEY_SIZE];
    size_t na = 0, nb = 0;
    const char *yanis[] = {"Yanis"}, *kaci[] = {"Kaci"}, *digits[] = {"123"};
    relais_referral_view_t child = {.family_name = "Kaci", .given_names = yanis, .given_count = 1,
                                    .birth_date = "2014-05-11"};
    relais_referral_view_t swapped = {.family_name = "Yanis", .given_names = kaci, .given_count = 1,
                                      .birth_date = "2014-05-11"};
    assert_int_equal(relais_cases_block_keys(s_secret, &child, a, &na), 0);
    assert_int_equal(relais_cases_block_keys(s_secret, &swapped, b, &nb), 0);
    assert_int_equal(na, 2);
    assert_int_equal(nb, 2);
    assert_memory_equal(a[0], b[1], RELAIS_CASES_BLOCK_KEY_SIZE);
    assert_memory_equal(a[1], b[0], RELAIS_CASES_BLOCK_KEY_SIZE);
    /* Another birth date, other keys; a name with no letter gives none; no date is an error. */
    swapped.birth_date = "2014-05-12";
    swapped.family_name = "Kaci";
    swapped.given_names = yanis;
    assert_int_equal(relais_cases_block_keys(s_secret, &swapped, b, &nb), 0);
    assert_memory_not_equal(a[0], b[0], RELAIS_CASES_BLOCK_KEY_SIZE);
    child.given_names = digits;
    assert_int_equal(relais_cases_block_keys(s_secret, &child, a, &na), 0);
    assert_int_equal(na, 1);
    child.birth_date = NULL;
    assert_int_equal(relais_cases_block_keys(s_secret, &child, a, &na), RELAIS_E_MALFORMED);
    /* Names packed for an entry come back as they went. */
    char packed[RELAIS_CASES_NAMES_MAX], buf[RELAIS_CASES_NAMES_MAX];
    const char *given[RELAIS_CASES_NAMES_GIVEN_MAX], *two[] = {"Yanis", "Karim"};
    relais_referral_view_t back, in = {.family_name = "Kaci", .given_names = two, .given_count = 2,
                                       .birth_date = "2014-05-11"};
    size_t len = 0;
    assert_int_equal(relais_cases_names_pack(&in, packed, sizeof packed, &len), 0);
    assert_int_equal(relais_cases_names_unpack((const uint8_t *)packed, len, buf, sizeof buf, given, &back), 0);
    assert_string_equal(back.birth_date, "2014-05-11");
    assert_string_equal(back.family_name, "Kaci");
    assert_int_equal(back.given_count, 2);
    assert_string_equal(back.given_names[1], "Karim");
    assert_int_equal(relais_cases_names_pack(&in, packed, 8, &len), RELAIS_E_INVALID);
    assert_int_equal(relais_cases_names_unpack((const uint8_t *)"2014", 4, buf, sizeof buf, given, &back),
                     RELAIS_E_MALFORMED);
}

/* The partner-view rule: the opener follows its case; a referral that joins an advanced case
 * sees only its own arrival until the coordinator shares the case with it. */
static void test_partner_view(void **state)
{
    (void)state;
    s_fake_t *f = calloc(1, sizeof *f);
    relais_cases_step_t step;
    s_refer(f, "college-curie", "College Marie Curie", "Benali", "Lina", s_consent, 1, &step);
    assert_true(step.has_referral);
    assert_string_equal(step.referral.case_id, "C-1");
    assert_string_equal(step.referral.sender, "college-curie");
    assert_int_equal(step.rec.follower_count, 1);
    assert_int_equal(step.rec.followers[0].referral_seq, 1);
    assert_int_equal(step.rec.followers[0].since_seq, 1);
    s_update(f, "C-1", "SUBMITTED", "TRIAGE", "", 2, &step);
    s_update(f, "C-1", "TRIAGE", "ACCEPTED", "", 3, &step);
    s_update(f, "C-1", "ACCEPTED", "DIAGNOSIS", "", 4, &step);
    /* The PMI refers the same child: it joins C-1, and does not follow it. */
    s_refer(f, "pmi-blagis", "PMI Les Blagis", "Benali", "Lina", s_consent, 5, &step);
    assert_string_equal(step.rec.summary.case_id, "C-1");
    assert_int_equal(step.rec.follower_count, 1);
    relais_case_record_t rec = step.rec;
    relais_case_status_t seen;
    relais_cases_referral_status(&step.referral, &rec, &seen);
    assert_string_equal(seen.case_id, "R-5");
    assert_int_equal(seen.state, RELAIS_CASE_SUBMITTED);
    assert_int_equal(seen.updated_ms, 5000);
    assert_null(relais_cases_follower_at(&rec, "pmi-blagis", 6));
    assert_non_null(relais_cases_follower_at(&rec, "college-curie", 2));
    assert_null(relais_cases_follower_at(&rec, "college-curie", 0));
    relais_referral_record_t pmi = step.referral;
    /* Shares: a handle of another case, of nothing, not a handle at all; then the right one. */
    s_refer(f, "cmp-sceaux", "CMP Sceaux", "Petit", "Tom", s_parents, 6, &step);
    s_update(f, "C-1", "DIAGNOSIS", "DIAGNOSIS", ",\"share_referral\":\"R-6\"", 7, &step);
    assert_int_equal(step.status, RELAIS_E_BAD_TRANSITION);
    s_update(f, "C-1", "DIAGNOSIS", "DIAGNOSIS", ",\"share_referral\":\"R-99\"", 7, &step);
    assert_int_equal(step.status, RELAIS_E_BAD_TRANSITION);
    s_update(f, "C-1", "DIAGNOSIS", "DIAGNOSIS", ",\"share_referral\":\"C-1\"", 7, &step);
    assert_int_equal(step.status, RELAIS_E_BAD_TRANSITION);
    s_update(f, "C-1", "DIAGNOSIS", "DIAGNOSIS", ",\"share_referral\":\"R-5\"", 7, &step);
    assert_int_equal(step.status, 0);
    assert_int_equal(step.rec.follower_count, 2);
    assert_string_equal(step.rec.followers[1].sender, "pmi-blagis");
    assert_int_equal(step.rec.followers[1].since_seq, 7);
    relais_cases_referral_status(&pmi, &step.rec, &seen);
    assert_string_equal(seen.case_id, "R-5");
    assert_int_equal(seen.state, RELAIS_CASE_DIAGNOSIS);
    assert_non_null(relais_cases_follower_at(&step.rec, "pmi-blagis", 7));
    assert_null(relais_cases_follower_at(&step.rec, "pmi-blagis", 6));
    /* Twice is refused. */
    s_update(f, "C-1", "DIAGNOSIS", "DIAGNOSIS", ",\"share_referral\":\"R-5\"", 8, &step);
    assert_int_equal(step.status, RELAIS_E_BAD_TRANSITION);
    free(f);
}

/* A partnership meeting's record of `case_id`, with a next review date when `review` is given. */
static void s_meeting(s_fake_t *f, const char *case_id, const char *review, uint64_t seq, relais_cases_step_t *step)
{
    char json[1024], extra[64] = "";
    if (review)
        snprintf(extra, sizeof extra, ",\"next_review_date\":\"%s\"", review);
    snprintf(json, sizeof json,
             "{\"meeting\":{\"meeting_id\":\"M-20261210-a3f9\",\"date\":\"2026-12-10\",\"present\":"
             "[{\"name\":\"Mme Roux\",\"role\":\"psychologue\",\"organisation\":\"CMP de Sceaux\"}],"
             "\"case_id\":\"%s\",\"decision\":\"Orientation vers le CMP\"%s}}",
             case_id, extra);
    s_event(f, "coordination", json, seq, step);
}

/* A meeting's record is an event of its case that keeps its state, as a note does, and sets its
 * review date when it gives one; a case that does not exist, is closed, entered in error or
 * merged is refused, nothing changed. */
static void test_meeting_records(void **state)
{
    (void)state;
    s_fake_t *f = calloc(1, sizeof *f);
    relais_cases_step_t step;
    s_refer(f, "college-curie", "College Marie Curie", "Benali", "Lina", s_consent, 1, &step);
    s_update(f, "C-1", "SUBMITTED", "TRIAGE", "", 2, &step);
    s_update(f, "C-1", "TRIAGE", "ACCEPTED", ",\"next_review_date\":\"2027-01-04\"", 3, &step);
    int64_t review = step.rec.review_ms;
    assert_true(review > 0);
    s_meeting(f, "C-1", NULL, 4, &step);
    assert_int_equal(step.status, 0);
    assert_true(step.about_case);
    assert_string_equal(step.meeting_id, "M-20261210-a3f9");
    assert_string_equal(step.rec.summary.case_id, "C-1");
    assert_int_equal(step.rec.summary.state, RELAIS_CASE_ACCEPTED);
    assert_int_equal(step.rec.review_ms, review); /* none given: the review date holds */
    assert_int_equal(step.rec.last_seq, 4);
    assert_int_equal(step.rec.summary.updated_ms, 4000);
    assert_int_equal(step.child, RELAIS_CASES_CHILD_KEEP);
    assert_false(step.has_referral);
    /* Its referrer sees the case's status after it, nothing more: the status is a note's. */
    assert_string_equal(step.after.case_id, "C-1");
    assert_int_equal(step.after.state, RELAIS_CASE_ACCEPTED);
    assert_non_null(relais_cases_follower_at(&step.rec, "college-curie", 4));
    s_meeting(f, "C-1", "2027-01-15", 5, &step);
    assert_int_equal(step.status, 0);
    assert_int_equal(step.rec.review_ms - review, 11LL * 86400 * 1000);
    /* A paused case is reviewed too, and stays paused. */
    s_update(f, "C-1", "ACCEPTED", "PAUSED", "", 6, &step);
    s_meeting(f, "C-1", NULL, 7, &step);
    assert_int_equal(step.status, 0);
    assert_int_equal(step.rec.summary.state, RELAIS_CASE_PAUSED);
    assert_int_equal(step.rec.paused_from, RELAIS_CASE_ACCEPTED);
    /* Refused: no such case, a closed one, one entered in error, one merged. */
    s_meeting(f, "C-99", NULL, 8, &step);
    assert_int_equal(step.status, RELAIS_E_BAD_TRANSITION);
    assert_non_null(strstr(step.why, "there is no case C-99"));
    assert_string_equal(step.meeting_id, "");
    s_refer(f, "cmp-sceaux", "CMP Sceaux", "Petit", "Tom", s_parents, 8, &step);
    s_update(f, "C-8", "SUBMITTED", "TRIAGE", "", 9, &step);
    s_update(f, "C-8", "TRIAGE", "DECLINED", ",\"reason_code\":\"out-of-scope\"", 10, &step);
    s_meeting(f, "C-8", "2027-01-15", 11, &step);
    assert_int_equal(step.status, RELAIS_E_BAD_TRANSITION);
    assert_non_null(strstr(step.why, "case C-8 is closed (declined): a meeting reviews the open cases"));
    relais_case_record_t tom;
    assert_int_equal(s_fake_case_get(f, "C-8", &tom), 0);
    assert_int_equal(tom.last_seq, 10);
    assert_int_equal(tom.review_ms, 0);
    s_refer(f, "cmp-sceaux", "CMP Sceaux", "Roux", "Sarah", s_parents, 12, &step);
    s_update(f, "C-12", "SUBMITTED", "ENTERED_IN_ERROR", "", 13, &step);
    s_meeting(f, "C-12", NULL, 14, &step);
    assert_int_equal(step.status, RELAIS_E_BAD_TRANSITION);
    assert_non_null(strstr(step.why, "case C-12 was entered in error: a meeting does not review it"));
    s_refer(f, "college-curie", "College Marie Curie", "KACI", "Yanis", s_consent, 15, &step);
    s_refer(f, "pmi-blagis", "PMI Les Blagis", "Kaci", "Yanis\",\"Karim", s_parents, 16, &step);
    s_update(f, "C-16", "SUBMITTED", "ENTERED_IN_ERROR", ",\"merge_into\":\"C-15\"", 17, &step);
    assert_int_equal(step.status, 0);
    s_meeting(f, "C-16", NULL, 18, &step);
    assert_int_equal(step.status, RELAIS_E_BAD_TRANSITION);
    assert_non_null(strstr(step.why, "case C-16 was merged into C-15: the meeting reviews C-15"));
    free(f);
}

static void test_referral_handles(void **state)
{
    (void)state;
    char h[RELAIS_CASE_ID_LEN];
    relais_referral_handle(42, h);
    assert_string_equal(h, "R-42");
    assert_int_equal(relais_referral_handle_seq("R-42"), 42);
    assert_int_equal(relais_referral_handle_seq("R-18446744073709551615"), UINT64_MAX);
    assert_int_equal(relais_referral_handle_seq("R-18446744073709551616"), 0);
    assert_int_equal(relais_referral_handle_seq("R-0"), 0);
    assert_int_equal(relais_referral_handle_seq("R-07"), 0);
    assert_int_equal(relais_referral_handle_seq("R-"), 0);
    assert_int_equal(relais_referral_handle_seq("R-4x"), 0);
    assert_int_equal(relais_referral_handle_seq("C-42"), 0);
    assert_int_equal(relais_referral_handle_seq(NULL), 0);
}

static void test_replay_updates(void **state)
{
    (void)state;
    s_fake_t *f = calloc(1, sizeof *f);
    relais_cases_step_t step;
    s_refer(f, "cmp-sceaux", "CMP Sceaux", "Petit", "Tom", s_parents, 1, &step);
    s_update(f, "C-1", "SUBMITTED", "TRIAGE", "", 2, &step);
    assert_int_equal(step.status, 0);
    assert_int_equal(step.after.state, RELAIS_CASE_TRIAGE);
    assert_int_equal(step.after.task_status, RELAIS_TASK_RECEIVED);
    s_update(f, "C-1", "TRIAGE", "DIAGNOSIS", "", 3, &step);
    assert_int_equal(step.status, RELAIS_E_BAD_TRANSITION);
    s_update(f, "C-9", "TRIAGE", "ACCEPTED", "", 3, &step);
    assert_int_equal(step.status, RELAIS_E_BAD_TRANSITION);
    assert_non_null(strstr(step.why, "no case C-9"));
    /* Redirected: closed, the child unlinked, the status carries the reason. */
    s_update(f, "C-1", "TRIAGE", "REDIRECTED",
             ",\"reason_code\":\"cmp-follow-up\",\"redirected_to\":\"Programme de reussite educative\"", 3, &step);
    assert_int_equal(step.status, 0);
    assert_int_equal(step.child, RELAIS_CASES_CHILD_UNLINK);
    assert_string_equal(step.after.reason_code, "cmp-follow-up");
    assert_int_equal(step.after.task_status, RELAIS_TASK_REJECTED);
    /* A later referral of the same child opens a new case. */
    s_refer(f, "cmp-sceaux", "CMP Sceaux", "Petit", "Tom", s_parents, 4, &step);
    assert_string_equal(step.rec.summary.case_id, "C-4");
    assert_int_equal(step.child, RELAIS_CASES_CHILD_LINK);
    /* Not about a case: nothing to record. */
    relais_cases_step_t none;
    uint8_t id[16] = {9}, *body = NULL;
    size_t len = 0;
    relais_message_t *msg = NULL;
    relais_access_t access = {.reader = "auditor", .action = "case-list"};
    assert_int_equal(relais_message_encode_access("relais-hub", id, 1000, &access, &body, &len), 0);
    assert_int_equal(relais_message_decode(body, len, &msg), 0);
    assert_int_equal(relais_cases_decide(&s_fake_index, f, s_secret, msg, NULL, 5, 5000, &none), 0);
    assert_false(none.about_case);
    relais_message_destroy(&msg);
    free(body);
    free(f);
}

static void test_pathway_needs_an_action(void **state)
{
    (void)state;
    relais_case_record_t rec;
    s_open(&rec, RELAIS_URGENCY_ROUTINE);
    rec.summary.state = RELAIS_CASE_DIAGNOSIS;
    relais_case_update_view_t u = {.case_id = "C-7", .from_state = RELAIS_CASE_DIAGNOSIS,
                                   .to_state = RELAIS_CASE_PATHWAY_PROPOSED};
    int closed;
    char why[256];
    assert_int_equal(relais_cases_update(&rec, &u, 8, 2000, &closed, why, sizeof why), RELAIS_E_BAD_TRANSITION);
    assert_non_null(strstr(why, "pathway action"));
    u.pathway_count = 2;
    assert_int_equal(relais_cases_update(&rec, &u, 8, 2000, &closed, why, sizeof why), 0);
}

static void test_task_status_table(void **state)
{
    (void)state;
    assert_int_equal(relais_cases_task_status(RELAIS_CASE_SUBMITTED), RELAIS_TASK_REQUESTED);
    assert_int_equal(relais_cases_task_status(RELAIS_CASE_TRIAGE), RELAIS_TASK_RECEIVED);
    assert_int_equal(relais_cases_task_status(RELAIS_CASE_AWAITING_AGREEMENT), RELAIS_TASK_ON_HOLD);
    assert_int_equal(relais_cases_task_status(RELAIS_CASE_DECLINED), RELAIS_TASK_REJECTED);
    assert_int_equal(relais_cases_task_status(RELAIS_CASE_CLOSED_COMPLETED), RELAIS_TASK_COMPLETED);
    assert_int_equal(relais_cases_task_status(RELAIS_CASE_CLOSED_WITHDRAWN), RELAIS_TASK_CANCELLED);
    assert_int_equal(relais_cases_task_status(RELAIS_CASE_CLOSED_FAILED), RELAIS_TASK_FAILED);
    assert_int_equal(relais_cases_task_status(RELAIS_CASE_ENTERED_IN_ERROR), RELAIS_TASK_ENTERED_IN_ERROR);
    assert_int_equal(relais_cases_task_status((relais_case_state_t)99), RELAIS_TASK_UNSPECIFIED);
}

/* ---- A case's lifecycle ---------------------------------------------------------------- */

static int s_apply(relais_lifecycle_t *lc, relais_privacy_kind_t kind, const char *reason, uint64_t seq, char *why)
{
    relais_privacy_view_t p = {.kind = kind, .case_id = "C-3", .reason = reason};
    return relais_cases_lifecycle_apply(lc, 1, &p, "", seq, 1000 * (int64_t)seq, why, 256);
}

static void test_lifecycle_rights(void **state)
{
    (void)state;
    char why[256];
    relais_lifecycle_t lc = {0};
    relais_cases_lifecycle_touch(&lc, 3, 3000);
    relais_privacy_view_t none = {.kind = RELAIS_PRIVACY_HOLD_SET, .case_id = "C-9", .reason = "x"};
    assert_int_equal(relais_cases_lifecycle_apply(&lc, 0, &none, "", 4, 4000, why, sizeof why), RELAIS_E_BAD_TRANSITION);
    assert_non_null(strstr(why, "no case C-9"));
    /* A hold needs its reason, and stops an erasure on request. */
    assert_int_equal(s_apply(&lc, RELAIS_PRIVACY_HOLD_SET, "", 4, why), RELAIS_E_MALFORMED);
    assert_int_equal(s_apply(&lc, RELAIS_PRIVACY_HOLD_SET, "information préoccupante, CRIP 92", 4, why), 0);
    assert_int_equal(lc.hold_seq, 4);
    assert_int_equal(s_apply(&lc, RELAIS_PRIVACY_HOLD_SET, "again", 5, why), RELAIS_E_BAD_TRANSITION);
    assert_int_equal(s_apply(&lc, RELAIS_PRIVACY_ERASURE_REQUESTED, "demande de la mère", 5, why), RELAIS_E_LEGAL_HOLD);
    assert_non_null(strstr(why, "legal hold of record 4"));
    assert_int_equal(lc.erasure_requested_seq, 0);
    assert_int_equal(s_apply(&lc, RELAIS_PRIVACY_HOLD_LIFTED, "", 6, why), 0);
    assert_int_equal(s_apply(&lc, RELAIS_PRIVACY_HOLD_LIFTED, "", 7, why), RELAIS_E_BAD_TRANSITION);
    assert_int_equal(s_apply(&lc, RELAIS_PRIVACY_ERASURE_REQUESTED, "demande de la mère", 7, why), 0);
    assert_int_equal(lc.erasure_requested_seq, 7);
    /* The archive is opened only once the case is there; then erased, nothing more. */
    assert_int_equal(s_apply(&lc, RELAIS_PRIVACY_ARCHIVE_OPENED, "réquisition", 8, why), RELAIS_E_BAD_TRANSITION);
    assert_int_equal(s_apply(&lc, RELAIS_PRIVACY_ERASED, "", 8, why), RELAIS_E_BAD_TRANSITION);
    assert_int_equal(s_apply(&lc, RELAIS_PRIVACY_ARCHIVED, "", 8, why), 0);
    assert_int_equal(lc.tier, RELAIS_TIER_ARCHIVED);
    assert_int_equal(lc.archived_ms, 8000);
    assert_int_equal(s_apply(&lc, RELAIS_PRIVACY_ARCHIVE_OPENED, "réquisition", 9, why), 0);
    assert_int_equal(s_apply(&lc, RELAIS_PRIVACY_ERASED, "", 10, why), 0);
    assert_int_equal(lc.tier, RELAIS_TIER_ERASED);
    assert_int_equal(lc.erased_seq, 10);
    assert_int_equal(s_apply(&lc, RELAIS_PRIVACY_HOLD_SET, "late", 11, why), RELAIS_E_BAD_TRANSITION);
    assert_non_null(strstr(why, "erased by record 10"));
}

static void test_lifecycle_rectification(void **state)
{
    (void)state;
    char why[256];
    relais_lifecycle_t lc = {0};
    relais_cases_lifecycle_touch(&lc, 3, 3000);
    relais_privacy_view_t p = {.kind = RELAIS_PRIVACY_RECTIFIED, .case_id = "C-3", .reason = "erreur de saisie",
                               .record_seq = 3, .field = "child.birth_date", .value = "2014-02-30"};
    assert_int_equal(relais_cases_lifecycle_apply(&lc, 1, &p, "C-3", 5, 5000, why, sizeof why), RELAIS_E_MALFORMED);
    p.value = "2016-02-29";
    assert_int_equal(relais_cases_lifecycle_apply(&lc, 1, &p, "C-4", 5, 5000, why, sizeof why),
                     RELAIS_E_BAD_TRANSITION);
    assert_int_equal(relais_cases_lifecycle_apply(&lc, 1, &p, "C-3", 5, 5000, why, sizeof why), 0);
    assert_int_equal(lc.last_event_seq, 5);
    p.field = "child.shoe_size";
    assert_int_equal(relais_cases_lifecycle_apply(&lc, 1, &p, "C-3", 6, 6000, why, sizeof why), RELAIS_E_MALFORMED);
    assert_true(relais_cases_rectifiable("guardian.2.phone"));
    assert_false(relais_cases_rectifiable("guardian.0.phone"));
    assert_false(relais_cases_rectifiable("guardian.2.shoe"));
    assert_true(relais_cases_rectifiable("diagnosis"));
}

static void test_sweep_moves(void **state)
{
    (void)state;
    const int64_t day = 24LL * 3600 * 1000;
    relais_cases_retention_t r;
    relais_cases_retention_default(&r);
    relais_lifecycle_t lc = {0};
    relais_cases_lifecycle_touch(&lc, 3, 100 * day);
    int64_t due = 0;
    assert_int_equal(relais_cases_sweep_move(&lc, &r, 100 * day + 729 * day, &due), RELAIS_CASES_MOVE_NONE);
    assert_int_equal(due, 830 * day);
    assert_int_equal(relais_cases_sweep_move(&lc, &r, 830 * day, NULL), RELAIS_CASES_MOVE_ARCHIVE);
    lc.tier = RELAIS_TIER_ARCHIVED;
    lc.archived_ms = 830 * day;
    assert_int_equal(relais_cases_sweep_move(&lc, &r, 830 * day + 1825 * day, &due), RELAIS_CASES_MOVE_NONE);
    assert_int_equal(relais_cases_sweep_move(&lc, &r, 830 * day + 1826 * day, NULL), RELAIS_CASES_MOVE_ERASE);
    lc.hold_seq = 9; /* a hold keeps it in the archive */
    assert_int_equal(relais_cases_sweep_move(&lc, &r, 9000 * day, &due), RELAIS_CASES_MOVE_NONE);
    assert_int_equal(due, 0);
    /* An erasure asked for: archived at once, erased at the next sweep. */
    relais_lifecycle_t asked = {.last_event_ms = 100 * day, .erasure_requested_seq = 7};
    assert_int_equal(relais_cases_sweep_move(&asked, &r, 101 * day, NULL), RELAIS_CASES_MOVE_ARCHIVE);
    asked.tier = RELAIS_TIER_ARCHIVED;
    assert_int_equal(relais_cases_sweep_move(&asked, &r, 101 * day, NULL), RELAIS_CASES_MOVE_ERASE);
}

static void test_lifecycle_record(void **state)
{
    (void)state;
    relais_lifecycle_t in = {.tier = RELAIS_TIER_ARCHIVED, .last_event_seq = 12, .last_event_ms = 1700000000000,
                             .hold_seq = 0, .erasure_requested_seq = 14, .archived_seq = 15,
                             .archived_ms = 1700000005000};
    uint8_t *bytes = NULL;
    size_t len = 0;
    assert_int_equal(relais_lifecycle_encode(&in, &bytes, &len), 0);
    relais_lifecycle_t out;
    assert_int_equal(relais_lifecycle_decode(bytes, len, &out), 0);
    assert_int_equal(out.tier, in.tier);
    assert_int_equal(out.last_event_seq, in.last_event_seq);
    assert_int_equal(out.last_event_ms, in.last_event_ms);
    assert_int_equal(out.erasure_requested_seq, in.erasure_requested_seq);
    assert_int_equal(out.archived_seq, in.archived_seq);
    assert_int_equal(out.archived_ms, in.archived_ms);
    bytes[0] ^= 0x80;
    assert_int_equal(relais_lifecycle_decode(bytes, len, &out), RELAIS_E_MALFORMED);
    free(bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalise),
        cmocka_unit_test(test_phonetic_key),
        cmocka_unit_test(test_names_close),
        cmocka_unit_test(test_child_key),
        cmocka_unit_test(test_letters_beyond_the_bmp),
        cmocka_unit_test(test_open_and_attach),
        cmocka_unit_test(test_long_texts_cut_between_characters),
        cmocka_unit_test(test_allowed_transitions),
        cmocka_unit_test(test_forbidden_transitions),
        cmocka_unit_test(test_stale_from_state),
        cmocka_unit_test(test_refusals_say_the_moves),
        cmocka_unit_test(test_refusals_list_the_rule),
        cmocka_unit_test(test_can_move_is_the_rule),
        cmocka_unit_test(test_required_fields),
        cmocka_unit_test(test_pause_resume),
        cmocka_unit_test(test_owner),
        cmocka_unit_test(test_review_date_and_overdue),
        cmocka_unit_test(test_working_hours),
        cmocka_unit_test(test_public_holidays),
        cmocka_unit_test(test_replay_one_child_one_case),
        cmocka_unit_test(test_likely_duplicates),
        cmocka_unit_test(test_block_keys),
        cmocka_unit_test(test_dismiss_and_merge),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_block_scan_bound),
        cmocka_unit_test(test_partner_view),
        cmocka_unit_test(test_meeting_records),
        cmocka_unit_test(test_referral_handles),
        cmocka_unit_test(test_replay_updates),
        cmocka_unit_test(test_pathway_needs_an_action),
        cmocka_unit_test(test_task_status_table),
        cmocka_unit_test(test_lifecycle_rights),
        cmocka_unit_test(test_lifecycle_rectification),
        cmocka_unit_test(test_sweep_moves),
        cmocka_unit_test(test_lifecycle_record),
    };
    /* Working hours are local time: the tests fix the zone (one of them moves it to Paris). */
    setenv("TZ", "UTC", 1);
    tzset();
    relais_cases_policy_default(&s_policy);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
