/* test_rules.c -- the broker's case rules: child-key normalisation, transitions, pause, closing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "broker_internal.h"

static const broker_triage_t s_triage = {{4, 24, 72}};
static const uint8_t s_secret[32] = {7};

/* ---- Normalisation and child keys ---------------------------------------------------- */

static void s_assert_norm(const char *in, const char *want)
{
    char out[256];
    assert_int_equal(broker_normalise_name(in, out, sizeof out), 0);
    assert_string_equal(out, want);
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
    assert_int_equal(broker_normalise_name("benali", tiny, sizeof tiny), RELAIS_E_INVALID);
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
    assert_int_equal(broker_child_key(s_secret, &v, a), 0);
    s_child(&v, "B\xc3\x89NALI", lina_up, 1, "2015-03-02");
    assert_int_equal(broker_child_key(s_secret, &v, b), 0);
    assert_memory_equal(a, b, 32);
    s_child(&v, "Benali", lina, 1, "2015-03-03");
    assert_int_equal(broker_child_key(s_secret, &v, c), 0);
    assert_memory_not_equal(a, c, 32);
    s_child(&v, "Benali", lina_sara, 2, "2015-03-02");
    assert_int_equal(broker_child_key(s_secret, &v, b), 0);
    s_child(&v, "Benali", lina_sara_one, 1, "2015-03-02");
    assert_int_equal(broker_child_key(s_secret, &v, c), 0);
    assert_memory_equal(b, c, 32);
    uint8_t other_secret[32] = {8};
    s_child(&v, "Benali", lina, 1, "2015-03-02");
    assert_int_equal(broker_child_key(other_secret, &v, c), 0);
    assert_memory_not_equal(a, c, 32);
    s_child(&v, " - ", lina, 1, "2015-03-02");
    assert_int_equal(broker_child_key(s_secret, &v, c), RELAIS_E_MALFORMED);
    s_child(&v, "Benali", lina, 1, "");
    assert_int_equal(broker_child_key(s_secret, &v, c), RELAIS_E_MALFORMED);
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
    assert_int_equal(broker_rules_open_case(&v, key, "college-curie", 7, 1000, &s_triage, rec), 0);
}

static void test_open_and_attach(void **state)
{
    (void)state;
    relais_case_record_t rec;
    s_open(&rec, RELAIS_URGENCY_ROUTINE);
    assert_string_equal(rec.summary.case_id, "C-7");
    assert_int_equal(rec.summary.state, RELAIS_CASE_SUBMITTED);
    assert_int_equal(rec.summary.task_status, BROKER_TASK_REQUESTED);
    assert_int_equal(rec.summary.due_ms, 1000 + 72ll * 3600 * 1000);
    assert_string_equal(rec.summary.child_display, "Lina B. (2015)");
    assert_int_equal(rec.sender_count, 1);
    assert_true(broker_case_has_sender(&rec, "college-curie"));
    assert_false(broker_case_has_sender(&rec, "pmi-blagis"));

    relais_referral_view_t v;
    s_referral(&v, "PMI Les Blagis", RELAIS_URGENCY_URGENT);
    assert_int_equal(broker_rules_attach_referral(&rec, &v, "pmi-blagis", 9, 5000, &s_triage), 0);
    assert_int_equal(rec.summary.urgency, RELAIS_URGENCY_URGENT);
    assert_int_equal(rec.summary.due_ms, 5000 + 4ll * 3600 * 1000); /* brought forward */
    assert_int_equal(rec.summary.referral_count, 2);
    assert_int_equal(rec.referral_seq_count, 2);
    assert_int_equal(rec.referral_seqs[1], 9);
    assert_int_equal(rec.summary.referrer_count, 2);
    assert_true(broker_case_has_sender(&rec, "pmi-blagis"));
    /* the same sender again is not listed twice */
    assert_int_equal(broker_rules_attach_referral(&rec, &v, "pmi-blagis", 11, 6000, &s_triage), 0);
    assert_int_equal(rec.sender_count, 2);
    assert_int_equal(rec.summary.referral_count, 3);
}

/* ---- Transitions ------------------------------------------------------------------------ */

/* Applies from -> to on a case put in state `from`; fills the fields the target needs. */
static int s_move(relais_case_record_t *rec, relais_case_state_t from, relais_case_state_t to, int *unlink)
{
    rec->summary.state = from;
    relais_case_update_view_t u;
    memset(&u, 0, sizeof u);
    u.case_id = rec->summary.case_id;
    u.from_state = from;
    u.to_state = to;
    u.reason_code = "family-refused";
    u.redirected_to = "CMP Sceaux";
    char why[256];
    return broker_rules_update(rec, &u, 20, 9000, unlink, why, sizeof why);
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
        int unlink = -1;
        int rc = s_move(&rec, s_allowed[i].from, s_allowed[i].to, &unlink);
        if (rc != 0)
            fail_msg("%s -> %s refused", relais_case_state_name(s_allowed[i].from),
                     relais_case_state_name(s_allowed[i].to));
        assert_int_equal(rec.summary.state, s_allowed[i].to);
        assert_int_equal(rec.summary.task_status, broker_task_status(s_allowed[i].to));
        assert_int_equal(rec.last_seq, 20);
        assert_int_equal(rec.summary.updated_ms, 9000);
        int closing = !broker_state_is_open(s_allowed[i].to) && s_allowed[i].to != s_allowed[i].from;
        assert_int_equal(unlink, closing);
    }
}

static void test_forbidden_transitions(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof s_forbidden / sizeof s_forbidden[0]; i++) {
        relais_case_record_t rec;
        s_open(&rec, RELAIS_URGENCY_ROUTINE);
        int unlink = -1;
        int rc = s_move(&rec, s_forbidden[i].from, s_forbidden[i].to, &unlink);
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
    int unlink;
    char why[256];
    assert_int_equal(broker_rules_update(&rec, &u, 8, 2000, &unlink, why, sizeof why), RELAIS_E_BAD_TRANSITION);
    assert_non_null(strstr(why, "submitted"));
}

static void test_required_fields(void **state)
{
    (void)state;
    relais_case_record_t rec;
    s_open(&rec, RELAIS_URGENCY_ROUTINE);
    rec.summary.state = RELAIS_CASE_TRIAGE;
    int unlink;
    char why[256];
    relais_case_update_view_t u = {.case_id = "C-7", .from_state = RELAIS_CASE_TRIAGE, .to_state = RELAIS_CASE_DECLINED};
    assert_int_equal(broker_rules_update(&rec, &u, 8, 2000, &unlink, why, sizeof why), RELAIS_E_BAD_TRANSITION);
    u.reason_code = "";
    assert_int_equal(broker_rules_update(&rec, &u, 8, 2000, &unlink, why, sizeof why), RELAIS_E_BAD_TRANSITION);
    u.to_state = RELAIS_CASE_REDIRECTED;
    u.reason_code = "out-of-scope";
    assert_int_equal(broker_rules_update(&rec, &u, 8, 2000, &unlink, why, sizeof why), RELAIS_E_BAD_TRANSITION);
    u.redirected_to = "CMP Sceaux";
    assert_int_equal(broker_rules_update(&rec, &u, 8, 2000, &unlink, why, sizeof why), 0);
    assert_int_equal(rec.summary.state, RELAIS_CASE_REDIRECTED);
    assert_string_equal(rec.summary.reason_code, "out-of-scope");
    assert_int_equal(rec.summary.due_ms, 0);
    assert_int_equal(unlink, 1); /* closing unlinks the child: a later referral opens a new case */
}

static void test_pause_resume(void **state)
{
    (void)state;
    relais_case_record_t rec;
    s_open(&rec, RELAIS_URGENCY_ROUTINE);
    int unlink;
    assert_int_equal(s_move(&rec, RELAIS_CASE_DIAGNOSIS, RELAIS_CASE_PAUSED, &unlink), 0);
    assert_int_equal(rec.paused_from, RELAIS_CASE_DIAGNOSIS);
    assert_int_equal(rec.summary.task_status, BROKER_TASK_ON_HOLD);
    assert_int_equal(unlink, 0);
    /* a note while paused is fine; resuming elsewhere is not */
    relais_case_update_view_t u = {.case_id = "C-7", .from_state = RELAIS_CASE_PAUSED, .to_state = RELAIS_CASE_PAUSED,
                                   .note = "family on holiday"};
    char why[256];
    assert_int_equal(broker_rules_update(&rec, &u, 21, 9500, &unlink, why, sizeof why), 0);
    u.to_state = RELAIS_CASE_TRIAGE;
    assert_int_equal(broker_rules_update(&rec, &u, 22, 9600, &unlink, why, sizeof why), RELAIS_E_BAD_TRANSITION);
    u.to_state = RELAIS_CASE_FOLLOW_UP;
    assert_int_equal(broker_rules_update(&rec, &u, 22, 9600, &unlink, why, sizeof why), RELAIS_E_BAD_TRANSITION);
    u.to_state = RELAIS_CASE_DIAGNOSIS;
    assert_int_equal(broker_rules_update(&rec, &u, 22, 9600, &unlink, why, sizeof why), 0);
    assert_int_equal(rec.summary.state, RELAIS_CASE_DIAGNOSIS);
    assert_int_equal(rec.paused_from, RELAIS_CASE_UNSPECIFIED);
    assert_int_equal(rec.summary.task_status, BROKER_TASK_IN_PROGRESS);
}

static void test_review_date_and_overdue(void **state)
{
    (void)state;
    relais_case_record_t rec;
    s_open(&rec, RELAIS_URGENCY_URGENT);
    assert_false(broker_case_overdue(&rec, 1000 + 4ll * 3600 * 1000));
    assert_true(broker_case_overdue(&rec, 1001 + 4ll * 3600 * 1000));
    rec.summary.state = RELAIS_CASE_FOLLOW_UP;
    relais_case_update_view_t u = {.case_id = "C-7", .from_state = RELAIS_CASE_FOLLOW_UP,
                                   .to_state = RELAIS_CASE_FOLLOW_UP, .next_review_date = "2026-12-01"};
    int unlink;
    char why[256];
    assert_int_equal(broker_rules_update(&rec, &u, 30, 9000, &unlink, why, sizeof why), 0);
    assert_int_equal(rec.summary.due_ms, 1796083200000ll); /* 2026-12-01T00:00:00Z */
    u.next_review_date = "1st of December";
    assert_int_equal(broker_rules_update(&rec, &u, 31, 9000, &unlink, why, sizeof why), RELAIS_E_BAD_TRANSITION);
}

static void test_task_status_table(void **state)
{
    (void)state;
    assert_int_equal(broker_task_status(RELAIS_CASE_SUBMITTED), BROKER_TASK_REQUESTED);
    assert_int_equal(broker_task_status(RELAIS_CASE_TRIAGE), BROKER_TASK_RECEIVED);
    assert_int_equal(broker_task_status(RELAIS_CASE_AWAITING_AGREEMENT), BROKER_TASK_ON_HOLD);
    assert_int_equal(broker_task_status(RELAIS_CASE_DECLINED), BROKER_TASK_REJECTED);
    assert_int_equal(broker_task_status(RELAIS_CASE_CLOSED_COMPLETED), BROKER_TASK_COMPLETED);
    assert_int_equal(broker_task_status(RELAIS_CASE_CLOSED_WITHDRAWN), BROKER_TASK_CANCELLED);
    assert_int_equal(broker_task_status(RELAIS_CASE_CLOSED_FAILED), BROKER_TASK_FAILED);
    assert_int_equal(broker_task_status(RELAIS_CASE_ENTERED_IN_ERROR), BROKER_TASK_ENTERED_IN_ERROR);
    assert_int_equal(broker_task_status((relais_case_state_t)99), BROKER_TASK_UNSPECIFIED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalise),
        cmocka_unit_test(test_child_key),
        cmocka_unit_test(test_open_and_attach),
        cmocka_unit_test(test_allowed_transitions),
        cmocka_unit_test(test_forbidden_transitions),
        cmocka_unit_test(test_stale_from_state),
        cmocka_unit_test(test_required_fields),
        cmocka_unit_test(test_pause_resume),
        cmocka_unit_test(test_review_date_and_overdue),
        cmocka_unit_test(test_task_status_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
