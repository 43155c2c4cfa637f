/* test_desk_unit.c -- the desk's parts without a server: text made safe for HTML, sessions and one-time
 * tokens, and the model its feed keeps (the fold of records, the work list's order, filters and
 * search, cases leaving with the sweep, the events for the streams). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "desk_feed_fixture.h"
#include "desk_internal.h"

/* ---- HTML ----------------------------------------------------------------------------------------- */

static char *s_text(const char *in, int lines)
{
    desk_buf_t b = {0};
    desk_buf_put(&b, "[");
    if (lines)
        desk_buf_lines(&b, in);
    else
        desk_buf_text(&b, in);
    desk_buf_put(&b, "]");
    assert_false(b.failed);
    return b.data;
}

static void test_html_text(void **state)
{
    (void)state;
    char *t = s_text("<script>alert(1)</script>", 0);
    assert_string_equal(t, "[&lt;script&gt;alert(1)&lt;/script&gt;]");
    free(t);
    t = s_text("a \"b\" & 'c'", 0);
    assert_string_equal(t, "[a &quot;b&quot; &amp; &#39;c&#39;]");
    free(t);
    /* Controls are escaped as the terminal's pages escape them: a line break on one line, an
     * escape sequence, a right-to-left override. */
    t = s_text("L1\nL2\x1b[2J\xe2\x80\xaegnp.exe", 0);
    assert_string_equal(t, "[L1\\nL2\\x1b[2J\\u202egnp.exe]");
    free(t);
    /* A text over lines keeps its line breaks, each line escaped. */
    t = s_text("Ligne <1>\r\nLigne 2\n", 1);
    assert_string_equal(t, "[Ligne &lt;1&gt;\nLigne 2\n]");
    free(t);
    t = s_text("caf\xc3\xa9 \xff", 0); /* accents kept, a byte that is no UTF-8 escaped */
    assert_string_equal(t, "[caf\xc3\xa9 \\xff]");
    free(t);
}

/* ---- Sessions and tokens --------------------------------------------------------------------------- */

static relais_desk_t *s_desk(int64_t idle_ms)
{
    relais_desk_t *d = calloc(1, sizeof *d);
    assert_non_null(d);
    pthread_mutex_init(&d->lock, NULL);
    d->idle_ms = idle_ms;
    return d;
}

static void s_desk_free(relais_desk_t *d)
{
    pthread_mutex_destroy(&d->lock);
    free(d);
}

static void test_sessions(void **state)
{
    (void)state;
    relais_desk_t *d = s_desk(60000);
    desk_session_t a, b, found;
    desk_session_open(d, RELAIS_CLI_FR, &a);
    desk_session_open(d, RELAIS_CLI_EN, &b);
    assert_int_equal(strlen(a.id), DESK_TOKEN_LEN - 1);
    assert_string_not_equal(a.id, b.id);
    assert_string_not_equal(a.id, a.csrf);
    assert_int_equal(desk_session_find(d, a.id, 1, &found), 0);
    assert_string_equal(found.csrf, a.csrf);
    assert_int_equal(found.lang, RELAIS_CLI_FR);
    desk_session_set_lang(d, a.id, RELAIS_CLI_EN);
    assert_int_equal(desk_session_find(d, a.id, 0, &found), 0);
    assert_int_equal(found.lang, RELAIS_CLI_EN);
    /* Another value, a prefix, nothing: no session. */
    char other[DESK_TOKEN_LEN];
    memcpy(other, a.id, sizeof other);
    other[0] = other[0] == 'A' ? 'B' : 'A';
    assert_int_equal(desk_session_find(d, other, 0, &found), RELAIS_E_NOT_FOUND);
    other[0] = a.id[0];
    other[10] = '\0';
    assert_int_equal(desk_session_find(d, other, 0, &found), RELAIS_E_NOT_FOUND);
    assert_int_equal(desk_session_find(d, NULL, 0, &found), RELAIS_E_NOT_FOUND);
    desk_session_close(d, a.id);
    assert_int_equal(desk_session_find(d, a.id, 0, &found), RELAIS_E_NOT_FOUND);
    assert_int_equal(desk_session_find(d, b.id, 0, &found), 0);
    /* All taken: the least recently used goes. */
    desk_session_t first;
    desk_session_open(d, RELAIS_CLI_FR, &first);
    usleep(2000);
    for (int i = 0; i < DESK_MAX_SESSIONS; i++) {
        desk_session_t s;
        desk_session_open(d, RELAIS_CLI_FR, &s);
        if (i == 0)
            assert_int_equal(desk_session_find(d, b.id, 1, &found), 0); /* b in use */
    }
    assert_int_equal(desk_session_find(d, first.id, 0, &found), RELAIS_E_NOT_FOUND);
    s_desk_free(d);
}

static void test_idle_sessions_end(void **state)
{
    (void)state;
    relais_desk_t *d = s_desk(1000);
    desk_session_t s, found;
    desk_session_open(d, RELAIS_CLI_FR, &s);
    usleep(600 * 1000);
    assert_int_equal(desk_session_find(d, s.id, 1, &found), 0); /* in use: lives on */
    usleep(600 * 1000);
    assert_int_equal(desk_session_find(d, s.id, 0, &found), 0); /* 0.6 s since its last use */
    usleep(600 * 1000);
    assert_int_equal(desk_session_find(d, s.id, 0, &found), RELAIS_E_NOT_FOUND); /* untouched: 1.2 s */
    s_desk_free(d);
}

static void test_tokens_once(void **state)
{
    (void)state;
    relais_desk_t *d = s_desk(60000);
    char t[DESK_TOKEN_LEN], u[DESK_TOKEN_LEN];
    assert_int_equal(desk_token_new(d, t), 0);
    assert_int_equal(desk_token_new(d, u), 0);
    assert_int_equal(strlen(t), 43);
    assert_int_equal(desk_token_take(d, "nope"), RELAIS_E_NOT_FOUND);
    assert_int_equal(desk_token_take(d, t), 0);
    assert_int_equal(desk_token_take(d, t), RELAIS_E_NOT_FOUND);
    assert_int_equal(desk_token_take(d, u), 0);
    for (int i = 0; i < DESK_MAX_TOKENS; i++)
        assert_int_equal(desk_token_new(d, t), 0);
    assert_int_equal(desk_token_new(d, u), RELAIS_E_UNAVAILABLE);
    assert_int_equal(desk_token_take(d, t), 0);
    assert_int_equal(desk_token_new(d, u), 0);
    s_desk_free(d);
}

/* ---- The model ------------------------------------------------------------------------------------- */

#define S_HOUR (3600 * 1000LL)
#define S_T0 (1800000000000LL)

typedef struct {
    uint8_t *record;
    size_t len;
} s_record_t;

static void s_referral(desk_model_t *m, uint64_t seq, int64_t at, const char *family, const char *given,
                       const char *urgency, const char *case_id)
{
    char json[2048];
    snprintf(json, sizeof json,
             "{\"referral\": {\"referrer\": {\"organisation\": \"Collège Marie Curie\", \"role\": \"SCHOOL_HEAD\"},"
             " \"child\": {\"family_name\": \"%s\", \"given_names\": [\"%s\"], \"birth_date\": \"2014-03-12\","
             " \"school\": \"Collège Marie-Curie\"}, \"domains\": [\"EDUCATIONAL\"], \"description\": \"x\","
             " \"urgency\": \"%s\", \"consent\": {\"recorded_by\": \"H. G.\", \"recorded_ms\": 1795422600000,"
             " \"given_by\": \"la mère\"}}}",
             family, given, urgency);
    desk_fixture_deliver(m, seq, at, "college-curie", json, case_id, RELAIS_CASE_SUBMITTED, 0);
}

/* The ids of the list `f` keeps at `now`, joined by spaces. */
static void s_ids(desk_model_t *m, const desk_filter_t *f, int64_t now, char *out, size_t cap)
{
    desk_row_t *rows = NULL;
    size_t n = 0;
    assert_int_equal(desk_model_rows(m, f, now, &rows, &n), 0);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf(out + strlen(out), cap - strlen(out), "%s%s", i ? " " : "", rows[i].case_id);
    free(rows);
}

static void test_model_order(void **state)
{
    (void)state;
    desk_model_t *m = desk_fixture_model();
    s_referral(m, 1, S_T0, "Benali", "Lina", "PRIORITY", "C-1");              /* due T0 + 2 h */
    s_referral(m, 2, S_T0 + 2 * S_HOUR, "Martin", "Tom", "URGENT", "C-2");    /* due T0 + 3 h */
    s_referral(m, 3, S_T0, "Durand", "Léa", "ROUTINE", "C-3");                /* due T0 + 3 h */
    s_referral(m, 4, S_T0 + S_HOUR, "BÉNALI", "LINA", "PRIORITY", "C-1");     /* joins C-1 */
    desk_filter_t open = {0};
    char ids[256];
    s_ids(m, &open, S_T0 + 150 * 60000, ids, sizeof ids);
    assert_string_equal(ids, "C-1 C-2 C-3"); /* C-1 overdue; C-2 and C-3 due together: by number */
    desk_row_t r;
    assert_int_equal(desk_model_row(m, "C-1", S_T0 + 150 * 60000, &r), 0);
    assert_true(r.overdue);
    assert_string_equal(r.child, "Lina B. (2014)");
    assert_string_equal(r.referrers, "Collège Marie Curie");
    assert_int_equal(desk_model_row(m, "C-9", 0, &r), RELAIS_E_NOT_FOUND);
    /* The overdue first, whatever their due dates: C-3 overdue at T0 + 3 h 30, C-2 too. */
    desk_fixture_move(m, 5, S_T0 + 150 * 60000, "C-1", "SUBMITTED", "TRIAGE", NULL, RELAIS_CASE_TRIAGE);
    s_ids(m, &open, S_T0 + 210 * 60000, ids, sizeof ids);
    assert_string_equal(ids, "C-1 C-2 C-3");
    /* A review date far ahead: C-1 is no longer overdue and comes after the others. */
    desk_fixture_move(m, 6, S_T0 + 160 * 60000, "C-1", "TRIAGE", "ACCEPTED", NULL, RELAIS_CASE_ACCEPTED);
    desk_fixture_move(m, 7, S_T0 + 170 * 60000, "C-1", "ACCEPTED", "ACCEPTED", ", \"next_review_date\": \"2027-06-01\"",
           RELAIS_CASE_ACCEPTED);
    s_ids(m, &open, S_T0 + 210 * 60000, ids, sizeof ids);
    assert_string_equal(ids, "C-2 C-3 C-1");
    /* A page of that order, and the total; a page past the end is the last one. */
    desk_row_t *rows = NULL;
    size_t first = 1, n = 0, total = 0;
    assert_int_equal(desk_model_page(m, &open, S_T0 + 210 * 60000, &first, 1, &rows, &n, &total), 0);
    assert_int_equal(n, 1);
    assert_int_equal(total, 3);
    assert_string_equal(rows[0].case_id, "C-3");
    free(rows);
    first = 7;
    assert_int_equal(desk_model_page(m, &open, S_T0 + 210 * 60000, &first, 2, &rows, &n, &total), 0);
    assert_int_equal(first, 2);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].case_id, "C-1");
    free(rows);
    desk_model_free(&m);
}

static void test_model_filters_and_search(void **state)
{
    (void)state;
    desk_model_t *m = desk_fixture_model();
    s_referral(m, 1, S_T0, "BÉNALI", "Lina", "PRIORITY", "C-1");
    s_referral(m, 2, S_T0, "Martin", "Tom", "ROUTINE", "C-2");
    s_referral(m, 3, S_T0, "Le Gall", "Zoé", "ROUTINE", "C-3");
    desk_fixture_move(m, 4, S_T0 + S_HOUR, "C-2", "SUBMITTED", "TRIAGE", NULL, RELAIS_CASE_TRIAGE);
    desk_fixture_move(m, 5, S_T0 + S_HOUR, "C-3", "SUBMITTED", "TRIAGE", NULL, RELAIS_CASE_TRIAGE);
    desk_fixture_move(m, 6, S_T0 + S_HOUR, "C-3", "TRIAGE", "DECLINED", ", \"reason_code\": \"hors-champ\"",
           RELAIS_CASE_DECLINED);
    char ids[256];
    desk_filter_t f = {0};
    s_ids(m, &f, S_T0, ids, sizeof ids);
    assert_string_equal(ids, "C-1 C-2"); /* open cases only, by default */
    f.all = 1;
    s_ids(m, &f, S_T0, ids, sizeof ids);
    assert_string_equal(ids, "C-1 C-2 C-3");
    f = (desk_filter_t){.states = 1u << RELAIS_CASE_TRIAGE};
    s_ids(m, &f, S_T0, ids, sizeof ids);
    assert_string_equal(ids, "C-2");
    /* Case and accents folded, every word found, anywhere in the case's text. */
    const struct {
        const char *search, *ids;
    } finds[] = {
        {"benali", "C-1"},         {"BÉNALI lina", "C-1"},   {"lina benali", "C-1"},
        {"Lina Martin", ""},       {"marie curie", "C-1 C-2 C-3"}, {"le gall", "C-3"},
        {"zoe", "C-3"},            {"C-2", "C-2"},           {"nobody", ""},
    };
    for (size_t i = 0; i < sizeof finds / sizeof finds[0]; i++) {
        f = (desk_filter_t){.all = 1, .search = finds[i].search};
        s_ids(m, &f, S_T0, ids, sizeof ids);
        if (strcmp(ids, finds[i].ids) != 0)
            fail_msg("search '%s': '%s', expected '%s'", finds[i].search, ids, finds[i].ids);
    }
    f = (desk_filter_t){.overdue_only = 1};
    s_ids(m, &f, S_T0 + 150 * 60000, ids, sizeof ids);
    assert_string_equal(ids, "C-1"); /* priority, 2 h; C-2 in triage counts 3 h */
    desk_model_free(&m);
}

static void test_model_pause_merge_and_sweep(void **state)
{
    (void)state;
    desk_model_t *m = desk_fixture_model();
    s_referral(m, 1, S_T0, "Benali", "Lina", "PRIORITY", "C-1");
    s_referral(m, 2, S_T0, "Benali", "Lyna", "URGENT", "C-2");
    desk_fixture_move(m, 3, S_T0, "C-1", "SUBMITTED", "TRIAGE", NULL, RELAIS_CASE_TRIAGE);
    desk_fixture_move(m, 4, S_T0, "C-1", "TRIAGE", "PAUSED", NULL, RELAIS_CASE_PAUSED);
    desk_row_t r;
    assert_int_equal(desk_model_row(m, "C-1", S_T0, &r), 0);
    assert_int_equal(r.state, RELAIS_CASE_PAUSED);
    assert_int_equal(r.paused_from, RELAIS_CASE_TRIAGE);
    assert_int_equal(r.due_ms, 0); /* a paused case has no deadline */
    /* C-2 merged into C-1: the event is C-1's; C-2 is entered in error; C-1 counts its referral. */
    desk_fixture_deliver(m, 5, S_T0, "coordination",
              "{\"case_update\": {\"case_id\": \"C-2\", \"from_state\": \"SUBMITTED\", \"to_state\": "
              "\"ENTERED_IN_ERROR\", \"merge_into\": \"C-1\"}}",
              "C-1", RELAIS_CASE_PAUSED, 0);
    assert_int_equal(desk_model_row(m, "C-2", S_T0, &r), 0);
    assert_int_equal(r.state, RELAIS_CASE_ENTERED_IN_ERROR);
    assert_int_equal(desk_model_row(m, "C-1", S_T0, &r), 0);
    assert_int_equal(r.urgency, RELAIS_URGENCY_URGENT);
    /* The sweep archives C-1: it leaves the desk. */
    desk_fixture_deliver(m, 6, S_T0, "relais-hub", "{\"privacy\": {\"kind\": \"ARCHIVED\", \"case_id\": \"C-1\"}}", NULL, 0, 0);
    assert_int_equal(desk_model_row(m, "C-1", S_T0, &r), RELAIS_E_NOT_FOUND);
    desk_feed_state_t fs;
    desk_model_feed_state(m, &fs);
    assert_int_equal(fs.case_count, 1);
    assert_int_equal(fs.last_seq, 6);
    assert_true(fs.hub_up);
    desk_model_free(&m);
}

/* A correction of the child's names, at the family's request, reaches the list and its search. */
static void test_model_rectified_names(void **state)
{
    (void)state;
    desk_model_t *m = desk_fixture_model();
    s_referral(m, 1, S_T0, "Benali", "Lina", "PRIORITY", "C-1");
    desk_fixture_deliver(m, 2, S_T0, "coordination",
              "{\"privacy\": {\"kind\": \"RECTIFIED\", \"case_id\": \"C-1\", \"record_seq\": 1, \"field\": "
              "\"child.family_name\", \"value\": \"Zidane\", \"reason\": \"erreur\"}}",
              "C-1", RELAIS_CASE_SUBMITTED, 0);
    desk_fixture_deliver(m, 3, S_T0, "coordination",
              "{\"privacy\": {\"kind\": \"RECTIFIED\", \"case_id\": \"C-1\", \"record_seq\": 1, \"field\": "
              "\"child.given_names\", \"value\": \"Lyna Sarah\", \"reason\": \"erreur\"}}",
              "C-1", RELAIS_CASE_SUBMITTED, 0);
    desk_fixture_deliver(m, 4, S_T0, "coordination",
              "{\"privacy\": {\"kind\": \"RECTIFIED\", \"case_id\": \"C-1\", \"record_seq\": 1, \"field\": "
              "\"child.birth_date\", \"value\": \"2015-01-02\", \"reason\": \"erreur\"}}",
              "C-1", RELAIS_CASE_SUBMITTED, 0);
    desk_row_t r;
    assert_int_equal(desk_model_row(m, "C-1", S_T0, &r), 0);
    assert_string_equal(r.child, "Lyna Z. (2015)");
    char ids[64];
    desk_filter_t f = {.search = "zidane sarah"};
    s_ids(m, &f, S_T0, ids, sizeof ids);
    assert_string_equal(ids, "C-1");
    f.search = "benali";
    s_ids(m, &f, S_T0, ids, sizeof ids);
    assert_string_equal(ids, "");
    desk_model_free(&m);
}

static void test_model_events(void **state)
{
    (void)state;
    desk_model_t *m = desk_fixture_model();
    uint64_t pos = desk_model_event_head(m);
    desk_event_t ev[8];
    assert_int_equal(desk_model_events(m, &pos, ev, 8, 10), 0); /* nothing: the wait ends */
    s_referral(m, 1, S_T0, "Benali", "Lina", "PRIORITY", "C-1");
    desk_fixture_move(m, 2, S_T0, "C-1", "SUBMITTED", "TRIAGE", NULL, RELAIS_CASE_TRIAGE);
    desk_fixture_deliver(m, 3, S_T0, "relais-hub",
              "{\"privacy\": {\"kind\": \"LEGAL_HOLD_SET\", \"case_id\": \"C-1\", \"reason\": \"x\"}}", NULL, 0, 0);
    assert_int_equal(desk_model_events(m, &pos, ev, 8, 10), 2); /* case events only */
    assert_string_equal(ev[0].case_id, "C-1");
    assert_int_equal(ev[0].kind, RELAIS_PAYLOAD_REFERRAL);
    assert_string_equal(ev[0].sender, "college-curie");
    assert_int_equal(ev[1].state, RELAIS_CASE_TRIAGE);
    assert_int_equal(ev[1].seq, 2);
    assert_int_equal(desk_model_recent(m, ev, 8), 2);
    assert_int_equal(ev[0].seq, 2); /* newest first */
    /* A stream that fell more than 256 events behind is told to reload. */
    pos = desk_model_event_head(m);
    for (uint64_t seq = 4; seq < 4 + 300; seq++)
        desk_fixture_move(m, seq, S_T0, "C-1", "TRIAGE", "TRIAGE", NULL, RELAIS_CASE_TRIAGE);
    assert_int_equal(desk_model_events(m, &pos, ev, 8, 10), -1);
    assert_int_equal(pos, desk_model_event_head(m));
    desk_model_wake(m);
    assert_int_equal(desk_model_events(m, &pos, ev, 8, 5000), 0); /* woken: no wait */
    desk_model_free(&m);
}

/* A full queue: DESK_QUEUE_MAX actions wait, the next is refused and nothing is dropped; the list is
 * newest first; an action's one-time id is found. The queue's thread is not started: no hub here. */
static void test_queue_full(void **state)
{
    (void)state;
    relais_desk_t *desk = calloc(1, sizeof *desk);
    assert_non_null(desk);
    pthread_mutex_init(&desk->queue.lock, NULL);
    pthread_cond_init(&desk->queue.wake, NULL);
    desk->queue.ready = 1;
    uint8_t msg_id[RELAIS_MSG_ID_BYTES] = {0}, bytes[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    desk_what_t what = {0};
    for (int i = 0; i <= DESK_QUEUE_MAX; i++) {
        msg_id[0] = (uint8_t)i;
        snprintf(what.fr, sizeof what.fr, "Note au dossier C-%d", i + 1);
        memset(what.once, 'a' + i % 26, DESK_TOKEN_LEN - 1);
        what.once[0] = (char)('A' + i / 26);
        int rc = desk_queue_add_locked(desk, msg_id, bytes, sizeof bytes, &what);
        if (i < DESK_QUEUE_MAX) {
            assert_int_equal(rc, 0);
        } else {
            assert_int_equal(rc, RELAIS_E_STORE_FULL);
            assert_non_null(strstr(relais_status_detail(), "32 actions already wait"));
        }
    }
    assert_int_equal(desk_queue_waiting(desk), DESK_QUEUE_MAX);
    desk_queued_t listed[DESK_QUEUE_MAX];
    assert_int_equal(desk_queue_list(desk, listed, DESK_QUEUE_MAX), DESK_QUEUE_MAX);
    assert_int_equal(listed[0].number, DESK_QUEUE_MAX);
    assert_string_equal(listed[0].what.fr, "Note au dossier C-32");
    assert_int_equal(listed[DESK_QUEUE_MAX - 1].number, 1);
    assert_null(listed[0].bytes); /* the list holds no signed bytes */
    char once[DESK_TOKEN_LEN];
    memset(once, 'f', DESK_TOKEN_LEN - 1);
    once[0] = 'A';
    once[DESK_TOKEN_LEN - 1] = '\0';
    assert_true(desk_queue_has_once(desk, once)); /* the sixth action's */
    once[0] = 'B';
    once[1] = 'g'; /* the 33rd, refused: not in the queue */
    memset(once + 1, 'g', DESK_TOKEN_LEN - 2);
    assert_false(desk_queue_has_once(desk, once));
    desk_queue_close(desk);
    free(desk);
}

/* Every code the hub refuses with has words of its own for the person, in French and in English; the
 * hub's English sentence follows them; a read the hub refused or did not answer gets its page status. */
static void test_refusal_words(void **state)
{
    (void)state;
    for (int code = RELAIS_E_BAD_SIGNATURE; code >= RELAIS_E_WIRE_LAST; code--) {
        const char *fr = desk_refusal_words(RELAIS_CLI_FR, code), *en = desk_refusal_words(RELAIS_CLI_EN, code);
        assert_non_null(fr);
        assert_non_null(en);
        assert_string_not_equal(fr, en);
    }
    assert_null(desk_refusal_words(RELAIS_CLI_FR, 0));
    assert_null(desk_refusal_words(RELAIS_CLI_FR, RELAIS_E_NOMEM));

    char out[512];
    desk_outcome_sentence(RELAIS_CLI_FR, DESK_MOVE_REFUSED, RELAIS_E_FORBIDDEN, "coordinator only", out, sizeof out);
    assert_string_equal(out, "Le hub a refusé : votre rôle ne permet pas cette action. Sa réponse : « coordinator only »");
    desk_outcome_sentence(RELAIS_CLI_EN, DESK_MOVE_REFUSED, RELAIS_E_FORBIDDEN, "coordinator only", out, sizeof out);
    assert_string_equal(out, "The hub refused: your role does not allow this action. Its answer: \xe2\x80\x9c"
                             "coordinator only\xe2\x80\x9d");
    desk_outcome_sentence(RELAIS_CLI_FR, DESK_MOVE_REFUSED, 0, "no code", out, sizeof out);
    assert_string_equal(out, "Le hub a refusé : no code");

    relais_error_t err = {.status = RELAIS_E_RATE_LIMITED};
    snprintf(err.message, sizeof err.message, "%s", "read budget spent");
    assert_int_equal(desk_read_failed(RELAIS_CLI_FR, RELAIS_E_RATE_LIMITED, &err, out, sizeof out), 404);
    assert_non_null(strstr(out, "réessayez dans quelques minutes"));
    assert_non_null(strstr(out, "« read budget spent »"));
    relais_error_t none = {0};
    snprintf(none.message, sizeof none.message, "%s", "no handshake");
    assert_int_equal(desk_read_failed(RELAIS_CLI_FR, RELAIS_E_TIMEOUT, &none, out, sizeof out), 503);
    assert_string_equal(out, "Le hub ne répond pas : no handshake");
    err.status = RELAIS_E_FORBIDDEN;
    assert_int_equal(desk_read_failed(RELAIS_CLI_FR, RELAIS_E_FORBIDDEN, &err, out, sizeof out), 403);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_text),
        cmocka_unit_test(test_sessions),
        cmocka_unit_test(test_idle_sessions_end),
        cmocka_unit_test(test_tokens_once),
        cmocka_unit_test(test_model_order),
        cmocka_unit_test(test_model_filters_and_search),
        cmocka_unit_test(test_model_pause_merge_and_sweep),
        cmocka_unit_test(test_model_rectified_names),
        cmocka_unit_test(test_model_events),
        cmocka_unit_test(test_refusal_words),
        cmocka_unit_test(test_queue_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
