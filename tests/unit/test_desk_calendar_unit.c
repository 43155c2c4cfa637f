/* test_desk_calendar_unit.c -- the review calendar without a server: what the model hands it (reviews of
 * the open cases that are not paused, the meetings, a case archived leaving both), the iCalendar
 * it writes (lines folded at 75 octets between characters, CRLF, text escaped, all-day events,
 * the day after the end of a month or a year), and the subscription (only its hash kept, kept in
 * the state folder across a reopening, replaced, revoked, a folder or file others may read and
 * another person's file refused). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "desk_feed_fixture.h"
#include "desk_internal.h"

#define S_T0 (1800000000000LL)

/* ---- The model ------------------------------------------------------------------------------------- */

static void s_referral(desk_model_t *m, uint64_t seq, const char *family, const char *case_id)
{
    char json[2048];
    snprintf(json, sizeof json,
             "{\"referral\": {\"referrer\": {\"organisation\": \"Collège Marie Curie\", \"role\": \"SCHOOL_HEAD\"},"
             " \"child\": {\"family_name\": \"%s\", \"given_names\": [\"Lina\"], \"birth_date\": \"2014-03-12\","
             " \"school\": \"Collège Marie-Curie\"}, \"domains\": [\"EDUCATIONAL\"], \"description\": \"x\","
             " \"urgency\": \"ROUTINE\", \"consent\": {\"recorded_by\": \"H. G.\", \"recorded_ms\": 1795422600000,"
             " \"given_by\": \"la mère\"}}}",
             family);
    desk_fixture_deliver(m, seq, S_T0, "college-curie", json, case_id, RELAIS_CASE_SUBMITTED, 0);
}

static void s_meeting(desk_model_t *m, uint64_t seq, const char *id, const char *date, const char *case_id,
                      const char *review, relais_case_state_t state)
{
    char json[1024];
    snprintf(json, sizeof json,
             "{\"meeting\": {\"meeting_id\": \"%s\", \"date\": \"%s\", \"present\": [{\"name\": \"Mme Roux\", "
             "\"role\": \"psychologue\", \"organisation\": \"CMP\"}], \"case_id\": \"%s\", \"decision\": \"Lina "
             "Benali va mieux\"%s%s%s}}",
             id, date, case_id, review ? ", \"next_review_date\": \"" : "", review ? review : "", review ? "\"" : "");
    desk_fixture_deliver(m, seq, S_T0, "coordination", json, case_id, state, 0);
}

static desk_model_t *s_model(void)
{
    relais_cases_policy_t policy;
    relais_cases_policy_default(&policy);
    desk_model_t *m = NULL;
    assert_int_equal(desk_model_new(&policy, &m), 0);
    return m;
}

/* "C-1@2027-06-01 C-3@..." of the reviews, "M-...@date:C-1,C-2 ..." of the meetings. */
static void s_calendar(desk_model_t *m, char *reviews, char *meetings, size_t cap)
{
    desk_cal_t cal;
    assert_int_equal(desk_model_calendar(m, &cal), 0);
    assert_false(cal.incomplete);
    reviews[0] = meetings[0] = '\0';
    for (size_t i = 0; i < cal.review_count; i++) {
        time_t t = (time_t)(cal.reviews[i].review_ms / 1000);
        struct tm tm;
        gmtime_r(&t, &tm);
        snprintf(reviews + strlen(reviews), cap - strlen(reviews), "%s%s@%04d-%02d-%02d", i ? " " : "",
                 cal.reviews[i].case_id, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    }
    for (size_t i = 0; i < cal.meeting_count; i++) {
        snprintf(meetings + strlen(meetings), cap - strlen(meetings), "%s%s@%s:", i ? " " : "", cal.meetings[i].id,
                 cal.meetings[i].date);
        for (size_t j = 0; j < cal.meetings[i].case_count; j++)
            snprintf(meetings + strlen(meetings), cap - strlen(meetings), "%s%s", j ? "," : "",
                     cal.meetings[i].cases[j]);
    }
    desk_cal_free(&cal);
}

static void test_model_calendar(void **state)
{
    (void)state;
    desk_model_t *m = s_model();
    char reviews[512], meetings[512];
    s_calendar(m, reviews, meetings, sizeof reviews);
    assert_string_equal(reviews, "");
    assert_string_equal(meetings, "");
    s_referral(m, 1, "Benali", "C-1");
    s_referral(m, 2, "Martin", "C-2");
    s_referral(m, 3, "Durand", "C-3");
    s_referral(m, 4, "Roux", "C-4");
    const char *ids[] = {"C-1", "C-2", "C-3"};
    uint64_t seq = 5;
    for (size_t i = 0; i < 3; i++) {
        desk_fixture_move(m, seq++, S_T0, ids[i], "SUBMITTED", "TRIAGE", NULL, RELAIS_CASE_TRIAGE);
        desk_fixture_move(m, seq++, S_T0, ids[i], "TRIAGE", "ACCEPTED", ", \"next_review_date\": \"2027-06-01\"", RELAIS_CASE_ACCEPTED);
    }
    desk_fixture_move(m, seq++, S_T0, "C-3", "ACCEPTED", "ACCEPTED", ", \"next_review_date\": \"2027-05-02\"", RELAIS_CASE_ACCEPTED);
    s_calendar(m, reviews, meetings, sizeof reviews);
    assert_string_equal(reviews, "C-3@2027-05-02 C-1@2027-06-01 C-2@2027-06-01"); /* by day, then number */
    /* Paused: its review waits, as its deadline does; entered in error: no longer open. */
    desk_fixture_move(m, seq++, S_T0, "C-2", "ACCEPTED", "PAUSED", NULL, RELAIS_CASE_PAUSED);
    desk_fixture_move(m, seq++, S_T0, "C-3", "ACCEPTED", "ENTERED_IN_ERROR", NULL, RELAIS_CASE_ENTERED_IN_ERROR);
    /* A meeting of C-1 (a new review) and C-2 (paused, reviewed all the same), recorded in two goes,
     * C-1 twice; another meeting before it, of C-4 only. */
    s_meeting(m, seq++, "M-20261203-ab12", "2026-12-03", "C-1", "2027-01-15", RELAIS_CASE_ACCEPTED);
    s_meeting(m, seq++, "M-20261203-ab12", "2026-12-03", "C-2", NULL, RELAIS_CASE_PAUSED);
    s_meeting(m, seq++, "M-20261203-ab12", "2026-12-03", "C-1", NULL, RELAIS_CASE_ACCEPTED);
    s_meeting(m, seq++, "M-20261105-x9", "2026-11-05", "C-4", NULL, RELAIS_CASE_SUBMITTED);
    /* A meeting of a case the desk does not know is none of its calendar. */
    s_meeting(m, seq++, "M-20261203-ab12", "2026-12-03", "C-99", NULL, RELAIS_CASE_ACCEPTED);
    s_calendar(m, reviews, meetings, sizeof reviews);
    assert_string_equal(reviews, "C-1@2027-01-15");
    assert_string_equal(meetings, "M-20261105-x9@2026-11-05:C-4 M-20261203-ab12@2026-12-03:C-1,C-2");
    /* Archived, a case leaves its meetings; a meeting left with none goes too. */
    desk_fixture_deliver(m, seq++, S_T0, "relais-hub", "{\"privacy\": {\"kind\": \"ARCHIVED\", \"case_id\": \"C-1\"}}", NULL, 0, 0);
    desk_fixture_deliver(m, seq++, S_T0, "relais-hub", "{\"privacy\": {\"kind\": \"ERASED\", \"case_id\": \"C-4\"}}", NULL, 0, 0);
    s_calendar(m, reviews, meetings, sizeof reviews);
    assert_string_equal(reviews, "");
    assert_string_equal(meetings, "M-20261203-ab12@2026-12-03:C-2");
    desk_model_free(&m);
}

/* ---- The file ---------------------------------------------------------------------------------------- */

/* Every line ends with CRLF and is at most 75 octets; a continuation never begins inside a
 * character. Returns the file unfolded (caller frees). */
static char *s_unfold_checked(const char *ics)
{
    char *out = calloc(1, strlen(ics) + 1);
    assert_non_null(out);
    const char *p = ics;
    while (*p) {
        const char *end = strstr(p, "\r\n");
        assert_non_null(end);
        assert_true(end - p <= 75);
        assert_null(memchr(p, '\n', (size_t)(end - p)));
        if (*p == ' ') {
            assert_true(((unsigned char)p[1] & 0xc0) != 0x80); /* not inside a character */
            strncat(out, p + 1, (size_t)(end - p - 1));
        } else {
            if (*out)
                strcat(out, "\n");
            strncat(out, p, (size_t)(end - p));
        }
        p = end + 2;
    }
    return out;
}

static void test_write(void **state)
{
    (void)state;
    desk_cal_t cal = {0};
    desk_cal_review_t reviews[2] = {
        {.case_id = "C-12", .state = RELAIS_CASE_FOLLOW_UP, .review_ms = 1803772800000LL}, /* 2027-02-28 */
        {.case_id = "C-7", .state = RELAIS_CASE_ACCEPTED, .review_ms = 1830211200000LL},   /* 2027-12-31 */
    };
    desk_cal_meeting_t *mt = calloc(1, sizeof *mt);
    assert_non_null(mt);
    snprintf(mt->id, sizeof mt->id, "M-20280228-zz");
    snprintf(mt->date, sizeof mt->date, "2028-02-28");
    mt->case_count = DESK_CAL_MEETING_CASES + 3;
    for (size_t i = 0; i < DESK_CAL_MEETING_CASES; i++)
        snprintf(mt->cases[i], sizeof mt->cases[i], "C-%zu", 1000 + i);
    cal.reviews = reviews;
    cal.review_count = 2;
    cal.meetings = mt;
    cal.meeting_count = 1;
    desk_buf_t b = {0};
    /* A person's name with what TEXT escapes, and accents to fold across. */
    assert_int_equal(desk_calendar_write(&cal, "coord; équipe, nord\\sud", RELAIS_CLI_FR, 1796000000000LL, &b), 0);
    char *u = s_unfold_checked(b.data);
    assert_non_null(strstr(u, "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:"));
    assert_non_null(strstr(u, "\nCALSCALE:GREGORIAN\nMETHOD:PUBLISH\n"));
    assert_non_null(
        strstr(u, "\nX-WR-CALNAME:relais \xe2\x80\x94 bilans et instances (coord\\; équipe\\, nord\\\\sud)\n"));
    assert_non_null(strstr(u, "\nUID:review-C-12-20270228@relais\nDTSTAMP:20261130T"));
    assert_non_null(strstr(u, "\nDTSTART;VALUE=DATE:20270228\nDTEND;VALUE=DATE:20270301\nSUMMARY:Bilan C-12\n"));
    assert_non_null(strstr(u, "\nDTSTART;VALUE=DATE:20271231\nDTEND;VALUE=DATE:20280101\n"));
    assert_non_null(strstr(u, "\nUID:meeting-M-20280228-zz@relais\n"));
    assert_non_null(strstr(u, "\nDTSTART;VALUE=DATE:20280228\nDTEND;VALUE=DATE:20280229\n")); /* a leap year */
    assert_non_null(strstr(u, "DESCRIPTION:Instance partenariale M-20280228-zz : 67 dossiers examinés (C-1000\\, "
                              "C-1001\\,"));
    assert_non_null(strstr(u, "C-1063 et 3 autres).\n"));
    assert_non_null(strstr(u, "\nEND:VEVENT\nEND:VCALENDAR"));
    assert_int_equal(b.len, strlen(b.data));
    assert_string_equal(b.data + b.len - 15, "END:VCALENDAR\r\n");
    free(u);
    desk_buf_free(&b);
    assert_int_equal(desk_calendar_write(&cal, "coordination", RELAIS_CLI_EN, 1796000000000LL, &b), 0);
    u = s_unfold_checked(b.data);
    assert_non_null(strstr(u, "\nSUMMARY:Review C-7\nDESCRIPTION:Next review of case C-7 (state: "));
    assert_non_null(strstr(u, "\nSUMMARY:Partnership meeting\n"));
    free(u);
    desk_buf_free(&b);
    free(mt);
}

/* ---- The subscription ---------------------------------------------------------------------------------- */

static char s_dir[64];

static int s_setup(void **state)
{
    (void)state;
    snprintf(s_dir, sizeof s_dir, "%s", "/tmp/relais-desk-cal-XXXXXX");
    return mkdtemp(s_dir) ? 0 : -1;
}

static int s_teardown(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/state/calendar-subscription", s_dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/state", s_dir);
    rmdir(path);
    return rmdir(s_dir);
}

static void test_subscription(void **state)
{
    (void)state;
    assert_true(sodium_init() >= 0);
    char dir[128], file[160], token[DESK_TOKEN_LEN], old[DESK_TOKEN_LEN];
    snprintf(dir, sizeof dir, "%s/state", s_dir);
    snprintf(file, sizeof file, "%s/calendar-subscription", dir);
    desk_cal_sub_t sub;
    int64_t made = 0;
    assert_int_equal(desk_calendar_open(&sub, dir, "coordination"), 0);
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(desk_calendar_subscribed(&sub, &made), 0);
    assert_int_equal(desk_calendar_token_ok(&sub, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), RELAIS_E_NOT_FOUND);
    assert_int_equal(desk_calendar_revoke(&sub), RELAIS_E_NOT_FOUND);
    assert_int_equal(desk_calendar_subscribe(&sub, "coordination", token), 0);
    assert_int_equal(strlen(token), DESK_TOKEN_LEN - 1);
    assert_int_equal(desk_calendar_subscribed(&sub, &made), 1);
    assert_true(made > 1700000000000LL);
    assert_int_equal(desk_calendar_token_ok(&sub, token), 0);
    /* Another token, a prefix, one longer, nothing: refused. */
    char other[DESK_TOKEN_LEN + 1];
    memcpy(other, token, DESK_TOKEN_LEN);
    other[5] = other[5] == 'A' ? 'B' : 'A';
    assert_int_equal(desk_calendar_token_ok(&sub, other), RELAIS_E_NOT_FOUND);
    memcpy(other, token, DESK_TOKEN_LEN);
    other[42] = '\0';
    assert_int_equal(desk_calendar_token_ok(&sub, other), RELAIS_E_NOT_FOUND);
    memcpy(other, token, DESK_TOKEN_LEN - 1);
    other[43] = 'A';
    other[44] = '\0';
    assert_int_equal(desk_calendar_token_ok(&sub, other), RELAIS_E_NOT_FOUND);
    assert_int_equal(desk_calendar_token_ok(&sub, NULL), RELAIS_E_NOT_FOUND);
    /* On disk: 0600, its hash, never the token. */
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char text[512] = "", hex[65];
    FILE *f = fopen(file, "r");
    assert_non_null(f);
    size_t got = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[got] = '\0';
    assert_null(strstr(text, token));
    uint8_t hash[32];
    crypto_hash_sha256(hash, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
    assert_non_null(strstr(text, hex));
    desk_calendar_close(&sub);
    /* Opened again: the same subscription. */
    assert_int_equal(desk_calendar_open(&sub, dir, "coordination"), 0);
    assert_int_equal(desk_calendar_token_ok(&sub, token), 0);
    /* Replaced: the old token is refused. */
    memcpy(old, token, sizeof old);
    assert_int_equal(desk_calendar_subscribe(&sub, "coordination", token), 0);
    assert_int_equal(desk_calendar_token_ok(&sub, old), RELAIS_E_NOT_FOUND);
    assert_int_equal(desk_calendar_token_ok(&sub, token), 0);
    desk_calendar_close(&sub);
    /* Another person's desk does not take it. */
    assert_int_equal(desk_calendar_open(&sub, dir, "coord-bureau"), RELAIS_E_INVALID);
    assert_non_null(strstr(relais_status_detail(), "the subscription of coordination's desk"));
    desk_calendar_close(&sub);
    /* A file others may read, or a folder others may enter: refused. */
    assert_int_equal(chmod(file, 0640), 0);
    assert_int_equal(desk_calendar_open(&sub, dir, "coordination"), RELAIS_E_INVALID);
    desk_calendar_close(&sub);
    assert_int_equal(chmod(file, 0600), 0);
    assert_int_equal(chmod(dir, 0750), 0);
    assert_int_equal(desk_calendar_open(&sub, dir, "coordination"), RELAIS_E_INVALID);
    desk_calendar_close(&sub);
    assert_int_equal(chmod(dir, 0700), 0);
    /* Revoked: refused at once, and the file gone. */
    assert_int_equal(desk_calendar_open(&sub, dir, "coordination"), 0);
    assert_int_equal(desk_calendar_revoke(&sub), 0);
    assert_int_equal(desk_calendar_token_ok(&sub, token), RELAIS_E_NOT_FOUND);
    assert_int_equal(desk_calendar_subscribed(&sub, NULL), 0);
    assert_int_equal(stat(file, &st), -1);
    desk_calendar_close(&sub);
    assert_int_equal(desk_calendar_open(&sub, dir, "coordination"), 0);
    assert_int_equal(desk_calendar_token_ok(&sub, token), RELAIS_E_NOT_FOUND);
    desk_calendar_close(&sub);
    /* A file it did not write: refused, not taken for none. */
    f = fopen(file, "w");
    assert_non_null(f);
    fputs("relais-desk-calendar 1\nperson coordination\nsha256 zz\nmade 0\n", f);
    fclose(f);
    assert_int_equal(chmod(file, 0600), 0);
    assert_int_equal(desk_calendar_open(&sub, dir, "coordination"), RELAIS_E_MALFORMED);
    desk_calendar_close(&sub);
    /* In memory only: the same, with nothing written. */
    assert_int_equal(desk_calendar_open(&sub, NULL, "coordination"), 0);
    assert_int_equal(desk_calendar_subscribe(&sub, "coordination", token), 0);
    assert_int_equal(desk_calendar_token_ok(&sub, token), 0);
    assert_int_equal(desk_calendar_revoke(&sub), 0);
    assert_int_equal(desk_calendar_token_ok(&sub, token), RELAIS_E_NOT_FOUND);
    desk_calendar_close(&sub);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_calendar),
        cmocka_unit_test(test_write),
        cmocka_unit_test_setup_teardown(test_subscription, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
