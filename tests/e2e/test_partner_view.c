/* test_partner_view.c -- the partner-view rule against the real relaisd: no oracle on children.
 *
 * A child already has an advanced case (triage, accepted, a diagnosis, a note) when a second
 * partner refers her. Every view that partner has of its referral must be the one a referral of
 * an unknown child gets: the acknowledgement, its feed, `case show`, `case list` and the errors
 * of asking for what is not its own. It names its referral by the referral's handle, never the
 * case; it sees the state a new referral has, nothing from before; and it sees more only once
 * the coordinator shares the case with it, from that share on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "relais_certs.h"
#include "relais_proto.h"

#include "harness.h"

#ifndef RELAISD_PATH
#error "RELAISD_PATH must be defined"
#endif

typedef struct {
    h_env_t h;
    relais_identity_t *hub, *curie, *pmi, *coordo;
    void *curie_s, *pmi_s, *coordo_s;
} s_fixture_t;

static int s_setup(void **state)
{
    s_fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    h_env_init(&f->h, "partner-view", RELAISD_PATH);
    f->hub = h_identity(&f->h, "hub", RELAIS_ROLE_BROKER, "Ville", 1);
    f->curie = h_identity(&f->h, "college-curie", RELAIS_ROLE_PARTNER, "College Marie Curie", 1);
    f->pmi = h_identity(&f->h, "pmi-blagis", RELAIS_ROLE_PARTNER, "PMI Les Blagis", 1);
    f->coordo = h_identity(&f->h, "coordination", RELAIS_ROLE_COORDINATOR, "Ville", 1);
    *state = f;
    if (h_start(&f->h) != 0)
        return -1;
    f->curie_s = h_connect_as(&f->h, f->curie, f->hub);
    f->pmi_s = h_connect_as(&f->h, f->pmi, f->hub);
    f->coordo_s = h_connect_as(&f->h, f->coordo, f->hub);
    return 0;
}

static int s_teardown(void **state)
{
    s_fixture_t *f = *state;
    h_env_cleanup(&f->h);
    free(f);
    return 0;
}

static uint32_t s_next_id = 100;

static void s_update(s_fixture_t *f, const char *case_id, const char *from, const char *to, const char *extra)
{
    char json[1024];
    snprintf(json, sizeof json,
             "{\"case_update\": {\"case_id\": \"%s\", \"from_state\": \"%s\", \"to_state\": \"%s\"%s}}", case_id,
             from, to, extra);
    relais_ack_t ack = h_expect_ack(f->coordo_s, f->coordo, json, s_next_id, s_next_id);
    s_next_id++;
    assert_string_equal(ack.case_id, case_id);
}

static relais_ack_t s_refer(void *sock, const relais_identity_t *who, const char *org, const char *family,
                            const char *given)
{
    char json[1024];
    relais_ack_t ack = h_expect_ack(sock, who, h_referral_json(json, sizeof json, org, family, given, "2014-05-21"),
                                    s_next_id, s_next_id);
    s_next_id++;
    return ack;
}

static void s_show(void *sock, const char *id, uint64_t rid, relais_reply_t *reply)
{
    relais_request_t req = {.request_id = rid, .kind = RELAIS_REQ_CASE_SHOW, .with_history = 1};
    snprintf(req.case_id, sizeof req.case_id, "%s", id);
    h_request(sock, &req, reply);
}

/* The summary a referrer gets of a referral just arrived: its handle, submitted, no more. */
static void s_expect_arrival(const relais_case_summary_t *c, const relais_ack_t *ack)
{
    char handle[RELAIS_CASE_ID_LEN];
    relais_referral_handle(ack->seq, handle);
    assert_string_equal(c->case_id, handle);
    assert_int_equal(c->state, RELAIS_CASE_SUBMITTED);
    assert_int_equal(c->task_status, 1 /* requested */);
    assert_string_equal(c->reason_code, "");
    assert_string_equal(c->sub_status, "");
    assert_int_equal(c->opened_ms, ack->received_ms);
    assert_int_equal(c->updated_ms, ack->received_ms);
    assert_int_equal(c->due_ms, 0);
    assert_int_equal(c->referral_count, 1);
    assert_int_equal(c->referrer_count, 1);
    assert_string_equal(c->referrers[0], "PMI Les Blagis");
}

/* The refusal of a case show; its sentence with the id asked for taken out, so that two
 * refusals can be compared. */
static void s_refusal(void *sock, const char *id, char *sentence, size_t cap)
{
    relais_reply_t reply;
    s_show(sock, id, 900, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_ERROR);
    assert_int_equal(reply.error.status, RELAIS_E_FORBIDDEN);
    const char *rest = strstr(reply.error.message, id);
    assert_non_null(rest);
    snprintf(sentence, cap, "%.*s<ID>%s", (int)(rest - reply.error.message), reply.error.message, rest + strlen(id));
    relais_reply_clear(&reply);
}

static void test_advanced_case_gives_nothing_away(void **state)
{
    s_fixture_t *f = *state;
    /* Lina's case, well advanced, before the PMI says anything; the college flagged it urgent. */
    char urgent[1024];
    h_referral_json(urgent, sizeof urgent, "College Marie Curie", "Benali", "Lina", "2014-05-21");
    char *routine = strstr(urgent, "\"ROUTINE\"");
    assert_non_null(routine);
    memcpy(routine, "\"URGENT\" ", 9);
    relais_ack_t first = h_expect_ack(f->curie_s, f->curie, urgent, s_next_id, s_next_id);
    s_next_id++;
    char lina[RELAIS_CASE_ID_LEN];
    snprintf(lina, sizeof lina, "C-%llu", (unsigned long long)first.seq);
    assert_string_equal(first.case_id, "R-1");
    s_update(f, lina, "SUBMITTED", "TRIAGE", "");
    s_update(f, lina, "TRIAGE", "ACCEPTED", ", \"sub_status\": \"rencontre-famille\"");
    s_update(f, lina, "ACCEPTED", "DIAGNOSIS", ", \"diagnosis\": \"SECRET lecture\"");
    s_update(f, lina, "DIAGNOSIS", "DIAGNOSIS", ", \"note\": \"SECRET note\", \"reason_code\": \"suivi-cmp\"");
    uint64_t before = h_head(&f->h);

    /* The PMI refers Lina (known) and Noe (unknown): the two acks look alike. */
    char json[1024];
    size_t frame_len = 0;
    uint8_t *frame = h_submit_frame(f->pmi, "pmi-blagis",
                                    h_referral_json(json, sizeof json, "PMI Les Blagis", "BENALI", "lina", "2014-05-21"),
                                    s_next_id++, h_now_ms(), 499, &frame_len);
    relais_reply_t reply;
    h_send_bytes(f->pmi_s, frame, frame_len);
    h_recv_reply(f->pmi_s, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_ACK);
    relais_ack_t known = reply.ack;
    relais_reply_clear(&reply);
    relais_ack_t unknown = s_refer(f->pmi_s, f->pmi, "PMI Les Blagis", "Martin", "Noe");
    char handle[RELAIS_CASE_ID_LEN], other[RELAIS_CASE_ID_LEN];
    relais_referral_handle(known.seq, handle);
    relais_referral_handle(unknown.seq, other);
    assert_string_equal(known.case_id, handle);
    assert_string_equal(unknown.case_id, other);
    assert_true(known.seq > before);

    /* A resend of the same bytes gets the same handle. */
    h_send_bytes(f->pmi_s, frame, frame_len);
    free(frame);
    h_recv_reply(f->pmi_s, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_ACK);
    assert_true(reply.ack.duplicate);
    assert_string_equal(reply.ack.case_id, handle);
    relais_reply_clear(&reply);

    /* Its feed from the very start: its two referrals, as new ones, and nothing before. */
    relais_request_t sub = {.request_id = 600, .kind = RELAIS_REQ_SUBSCRIBE, .from_seq = 1, .credit = 100};
    h_send_request(f->pmi_s, &sub);
    const relais_ack_t *mine[2] = {&known, &unknown};
    for (int i = 0; i < 2; i++) {
        relais_reply_t d;
        h_recv_reply(f->pmi_s, &d);
        assert_int_equal(d.kind, RELAIS_REPLY_DELIVERY);
        assert_int_equal(d.delivery.seq, mine[i]->seq);
        assert_null(d.delivery.record);
        assert_true(d.delivery.has_status);
        assert_string_equal(d.delivery.status.case_id, mine[i]->case_id);
        assert_int_equal(d.delivery.status.state, RELAIS_CASE_SUBMITTED);
        assert_string_equal(d.delivery.status.reason_code, "");
        assert_int_equal(d.delivery.status.updated_ms, mine[i]->received_ms);
        assert_false(d.delivery.overdue);
        relais_reply_clear(&d);
    }
    h_expect_nothing(f->pmi_s, 800, "the PMI's feed after its own referrals");

    /* Its list: two referrals, each as a new one. */
    relais_request_t list = {.request_id = 601, .kind = RELAIS_REQ_CASE_LIST};
    h_request(f->pmi_s, &list, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_CASE_LIST);
    assert_int_equal(reply.case_count, 2);
    for (size_t i = 0; i < 2; i++)
        s_expect_arrival(&reply.cases[i], strcmp(reply.cases[i].case_id, handle) == 0 ? &known : &unknown);
    relais_reply_clear(&reply);
    /* Filters run on what it may see: not on the case's state or its other referrers. */
    list.states = 1u << RELAIS_CASE_DIAGNOSIS;
    h_request(f->pmi_s, &list, &reply);
    assert_int_equal(reply.case_count, 0);
    relais_reply_clear(&reply);
    list.states = 0;
    snprintf(list.referrer, sizeof list.referrer, "Curie");
    h_request(f->pmi_s, &list, &reply);
    assert_int_equal(reply.case_count, 0);
    relais_reply_clear(&reply);
    list.referrer[0] = '\0';
    list.urgency = RELAIS_URGENCY_URGENT; /* the case is urgent; its referral is not */
    h_request(f->pmi_s, &list, &reply);
    assert_int_equal(reply.case_count, 0);
    relais_reply_clear(&reply);
    list.urgency = RELAIS_URGENCY_ROUTINE;
    h_request(f->pmi_s, &list, &reply);
    assert_int_equal(reply.case_count, 2);
    assert_int_equal(reply.cases[0].urgency, RELAIS_URGENCY_ROUTINE);
    relais_reply_clear(&reply);
    list.urgency = 0;
    list.overdue_only = 1; /* the urgent case is overdue soon enough; a partner sees no deadline */
    h_request(f->pmi_s, &list, &reply);
    assert_int_equal(reply.case_count, 0);
    relais_reply_clear(&reply);
    list.overdue_only = 0;

    /* Its case show of the known child's referral is that of the unknown child's. */
    relais_reply_t a, b;
    s_show(f->pmi_s, handle, 602, &a);
    s_show(f->pmi_s, other, 603, &b);
    assert_int_equal(a.kind, RELAIS_REPLY_CASE_DETAIL);
    assert_int_equal(b.kind, RELAIS_REPLY_CASE_DETAIL);
    s_expect_arrival(&a.cases[0], &known);
    s_expect_arrival(&b.cases[0], &unknown);
    assert_int_equal(a.record_count, 1);
    assert_int_equal(b.record_count, 1);
    assert_int_equal(a.event_count, 1);
    assert_int_equal(b.event_count, 1);
    assert_int_equal(a.events[0].seq, known.seq);
    assert_string_equal(a.events[0].status.case_id, handle);
    assert_int_equal(a.events[0].status.state, RELAIS_CASE_SUBMITTED);
    assert_int_equal(a.follower_count, 0);
    relais_reply_clear(&a);
    relais_reply_clear(&b);

    /* Asking for the case, the college's referral, or what does not exist: one answer. */
    char c1[256], c2[256], r1[256], r2[256];
    s_refusal(f->pmi_s, lina, c1, sizeof c1);
    s_refusal(f->pmi_s, "C-999", c2, sizeof c2);
    s_refusal(f->pmi_s, "R-1", r1, sizeof r1);
    s_refusal(f->pmi_s, "R-999", r2, sizeof r2);
    assert_string_equal(c1, c2);
    assert_string_equal(c1, r1);
    assert_string_equal(c1, r2);

    /* The coordinator moves on: the PMI, not shared yet, sees nothing of it. */
    s_update(f, lina, "DIAGNOSIS", "DIAGNOSIS", ", \"note\": \"SECRET another note\"");
    h_expect_nothing(f->pmi_s, 800, "the PMI's feed after an update of a case not shared with it");

    /* The coordinator shares the case with the PMI's referral: from then on, and only then. */
    char share[128];
    snprintf(share, sizeof share, ", \"share_referral\": \"%s\"", handle);
    uint64_t share_seq = h_head(&f->h) + 1;
    s_update(f, lina, "DIAGNOSIS", "DIAGNOSIS", share);
    s_update(f, lina, "DIAGNOSIS", "PATHWAY_PROPOSED",
             ", \"pathway\": [{\"kind\": \"COLLECTIVE\", \"description\": \"Atelier lecture\"}]");
    relais_case_state_t want[] = {RELAIS_CASE_DIAGNOSIS, RELAIS_CASE_PATHWAY_PROPOSED};
    for (int i = 0; i < 2; i++) {
        relais_reply_t d;
        h_recv_reply(f->pmi_s, &d);
        assert_int_equal(d.kind, RELAIS_REPLY_DELIVERY);
        assert_int_equal(d.delivery.seq, share_seq + (uint64_t)i);
        assert_string_equal(d.delivery.status.case_id, handle);
        assert_int_equal(d.delivery.status.state, want[i]);
        assert_null(d.delivery.record);
        relais_reply_clear(&d);
    }
    s_show(f->pmi_s, handle, 604, &a);
    assert_int_equal(a.cases[0].state, RELAIS_CASE_PATHWAY_PROPOSED);
    assert_string_equal(a.cases[0].case_id, handle);
    assert_string_equal(a.cases[0].sub_status, ""); /* a status, not the coordinator's words */
    assert_string_equal(a.cases[0].child_display, "lina B. (2014)"); /* as its own referral named her */
    assert_int_equal(a.cases[0].opened_ms, known.received_ms);
    assert_int_equal(a.record_count, 1);
    assert_int_equal(a.event_count, 3);
    assert_int_equal(a.events[0].seq, known.seq);
    assert_int_equal(a.events[1].seq, share_seq);
    assert_int_equal(a.events[2].seq, share_seq + 1);
    for (size_t i = 0; i < a.event_count; i++)
        assert_string_equal(a.events[i].status.case_id, handle);
    relais_reply_clear(&a);

    /* The coordinator sees who follows, and may ask by the handle. */
    s_show(f->coordo_s, handle, 605, &a);
    assert_string_equal(a.cases[0].case_id, lina);
    assert_int_equal(a.follower_count, 2);
    assert_int_equal(a.followers[0].referral_seq, first.seq);
    assert_int_equal(a.followers[1].referral_seq, known.seq);
    assert_int_equal(a.followers[1].since_seq, share_seq);
    relais_reply_clear(&a);

    /* The college, which opened the case, followed it all along. */
    s_show(f->curie_s, "R-1", 606, &a);
    assert_int_equal(a.cases[0].state, RELAIS_CASE_PATHWAY_PROPOSED);
    assert_int_equal(a.record_count, 1); /* its own referral, not the PMI's */
    relais_reply_clear(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_advanced_case_gives_nothing_away, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
