/* test_desk_charts_unit.c -- what the desk's charts count and publish, without a server: the facts the
 * model keeps from its feed (each referral's month and source, a split's copy counted once, the
 * triage decision against the deadline that applied then, a pause and an error that decide
 * nothing, a merged case counted with the other, an archived case leaving), and the figures after
 * the statistics' suppression rule (a small cell and its complement, a total under the threshold,
 * a table that cannot be protected, a month's sources withheld alone, a pair of triage figures). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "desk_feed_fixture.h"
#include "desk_internal.h"
#include "relais_stats.h"

#define S_HOUR (3600 * 1000LL)
#define S_DAY (24 * S_HOUR)
#define S_T0 (1800000000000LL) /* 2027-01-15 08:00 UTC */
#define S_JANUARY_2027 (2027 * 12)

/* A referral of child FAMILY by a referrer of ROLE ("PMI"), of URGENCY, filed in CASE. */
static void s_referral(desk_model_t *m, uint64_t seq, int64_t at, const char *family, const char *role,
                       const char *urgency, const char *case_id, uint64_t copy_of)
{
    char json[2048];
    snprintf(json, sizeof json,
             "{\"referral\": {\"referrer\": {\"organisation\": \"Partenaire\", \"role\": \"%s\"},"
             " \"child\": {\"family_name\": \"%s\", \"given_names\": [\"Camille\"], \"birth_date\": \"2014-03-12\","
             " \"school\": \"Collège Marie-Curie\"}, \"domains\": [\"EDUCATIONAL\"], \"description\": \"x\","
             " \"urgency\": \"%s\", \"consent\": {\"recorded_by\": \"H. G.\", \"recorded_ms\": 1795422600000,"
             " \"given_by\": \"la mère\"}}}",
             role, family, urgency);
    desk_fixture_deliver(m, seq, at, "partenaire", json, case_id, RELAIS_CASE_SUBMITTED, copy_of);
}

/* The counts of 2027, January first. */
static void s_count_2027(desk_model_t *m, desk_counts_t *c)
{
    memset(c, 0, sizeof *c);
    c->first_month = S_JANUARY_2027;
    c->from_ms = 1798761600000LL; /* 2027-01-01 00:00 UTC */
    c->to_ms = 1830297600000LL;   /* 2028-01-01 */
    assert_int_equal(desk_model_count(m, c), 0);
}

/* Source indexes: ReferrerRole - 1. */
enum { S_SCHOOL_HEAD = 0, S_TEACHER = 1, S_PMI = 6, S_CMP = 7, S_PARENT = 8, S_OTHER = 9 };

static void test_model_facts(void **state)
{
    (void)state;
    desk_model_t *m = desk_fixture_model();
    s_referral(m, 1, S_T0, "Arnaud", "SCHOOL_HEAD", "PRIORITY", "C-1", 0);  /* due T0 + 2 h */
    s_referral(m, 2, S_T0, "Bertin", "PMI", "ROUTINE", "C-2", 0);           /* due T0 + 3 h */
    s_referral(m, 3, S_T0 + 30 * S_DAY, "Chevalier", "CMP", "URGENT", "C-3", 0); /* February, still waiting */
    s_referral(m, 4, S_T0 + S_HOUR, "Arnaud", "PMI", "PRIORITY", "C-1", 0);  /* joins C-1 */
    s_referral(m, 5, S_T0, "Dupuis", "TEACHER", "ROUTINE", "C-5", 0);
    s_referral(m, 6, S_T0, "Etienne", "OTHER", "ROUTINE", "C-6", 0);

    /* C-1 triaged within its 2 hours; C-2 paused in triage (no decision), resumed, declined at 5 h:
     * late against its 3 hours. */
    desk_fixture_move(m, 7, S_T0 + S_HOUR, "C-1", "SUBMITTED", "TRIAGE", NULL, RELAIS_CASE_TRIAGE);
    desk_fixture_move(m, 8, S_T0 + 90 * 60000, "C-1", "TRIAGE", "ACCEPTED", NULL, RELAIS_CASE_ACCEPTED);
    desk_fixture_move(m, 9, S_T0 + S_HOUR, "C-2", "SUBMITTED", "TRIAGE", NULL, RELAIS_CASE_TRIAGE);
    desk_fixture_move(m, 10, S_T0 + S_HOUR, "C-2", "TRIAGE", "PAUSED", NULL, RELAIS_CASE_PAUSED);
    desk_fixture_move(m, 11, S_T0 + 4 * S_HOUR, "C-2", "PAUSED", "TRIAGE", NULL, RELAIS_CASE_TRIAGE);
    desk_fixture_move(m, 12, S_T0 + 5 * S_HOUR, "C-2", "TRIAGE", "DECLINED", ", \"reason_code\": \"hors-champ\"",
           RELAIS_CASE_DECLINED);
    /* An urgent referral after C-1's triage: the decision stays one of a priority case. */
    s_referral(m, 13, S_T0 + 2 * S_HOUR, "Arnaud", "CMP", "URGENT", "C-1", 0);
    /* C-5 merged into C-1: it counts with C-1, not on its own; its referral was received all the same. */
    desk_fixture_deliver(m, 14, S_T0 + 3 * S_HOUR, "coordination",
              "{\"case_update\": {\"case_id\": \"C-5\", \"from_state\": \"SUBMITTED\", \"to_state\": "
              "\"ENTERED_IN_ERROR\", \"merge_into\": \"C-1\"}}",
              "C-1", RELAIS_CASE_ACCEPTED, 0);
    /* C-6 entered in error from submitted: no triage decision. */
    desk_fixture_move(m, 15, S_T0 + 3 * S_HOUR, "C-6", "SUBMITTED", "ENTERED_IN_ERROR", NULL, RELAIS_CASE_ENTERED_IN_ERROR);
    /* A split's copy of referral 4 opens C-16: a case, not another referral. */
    s_referral(m, 16, S_T0 + 4 * S_HOUR, "Arnaud", "PMI", "PRIORITY", "C-16", 4);

    desk_counts_t c;
    s_count_2027(m, &c);
    assert_int_equal(c.referrals[0][S_SCHOOL_HEAD], 1);
    assert_int_equal(c.referrals[0][S_PMI], 2); /* C-2's and the one that joined C-1; not the copy */
    assert_int_equal(c.referrals[0][S_TEACHER], 1);
    assert_int_equal(c.referrals[0][S_OTHER], 1);
    assert_int_equal(c.referrals[0][S_CMP], 1);
    assert_int_equal(c.referrals[1][S_CMP], 1);
    assert_int_equal(c.referrals[0][DESK_SOURCES - 1], 0);
    assert_int_equal(c.states[RELAIS_CASE_ACCEPTED], 1);
    assert_int_equal(c.states[RELAIS_CASE_DECLINED], 1);
    assert_int_equal(c.states[RELAIS_CASE_SUBMITTED], 2); /* C-3 and the split's C-16 */
    assert_int_equal(c.states[RELAIS_CASE_ENTERED_IN_ERROR], 1); /* C-6; C-5 counts with C-1 */
    assert_int_equal(c.triage[1][0], 1); /* priority, within the target */
    assert_int_equal(c.triage[2][1], 1); /* routine, late */
    assert_int_equal(c.triage[0][0] + c.triage[0][1] + c.triage[1][1] + c.triage[2][0], 0);
    assert_false(c.incomplete);

    /* Another period: nothing of it; no period: refused. */
    desk_counts_t d = c;
    d.first_month = S_JANUARY_2027 - 12;
    d.from_ms = c.from_ms - 365 * S_DAY;
    d.to_ms = c.from_ms;
    assert_int_equal(desk_model_count(m, &d), 0);
    assert_int_equal(d.referrals[0][S_PMI] + d.states[RELAIS_CASE_ACCEPTED] + d.triage[1][0], 0);
    d.to_ms = d.from_ms;
    assert_int_equal(desk_model_count(m, &d), RELAIS_E_INVALID);

    /* The sweep archives C-3: its referral and its state leave the charts with it. */
    desk_fixture_deliver(m, 17, S_T0, "relais-hub", "{\"privacy\": {\"kind\": \"ARCHIVED\", \"case_id\": \"C-3\"}}", NULL, 0, 0);
    s_count_2027(m, &c);
    assert_int_equal(c.referrals[1][S_CMP], 0);
    assert_int_equal(c.states[RELAIS_CASE_SUBMITTED], 1);

    relais_cases_policy_t policy;
    desk_model_policy(m, &policy);
    assert_int_equal(policy.hours[1], 2);
    desk_model_free(&m);
}

/* The deadline of an urgent referral counts in working hours, as the list's does: a decision on a
 * Friday evening's referral on Monday morning is in time. */
static void test_model_triage_working_hours(void **state)
{
    (void)state;
    relais_cases_policy_t policy;
    relais_cases_policy_default(&policy); /* urgent: 4 working hours, 09:00-18:00, Monday to Friday */
    desk_model_t *m = NULL;
    assert_int_equal(desk_model_new(&policy, &m), 0);
    const int64_t friday_17h = 1800637200000LL; /* 2027-01-22 17:00 UTC, a Friday: due Monday 12:00 */
    const int64_t monday_noon = friday_17h + 67 * S_HOUR;
    s_referral(m, 1, friday_17h, "Fabre", "PMI", "URGENT", "C-1", 0);
    desk_fixture_move(m, 2, monday_noon - 3 * S_HOUR, "C-1", "SUBMITTED", "TRIAGE", NULL, RELAIS_CASE_TRIAGE);
    desk_fixture_move(m, 3, monday_noon, "C-1", "TRIAGE", "ACCEPTED", NULL, RELAIS_CASE_ACCEPTED); /* at the deadline: in time */
    s_referral(m, 4, friday_17h, "Garnier", "PMI", "URGENT", "C-4", 0);
    desk_fixture_move(m, 5, monday_noon - S_HOUR, "C-4", "SUBMITTED", "TRIAGE", NULL, RELAIS_CASE_TRIAGE);
    desk_fixture_move(m, 6, monday_noon + 1000, "C-4", "TRIAGE", "AWAITING_AGREEMENT", NULL,
           RELAIS_CASE_AWAITING_AGREEMENT); /* a second past it: late */
    desk_counts_t c;
    s_count_2027(m, &c);
    assert_int_equal(c.triage[0][0], 1);
    assert_int_equal(c.triage[0][1], 1);
    desk_model_free(&m);
}

/* ---- The figures after the rule ----------------------------------------------------------------- */

static void test_figures_small_cells(void **state)
{
    (void)state;
    desk_counts_t c = {0};
    /* December: 6 from the school head, 6 from the PMI, 2 from the CMP. The CMP's 2 is secret;
     * alone, it would be 14 - 6 - 6: the smaller of the others goes too, the first on a tie. */
    c.referrals[11][S_SCHOOL_HEAD] = 6;
    c.referrals[11][S_PMI] = 6;
    c.referrals[11][S_CMP] = 2;
    c.states[RELAIS_CASE_SUBMITTED] = 9;
    c.states[RELAIS_CASE_ACCEPTED] = 5;
    /* Priority: 9 in time, 2 late: the 2 is secret, and so the 9 (11 - 2); the 11 stays. */
    c.triage[1][0] = 9;
    c.triage[1][1] = 2;
    c.triage[2][0] = 6;
    desk_figures_t f;
    assert_int_equal(desk_figures_make(&c, RELAIS_STATS_THRESHOLD_DEFAULT, &f), 0);
    assert_int_equal(f.threshold, 5);

    const desk_chart_t *r = &f.referrals;
    assert_false(r->withheld);
    assert_int_equal(r->total, 14);
    assert_int_equal(r->part[11].count, 14);
    assert_false(desk_figure_secret(r, 11, -1));
    assert_true(desk_figure_secret(r, 11, S_SCHOOL_HEAD));
    assert_false(desk_figure_secret(r, 11, S_PMI));
    assert_int_equal(r->kind[11][S_PMI].count, 6);
    assert_true(desk_figure_secret(r, 11, S_CMP));
    assert_false(desk_figure_secret(r, 11, S_TEACHER)); /* zeros are published */
    assert_false(desk_figure_secret(r, 0, -1));

    const desk_chart_t *s = &f.states;
    assert_int_equal(s->parts, RELAIS_CASE_STATE_COUNT - 1);
    assert_int_equal(s->part[RELAIS_CASE_ACCEPTED - RELAIS_CASE_SUBMITTED].count, 5);
    for (size_t p = 0; p < s->parts; p++)
        assert_false(desk_figure_secret(s, p, -1));

    const desk_chart_t *t = &f.triage;
    assert_int_equal(t->total, 17);
    assert_false(desk_figure_secret(t, 1, -1));
    assert_true(desk_figure_secret(t, 1, 0));
    assert_true(desk_figure_secret(t, 1, 1));
    /* the urgencies: urgent 0, priority 11, routine 6: none under 5 */
    assert_false(desk_figure_secret(t, 2, -1));
    assert_false(desk_figure_secret(t, 2, 0));
    assert_false(desk_figure_secret(t, 2, 1));
    assert_false(desk_figure_secret(t, 0, -1));
}

static void test_figures_withheld(void **state)
{
    (void)state;
    desk_counts_t c = {0};
    desk_figures_t f;
    /* Nothing: every total 0, published (it names no one). */
    assert_int_equal(desk_figures_make(&c, 5, &f), 0);
    assert_false(f.referrals.withheld);
    assert_false(f.states.withheld);
    assert_int_equal(f.states.total, 0);

    /* Rule 1: 3 cases are secret whole, every figure. */
    c.states[RELAIS_CASE_SUBMITTED] = 3;
    /* Rule 4: 6 referrals, each alone in its month: no suppression protects them. */
    for (int m = 0; m < 6; m++)
        c.referrals[m][S_PMI] = 1;
    /* Rule 1 for the triage: 4 decisions. */
    c.triage[0][0] = 4;
    assert_int_equal(desk_figures_make(&c, 5, &f), 0);
    assert_true(f.states.withheld);
    assert_true(desk_figure_secret(&f.states, RELAIS_CASE_ACCEPTED - RELAIS_CASE_SUBMITTED, -1)); /* a 0 too */
    assert_true(f.referrals.withheld);
    assert_true(desk_figure_secret(&f.referrals, 7, S_TEACHER));
    assert_true(f.triage.withheld);

    /* A month's sources that cannot be protected (5 referrals, each from another source) are
     * withheld alone: the month's 5 stays, and the other months. */
    memset(&c, 0, sizeof c);
    c.referrals[3][S_SCHOOL_HEAD] = c.referrals[3][S_TEACHER] = c.referrals[3][S_PMI] = c.referrals[3][S_CMP] =
        c.referrals[3][S_OTHER] = 1;
    c.referrals[4][S_PMI] = 7;
    assert_int_equal(desk_figures_make(&c, 5, &f), 0);
    assert_false(f.referrals.withheld);
    assert_false(desk_figure_secret(&f.referrals, 3, -1));
    assert_int_equal(f.referrals.part[3].count, 5);
    assert_true(f.referrals.kinds_withheld[3]);
    assert_true(desk_figure_secret(&f.referrals, 3, S_PARENT));
    assert_false(desk_figure_secret(&f.referrals, 4, S_PMI));
    assert_false(desk_figure_secret(&f.referrals, 4, S_CMP));

    /* A month under the threshold is secret, and its sources with it; another month goes with it
     * (alone, it would be the total less the others). */
    memset(&c, 0, sizeof c);
    c.referrals[0][S_PMI] = 2;
    c.referrals[1][S_PMI] = 6;
    c.referrals[2][S_PMI] = 8;
    assert_int_equal(desk_figures_make(&c, 5, &f), 0);
    assert_true(desk_figure_secret(&f.referrals, 0, -1));
    assert_true(f.referrals.kinds_withheld[0]);
    assert_true(desk_figure_secret(&f.referrals, 0, S_PMI));
    assert_true(desk_figure_secret(&f.referrals, 1, -1));
    assert_false(desk_figure_secret(&f.referrals, 2, -1));
    assert_false(desk_figure_secret(&f.referrals, 2, S_PMI));

    assert_int_equal(desk_figures_make(NULL, 5, &f), RELAIS_E_INVALID);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_facts),
        cmocka_unit_test(test_model_triage_working_hours),
        cmocka_unit_test(test_figures_small_cells),
        cmocka_unit_test(test_figures_withheld),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
