/* test_register.c -- the reception's register: its payloads' content rules, the rules of each
 * record against its entry (pure: no store), the index entry's encoding, the handles, the
 * overdue and in-time rules in local time, and the desk's search. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "relais_proto.h"
#include "relais_reception.h"

#define S_TZ "CET-1CEST,M3.5.0,M10.5.0/3" /* Paris, without the zone database */
#define S_DAY_MS (86400LL * 1000)
#define S_NOW_MS 1796300000000LL /* 2026-12-03, mid-morning in Paris */

static int s_setup(void **state)
{
    (void)state;
    setenv("TZ", S_TZ, 1);
    tzset();
    return 0;
}

/* A message as the hub would decode it, from a JSON payload, sent by `sender`. */
static relais_message_t *s_msg(const char *sender, const char *json)
{
    uint8_t id[RELAIS_MSG_ID_BYTES] = {0}, *body = NULL;
    size_t len = 0;
    static unsigned counter;
    id[15] = (uint8_t)++counter;
    int rc = relais_message_from_json(json, strlen(json), sender, id, S_NOW_MS, &body, &len);
    if (rc != 0)
        fail_msg("from_json: %s: %s", relais_status_name(rc), relais_status_detail());
    relais_message_t *msg = NULL;
    assert_int_equal(relais_message_decode(body, len, &msg), 0);
    free(body);
    return msg;
}

/* The content rules' verdict on a payload, with the sentence in `why`. */
static int s_validate(const char *json, char *why, size_t cap)
{
    relais_message_t *msg = s_msg("accueil-tu", json);
    relais_validation_limits_t lim;
    relais_validation_limits_default(&lim);
    int rc = relais_message_validate(msg, &lim, S_NOW_MS, why, cap);
    relais_message_destroy(&msg);
    return rc;
}

#define S_REFUSED(json, fragment)                                                                                      \
    do {                                                                                                               \
        char why_[256] = "";                                                                                           \
        assert_int_equal(s_validate(json, why_, sizeof why_), RELAIS_E_MALFORMED);                                     \
        if (!strstr(why_, fragment))                                                                                   \
            fail_msg("'%s' lacks '%s'", why_, fragment);                                                               \
    } while (0)

#define S_ACCEPTED(json)                                                                                               \
    do {                                                                                                               \
        char why_[256] = "";                                                                                           \
        if (s_validate(json, why_, sizeof why_) != 0)                                                                  \
            fail_msg("refused: %s", why_);                                                                             \
    } while (0)

static const char s_call[] = "{\"contact\": {\"channel\": \"CALL\", \"subject\": \"Bruit nocturne\", \"summary\": "
                             "\"Musique forte chaque nuit.\", \"occurred_ms\": 1796290000000, \"category\": \"NOISE\", "
                             "\"street\": \"Rue Houdan\", \"house_number\": \"12\", \"handling\": \"FOLLOW_UP\"}}";
static const char s_letter[] = "{\"contact\": {\"channel\": \"LETTER\", \"subject\": \"Trottoir\", \"summary\": \"Courrier.\", "
                               "\"occurred_ms\": 1796290000000, \"category\": \"PUBLIC_SPACE\", \"requester\": "
                               "\"Mme Durand\", \"contact_details\": \"06 00 00 00 00\", \"contact_agreed\": true, "
                               "\"handling\": \"FOLLOW_UP\", \"acknowledged_date\": \"2026-12-03\", "
                               "\"response_due_date\": \"2026-12-10\"}}";

static void test_content_rules(void **state)
{
    (void)state;
    S_ACCEPTED(s_call);
    S_ACCEPTED(s_letter);
    S_REFUSED("{\"contact\": {\"subject\": \"x\", \"summary\": \"y\", \"occurred_ms\": 1796290000000, \"category\": "
              "\"NOISE\", \"handling\": \"FOLLOW_UP\"}}",
              "contact.channel: required");
    S_REFUSED("{\"contact\": {\"channel\": \"LETTER\", \"subject\": \"x\", \"summary\": \"y\", \"occurred_ms\": "
              "1796290000000, \"category\": \"NOISE\", \"handling\": \"FOLLOW_UP\"}}",
              "contact.response_due_date: required");
    S_REFUSED("{\"contact\": {\"channel\": \"CALL\", \"subject\": \"x\", \"summary\": \"y\", \"occurred_ms\": "
              "1796290000000, \"category\": \"NOISE\", \"handling\": \"FOLLOW_UP\", \"contact_details\": \"06\"}}",
              "without the resident's agreement");
    S_REFUSED("{\"contact\": {\"channel\": \"CALL\", \"subject\": \"x\", \"summary\": \"y\", \"occurred_ms\": "
              "1796290000000, \"category\": \"NOISE\", \"handling\": \"CLOSED\"}}",
              "expected ANSWERED_ON_SPOT or FOLLOW_UP");
    S_REFUSED("{\"contact\": {\"channel\": \"VISIT\", \"subject\": \"x\", \"summary\": \"y\", \"occurred_ms\": "
              "1796290000000, \"category\": \"NOISE\", \"handling\": \"FOLLOW_UP\", \"acknowledged_date\": "
              "\"2026-12-03\"}}",
              "only a written request");
    S_REFUSED("{\"contact\": {\"channel\": \"CALL\", \"subject\": \"x\", \"summary\": \"y\", \"occurred_ms\": "
              "1796390000000, \"category\": \"NOISE\", \"handling\": \"FOLLOW_UP\"}}",
              "in the future");
    S_REFUSED("{\"contact\": {\"channel\": \"CALL\", \"subject\": \"x\", \"summary\": \"y\", \"occurred_ms\": "
              "1796290000000, \"category\": \"NOISE\", \"handling\": \"FOLLOW_UP\", \"house_number\": \"3\"}}",
              "without a street");
    S_REFUSED("{\"contact_update\": {\"entry_id\": \"A-12\"}}", "nothing to update");
    S_REFUSED("{\"contact_update\": {\"entry_id\": \"C-12\", \"note\": \"x\"}}", "is not an entry of the register");
    S_REFUSED("{\"contact_update\": {\"entry_id\": \"A-12\", \"handling\": \"TRANSFERRED\"}}",
              "a transfer is a payload of its own");
    S_REFUSED("{\"transfer\": {\"entry_id\": \"A-12\", \"recipient\": \"HUB\", \"recipient_name\": \"coordination\", "
              "\"means\": \"BY_PHONE\"}}",
              "expected BY_HUB");
    S_REFUSED("{\"transfer\": {\"entry_id\": \"A-12\", \"recipient\": \"POLICE_MUNICIPALE\", \"recipient_name\": "
              "\"Police municipale\", \"means\": \"BY_HUB\"}}",
              "BY_HUB is for a recipient of the hub");
    S_REFUSED("{\"transfer_answer\": {\"transfer_id\": \"T-14\", \"answer\": \"DECLINED\"}}",
              "transfer_answer.note: required");
    S_ACCEPTED("{\"transfer_answer\": {\"transfer_id\": \"T-14\", \"answer\": \"ACCEPTED\"}}");
    /* 120 characters of a label, then one more. */
    char json[1024], label[256];
    memset(label, 'a', 121);
    label[120] = '\0';
    snprintf(json, sizeof json, "{\"contact_update\": {\"entry_id\": \"A-1\", \"subject\": \"%s\"}}", label);
    S_ACCEPTED(json);
    label[120] = 'a';
    label[121] = '\0';
    snprintf(json, sizeof json, "{\"contact_update\": {\"entry_id\": \"A-1\", \"subject\": \"%s\"}}", label);
    S_REFUSED(json, "121 characters; expected at most 120");
}

/* Decides `json` from `sender` as record `seq` against `entry` (NULL: none). */
static void s_decide(const relais_contact_record_t *entry, const char *sender, const char *json, uint64_t seq,
                     relais_reception_step_t *step)
{
    relais_message_t *msg = s_msg(sender, json);
    assert_int_equal(relais_reception_decide(entry, msg, seq, S_NOW_MS + (int64_t)seq, step), 0);
    relais_message_destroy(&msg);
}

static void test_lifecycle_of_an_entry(void **state)
{
    (void)state;
    relais_reception_step_t *step = malloc(sizeof *step);
    relais_contact_record_t *rec = malloc(sizeof *rec);
    assert_non_null(step);
    assert_non_null(rec);

    s_decide(NULL, "accueil-tu", s_call, 7, step);
    assert_int_equal(step->status, 0);
    assert_int_equal(step->entry_seq, 7);
    assert_int_equal(step->rec.handling, RELAIS_HANDLING_FOLLOW_UP);
    assert_string_equal(step->rec.street, "Rue Houdan");
    assert_int_equal(step->rec.closed_ms, 0);
    *rec = step->rec;

    /* An update of an entry the index does not hold is refused. */
    s_decide(NULL, "accueil-tu", "{\"contact_update\": {\"entry_id\": \"A-9\", \"note\": \"x\"}}", 8, step);
    assert_int_equal(step->status, RELAIS_E_BAD_TRANSITION);
    assert_non_null(strstr(step->why, "A-9 is not in the reception's register"));

    /* A call is never acknowledged. */
    s_decide(rec, "accueil-tu", "{\"contact_update\": {\"entry_id\": \"A-7\", \"acknowledged_date\": \"2026-12-03\"}}", 8,
             step);
    assert_int_equal(step->status, RELAIS_E_BAD_TRANSITION);

    /* Transferred to the coordinator, then an answer from someone else, then the coordinator's. */
    s_decide(rec, "accueil-tu",
             "{\"transfer\": {\"entry_id\": \"A-7\", \"recipient\": \"HUB\", \"recipient_name\": \"coordination\", "
             "\"means\": \"BY_HUB\"}}",
             9, step);
    assert_int_equal(step->status, 0);
    assert_int_equal(step->rec.handling, RELAIS_HANDLING_TRANSFERRED);
    assert_int_equal(step->rec.transfer_count, 1);
    assert_true(relais_reception_transferred_to(&step->rec, "coordination"));
    assert_false(relais_reception_transferred_to(&step->rec, "cmp-sceaux"));
    *rec = step->rec;
    s_decide(rec, "accueil-tu",
             "{\"transfer\": {\"entry_id\": \"A-7\", \"recipient\": \"HUB\", \"recipient_name\": \"coordination\", "
             "\"means\": \"BY_HUB\"}}",
             10, step);
    assert_int_equal(step->status, RELAIS_E_BAD_TRANSITION); /* already transferred to it, unanswered */
    s_decide(rec, "cmp-sceaux", "{\"transfer_answer\": {\"transfer_id\": \"T-9\", \"answer\": \"ACCEPTED\"}}", 10, step);
    assert_int_equal(step->status, RELAIS_E_FORBIDDEN);
    s_decide(rec, "coordination", "{\"transfer_answer\": {\"transfer_id\": \"T-9\", \"answer\": \"ACCEPTED\"}}", 10, step);
    assert_int_equal(step->status, 0);
    assert_int_equal(step->rec.transfers[0].answer, RELAIS_ANSWER_ACCEPTED);
    assert_int_equal(step->rec.transfers[0].answer_seq, 10);
    *rec = step->rec;
    s_decide(rec, "coordination",
             "{\"transfer_answer\": {\"transfer_id\": \"T-9\", \"answer\": \"DECLINED\", \"note\": \"non\"}}", 11, step);
    assert_int_equal(step->status, RELAIS_E_BAD_TRANSITION); /* once */

    /* Closed; closed again is refused; transferring a closed entry too; reopened. */
    s_decide(rec, "accueil-tu", "{\"contact_update\": {\"entry_id\": \"A-7\", \"handling\": \"CLOSED\"}}", 12, step);
    assert_int_equal(step->status, 0);
    assert_int_equal(step->rec.handling, RELAIS_HANDLING_CLOSED);
    assert_int_equal(step->rec.closed_ms, S_NOW_MS + 12);
    assert_int_equal(step->rec.last_seq, 12);
    *rec = step->rec;
    s_decide(rec, "accueil-tu", "{\"contact_update\": {\"entry_id\": \"A-7\", \"handling\": \"CLOSED\"}}", 13, step);
    assert_int_equal(step->status, RELAIS_E_BAD_TRANSITION);
    s_decide(rec, "accueil-tu",
             "{\"transfer\": {\"entry_id\": \"A-7\", \"recipient\": \"POLICE_MUNICIPALE\", \"recipient_name\": \"PM\", "
             "\"means\": \"BY_PHONE\"}}",
             13, step);
    assert_int_equal(step->status, RELAIS_E_BAD_TRANSITION);
    s_decide(rec, "accueil-tu",
             "{\"contact_update\": {\"entry_id\": \"A-7\", \"handling\": \"FOLLOW_UP\", \"street\": \"Rue Florian\"}}", 13,
             step);
    assert_int_equal(step->status, 0);
    assert_int_equal(step->rec.handling, RELAIS_HANDLING_FOLLOW_UP);
    assert_int_equal(step->rec.closed_ms, 0);
    assert_string_equal(step->rec.street, "Rue Florian");

    /* Answered on the spot: closed as it is recorded. */
    s_decide(NULL, "accueil-tu",
             "{\"contact\": {\"channel\": \"VISIT\", \"subject\": \"x\", \"summary\": \"y\", \"occurred_ms\": "
             "1796290000000, \"category\": \"OTHER_CATEGORY\", \"handling\": \"ANSWERED_ON_SPOT\"}}",
             20, step);
    assert_int_equal(step->rec.closed_ms, S_NOW_MS + 20);
    assert_false(relais_reception_is_open(&step->rec));
    free(step);
    free(rec);
}

static void test_record_encoding(void **state)
{
    (void)state;
    relais_reception_step_t *step = malloc(sizeof *step);
    relais_contact_record_t *back = malloc(sizeof *back);
    s_decide(NULL, "accueil-tu", s_letter, 3, step);
    *back = step->rec;
    s_decide(back, "accueil-tu",
             "{\"transfer\": {\"entry_id\": \"A-3\", \"recipient\": \"MUNICIPAL_SERVICE\", \"recipient_name\": "
             "\"Service voirie\", \"means\": \"BY_EMAIL\"}}",
             4, step);
    assert_int_equal(step->status, 0);
    assert_int_equal(step->rec.transfer_count, 1);
    uint8_t *bytes = NULL;
    size_t len = 0;
    assert_int_equal(relais_contact_record_encode(&step->rec, &bytes, &len), 0);
    assert_true(len > 100);
    assert_int_equal(relais_contact_record_decode(bytes, len, back), 0);
    assert_memory_equal(back, &step->rec, sizeof *back);
    /* Every cut of it is refused or decodes to something else, never read past its end. */
    for (size_t cut = 0; cut < len; cut++)
        if (relais_contact_record_decode(bytes, cut, back) == 0)
            assert_true(cut == 0 || back->transfer_count <= step->rec.transfer_count);
    bytes[1] ^= 0xff;
    (void)relais_contact_record_decode(bytes, len, back);
    free(bytes);
    /* An unknown enum value is not written. */
    step->rec.category = RELAIS_CATEGORY_COUNT;
    assert_int_equal(relais_contact_record_encode(&step->rec, &bytes, &len), RELAIS_E_INVALID);
    free(step);
    free(back);
}

static void test_handles_and_names(void **state)
{
    (void)state;
    char h[RELAIS_CASE_ID_LEN];
    relais_entry_handle(42, h);
    assert_string_equal(h, "A-42");
    assert_int_equal(relais_entry_handle_seq("A-42"), 42);
    relais_transfer_handle(7, h);
    assert_string_equal(h, "T-7");
    assert_int_equal(relais_transfer_handle_seq("T-7"), 7);
    const char *bad[] = {"A-0", "A-", "A-07", "A-1x", "C-3", "a-3", "T-", "A-99999999999999999999", NULL};
    for (size_t i = 0; bad[i]; i++)
        assert_int_equal(relais_entry_handle_seq(bad[i]), 0);
    assert_int_equal(relais_transfer_handle_seq("A-3"), 0);
    assert_int_equal(relais_category_from_name("neighbourhood-dispute"), RELAIS_CATEGORY_NEIGHBOURHOOD_DISPUTE);
    assert_int_equal(relais_category_from_name("OTHER_CATEGORY"), RELAIS_CATEGORY_OTHER);
    assert_int_equal(relais_category_from_name("other"), RELAIS_CATEGORY_OTHER);
    assert_int_equal(relais_recipient_from_name("VICTIM_SUPPORT_ASSOCIATION"), RELAIS_RECIPIENT_VICTIM_SUPPORT);
    assert_int_equal(relais_means_from_name("in-person"), RELAIS_MEANS_IN_PERSON);
    assert_int_equal(relais_channel_from_name("fax"), 0);
    assert_null(relais_handling_name(RELAIS_HANDLING_COUNT));
    assert_true(relais_channel_is_written(RELAIS_CHANNEL_FORM));
    assert_false(relais_channel_is_written(RELAIS_CHANNEL_VISIT));
}

/* The due date's day ends at local midnight: in Paris, 23:00 UTC in winter. */
static void test_overdue_and_in_time(void **state)
{
    (void)state;
    relais_contact_record_t *r = calloc(1, sizeof *r);
    r->handling = RELAIS_HANDLING_FOLLOW_UP;
    r->channel = RELAIS_CHANNEL_EMAIL;
    snprintf(r->response_due_date, sizeof r->response_due_date, "2026-12-10");
    int64_t end = relais_reception_day_end_ms("2026-12-10");
    assert_int_equal(end, 1796943600000LL); /* 2026-12-10T23:00:00Z */
    assert_false(relais_reception_overdue(r, end - 1));
    assert_true(relais_reception_overdue(r, end));
    r->handling = RELAIS_HANDLING_CLOSED;
    assert_false(relais_reception_overdue(r, end + S_DAY_MS));
    r->closed_ms = end - 1;
    assert_true(relais_reception_in_time(r));
    r->closed_ms = end;
    assert_false(relais_reception_in_time(r));
    assert_int_equal(relais_reception_day_end_ms("2026-02-30"), 0);
    free(r);
}

static void test_search(void **state)
{
    (void)state;
    relais_reception_step_t *step = malloc(sizeof *step);
    s_decide(NULL, "accueil-tu", s_letter, 3, step);
    relais_request_t req = {.kind = RELAIS_REQ_RECEPTION_LIST};
    char search[256], street[256];
    struct {
        const char *search, *street;
        relais_category_t category;
        int want;
    } cases[] = {
        {"DURAND", "", 0, 1},          {"courrier", "", 0, 1},       {"trottoir", "", 0, 1},
        {"mme  durand", "", 0, 1},     {"dupont", "", 0, 0},         {"", "", RELAIS_CATEGORY_NOISE, 0},
        {"", "", RELAIS_CATEGORY_PUBLIC_SPACE, 1}, {"", "rue houdan", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        req.category = cases[i].category;
        relais_reception_fold_text(cases[i].search, search, sizeof search);
        relais_reception_fold_text(cases[i].street, street, sizeof street);
        if (relais_reception_matches(&step->rec, &req, search, street, S_NOW_MS) != cases[i].want)
            fail_msg("case %zu: '%s' '%s'", i, cases[i].search, cases[i].street);
    }
    req.category = 0;
    req.overdue_only = 1;
    assert_false(relais_reception_matches(&step->rec, &req, "", "", S_NOW_MS));
    assert_true(relais_reception_matches(&step->rec, &req, "", "", S_NOW_MS + 10 * S_DAY_MS));
    req.overdue_only = 0;
    req.from_ms = 1796290000001LL;
    assert_false(relais_reception_matches(&step->rec, &req, "", "", S_NOW_MS));
    free(step);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_rules),    cmocka_unit_test(test_lifecycle_of_an_entry),
        cmocka_unit_test(test_record_encoding),  cmocka_unit_test(test_handles_and_names),
        cmocka_unit_test(test_overdue_and_in_time), cmocka_unit_test(test_search),
    };
    return cmocka_run_group_tests(tests, s_setup, NULL);
}
