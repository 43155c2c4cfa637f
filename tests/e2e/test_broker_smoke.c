/* test_broker_smoke.c -- starts the real relaisd on loopback and walks submit, duplicate, refusal, feed, stop. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <zmq.h>

#include "relais_certs.h"
#include "relais_merkle.h"
#include "relais_proto.h"

#include "harness.h"

#ifndef RELAISD_PATH
#error "RELAISD_PATH must name the relaisd binary"
#endif

#define S_WAIT_EXIT_MS 20000 /* the broker exits within this after SIGTERM */

typedef struct {
    h_env_t h; /* folder, relaisd, sockets */
    relais_identity_t *hub, *partner, *coordo, *pmi, *auditor;
} s_fixture_t;

static int s_setup(void **state)
{
    s_fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    h_env_init(&f->h, "smoke", RELAISD_PATH);
    f->h.port_base = 17000;
    f->h.port_span = 1000;
    f->hub = h_identity(&f->h, "hub", RELAIS_ROLE_BROKER, "Ville", 1);
    f->partner = h_identity(&f->h, "college-curie", RELAIS_ROLE_PARTNER, "College Marie Curie", 1);
    f->coordo = h_identity(&f->h, "coordo", RELAIS_ROLE_COORDINATOR, "Ville", 1);
    f->pmi = h_identity(&f->h, "pmi-blagis", RELAIS_ROLE_PARTNER, "PMI Les Blagis", 1);
    f->auditor = h_identity(&f->h, "audit", RELAIS_ROLE_AUDITOR, "CNIL", 1);
    *state = f;
    return h_start(&f->h);
}

static int s_teardown(void **state)
{
    s_fixture_t *f = *state;
    h_env_cleanup(&f->h);
    free(f);
    return 0;
}

/* ---- A CURVE client ------------------------------------------------------------------- */

static void *s_connect(s_fixture_t *f, const relais_identity_t *me)
{
    return h_connect_as(&f->h, me, f->hub);
}

static const char s_referral_json[] =
    "{\"referral\": {\"referrer\": {\"organisation\": \"College Marie Curie\", \"role\": \"TEACHER\","
    " \"name\": \"Mme Durand\", \"contact\": \"01 00 00 00 00\"},"
    " \"child\": {\"family_name\": \"Benali\", \"given_names\": [\"Lina\"], \"birth_date\": \"2015-03-02\","
    " \"school\": \"College Marie Curie\", \"class_name\": \"6e B\"},"
    " \"domains\": [\"EDUCATIONAL\"], \"description\": \"absences repetees\", \"urgency\": \"ROUTINE\","
    " \"consent\": {\"recorded_by\": \"Mme Durand\", \"recorded_ms\": " H_CONSENT_MS ", \"given_by\": \"mere\"}}}";

/* A message built from `json` with `sender` in its header, signed by `signer`, as
 * SignedMessage bytes; `corrupt` flips a bit of the signature. */
static uint8_t *s_signed_json(const relais_identity_t *signer, const char *sender, const char *json,
                              const uint8_t msg_id[16], int64_t created_ms, int corrupt, size_t *len)
{
    uint8_t *body = NULL, *out = NULL;
    size_t body_len = 0;
    uint8_t sig[64];
    h_sign_json(signer, sender, json, msg_id, created_ms, &body, &body_len, sig);
    if (corrupt)
        sig[10] ^= 0x01;
    assert_int_equal(relais_signed_encode(body, body_len, sig, &out, len), 0);
    free(body);
    return out;
}

static uint8_t *s_signed_referral(const relais_identity_t *me, const uint8_t msg_id[16], int corrupt, size_t *len)
{
    return s_signed_json(me, relais_identity_peer(me)->name, s_referral_json, msg_id, h_now_ms(), corrupt, len);
}

static void s_submit(void *sock, uint64_t request_id, uint8_t *signed_msg, size_t len, relais_reply_t *reply)
{
    relais_request_t req;
    memset(&req, 0, sizeof req);
    req.request_id = request_id;
    req.kind = RELAIS_REQ_SUBMIT;
    req.submit = signed_msg; /* borrowed: not cleared */
    req.submit_len = len;
    h_send_request(sock, &req);
    h_recv_reply(sock, reply);
    assert_int_equal(reply->request_id, request_id);
}

/* ---- The walk ------------------------------------------------------------------------- */

static void s_submit_twice_and_refuse(s_fixture_t *f, void *partner)
{
    uint8_t id[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    size_t len = 0;
    uint8_t *msg = s_signed_referral(f->partner, id, 0, &len);
    relais_reply_t reply;
    s_submit(partner, 1, msg, len, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_ACK);
    assert_int_equal(reply.ack.seq, 1);
    assert_int_equal(reply.ack.duplicate, 0);
    assert_string_equal(reply.ack.case_id, "R-1"); /* the referral's own handle, not the case */
    relais_reply_clear(&reply);

    s_submit(partner, 2, msg, len, &reply); /* the same bytes again: the original ack */
    assert_int_equal(reply.kind, RELAIS_REPLY_ACK);
    assert_int_equal(reply.ack.seq, 1);
    assert_int_equal(reply.ack.duplicate, 1);
    assert_string_equal(reply.ack.case_id, "R-1");
    relais_reply_clear(&reply);
    free(msg);

    id[0] = 99;
    msg = s_signed_referral(f->partner, id, 1, &len);
    s_submit(partner, 3, msg, len, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_ERROR);
    assert_int_equal(reply.error.status, RELAIS_E_BAD_SIGNATURE);
    relais_reply_clear(&reply);
    free(msg);
}

static void s_expect_delivery(void *sock, uint64_t seq)
{
    relais_reply_t reply;
    h_recv_reply(sock, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_DELIVERY);
    assert_int_equal(reply.request_id, 42);
    assert_int_equal(reply.delivery.seq, seq);
    assert_non_null(reply.delivery.record);
    relais_log_record_t rec;
    assert_int_equal(relais_log_record_decode(reply.delivery.record, reply.delivery.record_len, &rec), 0);
    assert_int_equal(rec.seq, seq);
    relais_reply_clear(&reply);
}

/* Catch-up, then a live record once credit allows it. */
static void s_feed_as_coordinator(s_fixture_t *f, void *partner)
{
    void *coordo = s_connect(f, f->coordo);
    relais_request_t req = {.request_id = 42, .kind = RELAIS_REQ_SUBSCRIBE, .from_seq = 1, .credit = 2};
    h_send_request(coordo, &req);
    /* Record 1 is the referral; record 2 is this feed's own access record. */
    s_expect_delivery(coordo, 1);
    s_expect_delivery(coordo, 2);

    uint8_t id[16] = {77};
    size_t len = 0;
    uint8_t *msg = s_signed_referral(f->partner, id, 0, &len);
    relais_reply_t reply;
    s_submit(partner, 4, msg, len, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_ACK);
    assert_int_equal(reply.ack.seq, 3);
    assert_string_equal(reply.ack.case_id, "R-3"); /* its own referral's handle, whatever case it joined */
    relais_reply_clear(&reply);
    free(msg);

    int timeout = 300;
    zmq_setsockopt(coordo, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    char buf[16];
    assert_int_equal(zmq_recv(coordo, buf, sizeof buf, 0), -1); /* no credit left */
    timeout = H_RECV_TIMEOUT_MS;
    zmq_setsockopt(coordo, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    req = (relais_request_t){.request_id = 43, .kind = RELAIS_REQ_CREDIT, .credit = 8};
    h_send_request(coordo, &req);
    s_expect_delivery(coordo, 3);
    h_close(&f->h, coordo);
}

/* SIGTERM, a bounded wait, exit 0 and a final checkpoint of `size` (0: any). */
static void s_stop(s_fixture_t *f, uint64_t size)
{
    assert_int_equal(kill(f->h.pid, SIGTERM), 0);
    int status = 0;
    pid_t done = 0;
    for (int waited = 0; waited < S_WAIT_EXIT_MS && done == 0; waited += 20) {
        done = waitpid(f->h.pid, &status, WNOHANG);
        if (done == 0)
            h_sleep_ms(20);
    }
    assert_int_equal(done, f->h.pid); /* else the teardown kills it */
    f->h.pid = 0;
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    char want[64];
    snprintf(want, sizeof want, "event=checkpoint size=%llu", (unsigned long long)size);
    assert_true(h_log_has(&f->h, size ? want : "event=checkpoint"));
}

static void test_smoke(void **state)
{
    s_fixture_t *f = *state;
    void *partner = s_connect(f, f->partner);
    s_submit_twice_and_refuse(f, partner);
    s_feed_as_coordinator(f, partner);
    h_close(&f->h, partner);
    s_stop(f, 3);
}

/* ---- Cases, need-to-know, refusals, audit, registry reload ---------------------------- */

static void s_request(void *sock, relais_request_t *req, relais_reply_t *reply)
{
    h_request(sock, req, reply);
    assert_int_equal(reply->request_id, req->request_id);
}

/* A signed message and its length, built in one expression. */
typedef struct {
    uint8_t *bytes;
    size_t len;
} s_msg_t;

static s_msg_t s_msg(const relais_identity_t *signer, const char *sender, const char *json, uint8_t id0,
                     int64_t created_ms)
{
    uint8_t id[16] = {id0};
    s_msg_t m;
    m.bytes = s_signed_json(signer, sender, json, id, created_ms, 0, &m.len);
    return m;
}

static void s_expect_error(void *sock, uint64_t rid, s_msg_t m, int status)
{
    relais_reply_t reply;
    s_submit(sock, rid, m.bytes, m.len, &reply);
    if (reply.kind != RELAIS_REPLY_ERROR || reply.error.status != status)
        fail_msg("request %llu: expected %s, got kind %d status %s (%s)", (unsigned long long)rid,
                 relais_status_name(status), reply.kind, relais_status_name(reply.error.status), reply.error.message);
    relais_reply_clear(&reply);
    free(m.bytes);
}

static void s_expect_ack(void *sock, uint64_t rid, s_msg_t m, uint64_t seq, const char *case_id)
{
    relais_reply_t reply;
    s_submit(sock, rid, m.bytes, m.len, &reply);
    if (reply.kind != RELAIS_REPLY_ACK)
        fail_msg("request %llu: expected an ack, got %s (%s)", (unsigned long long)rid,
                 relais_status_name(reply.error.status), reply.error.message);
    assert_int_equal(reply.ack.seq, seq);
    assert_string_equal(reply.ack.case_id, case_id);
    relais_reply_clear(&reply);
    free(m.bytes);
}

static const char s_pmi_json[] =
    "{\"referral\": {\"referrer\": {\"organisation\": \"PMI Les Blagis\", \"role\": \"PMI\"},"
    " \"child\": {\"family_name\": \"B\u00c9NALI\", \"given_names\": [\"LINA\"], \"birth_date\": \"2015-03-02\"},"
    " \"domains\": [\"HEALTH\"], \"description\": \"demande de la famille\", \"urgency\": \"URGENT\","
    " \"parental_request\": {\"requester_name\": \"Mme Benali\", \"channel\": \"visit\"}}}";
static const char s_no_consent_json[] =
    "{\"referral\": {\"referrer\": {\"organisation\": \"PMI Les Blagis\", \"role\": \"PMI\"},"
    " \"child\": {\"family_name\": \"Martin\", \"given_names\": [\"Noe\"], \"birth_date\": \"2016-01-01\"},"
    " \"domains\": [\"HEALTH\"], \"description\": \"suivi PMI\", \"urgency\": \"ROUTINE\"}}";
static const char s_triage_json[] =
    "{\"case_update\": {\"case_id\": \"C-1\", \"from_state\": \"SUBMITTED\", \"to_state\": \"TRIAGE\"}}";

static void s_submissions(s_fixture_t *f, void *partner, void *pmi, void *coordo)
{
    int64_t now = h_now_ms();
    const char *curie = "college-curie", *blagis = "pmi-blagis";
    s_expect_ack(partner, 1, s_msg(f->partner, curie, s_referral_json, 1, now), 1, "R-1");
    /* the same child, spelled otherwise, by another agency: the same case, which the PMI's ack
     * does not name (test_partner_view checks that it is C-1) */
    s_expect_ack(pmi, 2, s_msg(f->pmi, blagis, s_pmi_json, 2, now), 2, "R-2");
    s_expect_ack(coordo, 3, s_msg(f->coordo, "coordo", s_triage_json, 3, now), 3, "C-1");
    /* the case has moved on: the same update is now stale */
    s_expect_error(coordo, 4, s_msg(f->coordo, "coordo", s_triage_json, 4, now), RELAIS_E_BAD_TRANSITION);
    s_expect_error(partner, 5, s_msg(f->partner, curie, s_triage_json, 5, now), RELAIS_E_FORBIDDEN);
    s_expect_error(pmi, 6, s_msg(f->pmi, blagis, s_no_consent_json, 6, now), RELAIS_E_NO_CONSENT);
    s_expect_error(pmi, 7, s_msg(f->pmi, blagis, s_pmi_json, 7, now - 40ll * 86400 * 1000), RELAIS_E_STALE);
    s_expect_error(pmi, 8, s_msg(f->pmi, blagis, s_pmi_json, 8, now + 3600 * 1000), RELAIS_E_STALE);
    /* signed by the coordinator, sent over the partner's connection */
    s_expect_error(pmi, 9, s_msg(f->coordo, "coordo", s_triage_json, 9, now), RELAIS_E_SENDER_MISMATCH);
    /* message id 1 again with other bytes */
    s_expect_error(pmi, 10, s_msg(f->pmi, blagis, s_pmi_json, 1, now), RELAIS_E_DUPLICATE_CONFLICT);
    s_msg_t junk = {calloc(1, 70000), 70000};
    s_expect_error(pmi, 11, junk, RELAIS_E_TOO_LARGE);
}

static void s_partner_views(void *partner)
{
    relais_request_t req = {.request_id = 20, .kind = RELAIS_REQ_CASE_LIST};
    relais_reply_t reply;
    s_request(partner, &req, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_CASE_LIST);
    assert_int_equal(reply.case_count, 1);
    assert_string_equal(reply.cases[0].case_id, "R-1"); /* its referral, which opened the case and follows it */
    assert_int_equal(reply.cases[0].state, RELAIS_CASE_TRIAGE);
    assert_string_equal(reply.cases[0].child_display, "Lina B. (2015)"); /* as its own referral named her */
    assert_int_equal(reply.cases[0].referrer_count, 1);                  /* its own organisation only */
    relais_reply_clear(&reply);

    req = (relais_request_t){.request_id = 21, .kind = RELAIS_REQ_CASE_SHOW};
    snprintf(req.case_id, sizeof req.case_id, "R-1");
    s_request(partner, &req, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_CASE_DETAIL);
    assert_int_equal(reply.record_count, 1); /* its own referral, not the PMI's, not the update */
    assert_int_equal(reply.event_count, 0);  /* no history unasked: what a client older than it gets */
    relais_reply_clear(&reply);
    req.request_id = 24;
    req.with_history = 1;
    s_request(partner, &req, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_CASE_DETAIL);
    assert_int_equal(reply.event_count, 2); /* its referral and the coordinator's update, not the PMI's */
    assert_int_equal(reply.events[0].status.state, RELAIS_CASE_SUBMITTED);
    assert_int_equal(reply.events[1].status.state, RELAIS_CASE_TRIAGE);
    relais_reply_clear(&reply);
    req.with_history = 0;

    snprintf(req.case_id, sizeof req.case_id, "C-999");
    req.request_id = 22;
    s_request(partner, &req, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_ERROR);
    assert_int_equal(reply.error.status, RELAIS_E_FORBIDDEN);
    relais_reply_clear(&reply);

    req = (relais_request_t){.request_id = 23, .kind = RELAIS_REQ_AUDIT_RECORDS, .from_seq = 1};
    s_request(partner, &req, &reply);
    assert_int_equal(reply.error.status, RELAIS_E_FORBIDDEN);
    relais_reply_clear(&reply);

    /* The feed (closed loop): its own referral and the update, each with the status the case
     * had right after it; the PMI's referral and the access records are skipped. */
    req = (relais_request_t){.request_id = 24, .kind = RELAIS_REQ_SUBSCRIBE, .from_seq = 1, .credit = 2};
    h_send_request(partner, &req);
    static const struct {
        uint64_t seq;
        relais_case_state_t state;
    } want[] = {{1, RELAIS_CASE_SUBMITTED}, {3, RELAIS_CASE_TRIAGE}};
    for (size_t i = 0; i < 2; i++) {
        h_recv_reply(partner, &reply);
        assert_int_equal(reply.kind, RELAIS_REPLY_DELIVERY);
        assert_int_equal(reply.delivery.seq, want[i].seq);
        assert_null(reply.delivery.record);
        assert_true(reply.delivery.has_status);
        assert_string_equal(reply.delivery.status.case_id, "R-1");
        assert_int_equal(reply.delivery.status.state, want[i].state);
        relais_reply_clear(&reply);
    }
}

static void s_audit(s_fixture_t *f, void *auditor)
{
    relais_request_t req = {.request_id = 30, .kind = RELAIS_REQ_AUDIT_RECORDS, .from_seq = 1};
    relais_reply_t reply;
    s_request(auditor, &req, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_RECORDS);
    assert_true(reply.record_count >= 3);
    relais_reply_clear(&reply);
    /* Records 4-8 are the access records of the reads so far; a checkpoint of the 8 records
     * comes within the 1 s interval. */
    for (int tries = 0; tries < 50 && !h_log_has(&f->h, "event=checkpoint size=8"); tries++)
        h_sleep_ms(100);
    req = (relais_request_t){.request_id = 31, .kind = RELAIS_REQ_AUDIT_CHECKPOINT};
    s_request(auditor, &req, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_CHECKPOINT);
    relais_checkpoint_t cp;
    const relais_peer_t *hub = relais_identity_peer(f->hub);
    assert_int_equal(relais_checkpoint_verify(reply.note, hub->name, hub->sign_public, &cp), 0);
    assert_int_equal(cp.size, reply.tree_size);
    assert_int_equal(cp.size, 8);
    relais_reply_clear(&reply);
    req = (relais_request_t){.request_id = 32, .kind = RELAIS_REQ_AUDIT_INCLUSION, .seq = 2, .tree_size = cp.size};
    s_request(auditor, &req, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_INCLUSION);
    assert_int_equal(relais_merkle_verify_inclusion(1, cp.size, reply.leaf_hash, (const relais_hash_t *)reply.path,
                                                    reply.path_len, cp.root),
                     0);
    relais_reply_clear(&reply);
    req = (relais_request_t){.request_id = 33, .kind = RELAIS_REQ_AUDIT_CONSISTENCY, .old_size = 2,
                             .new_size = cp.size};
    s_request(auditor, &req, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_CONSISTENCY);
    relais_reply_clear(&reply);
    /* The checkpoint of that size, asked by its size: the same note; of a size never signed (past
     * the head), none. */
    req = (relais_request_t){.request_id = 34, .kind = RELAIS_REQ_AUDIT_CHECKPOINT, .tree_size = cp.size};
    s_request(auditor, &req, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_CHECKPOINT);
    assert_int_equal(reply.tree_size, cp.size);
    assert_memory_equal(reply.root, cp.root, RELAIS_HASH_SIZE);
    relais_reply_clear(&reply);
    req = (relais_request_t){.request_id = 35, .kind = RELAIS_REQ_AUDIT_CHECKPOINT, .tree_size = 1000};
    s_request(auditor, &req, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_ERROR);
    assert_int_equal(reply.error.status, RELAIS_E_MALFORMED);
    assert_non_null(strstr(reply.error.message, "no checkpoint of size 1000"));
    relais_reply_clear(&reply);
}

/* A frame that is not a Request but starts with a readable request id gets its refusal under
 * that id, so that the agent can match it instead of waiting for an answer that never comes. */
static void s_malformed_echoes_id(void *sock)
{
    static const struct {
        const uint8_t frame[16];
        size_t len;
        uint64_t id;
    } frames[] = {
        /* id 77, case_query.show "C-1" ESC: a control in a case id */
        {{0x08, 0x4d, 0x2a, 0x06, 0x12, 0x04, 'C', '-', '1', 0x1b}, 10, 77},
        /* id 300, then a field this schema does not have */
        {{0x08, 0xac, 0x02, 0xf8, 0x01, 0x01}, 6, 300},
        /* id 78, then a submit whose length runs past the frame */
        {{0x08, 0x4e, 0x12, 0x40, 0x01}, 5, 78},
    };
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++) {
        relais_reply_t reply;
        h_send_bytes(sock, frames[i].frame, frames[i].len);
        h_recv_reply(sock, &reply);
        assert_int_equal(reply.kind, RELAIS_REPLY_ERROR);
        assert_int_equal(reply.error.status, RELAIS_E_MALFORMED);
        if (reply.request_id != frames[i].id)
            fail_msg("frame %zu: refused under request id %llu, not %llu (%s)", i,
                     (unsigned long long)reply.request_id, (unsigned long long)frames[i].id, reply.error.message);
        relais_reply_clear(&reply);
    }
}

/* A client without CURVE never completes a handshake with the broker. */
static void s_plain_refused(s_fixture_t *f)
{
    void *sock = zmq_socket(f->h.ctx, ZMQ_DEALER);
    int timeout = 500, linger = 0;
    zmq_setsockopt(sock, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    assert_int_equal(zmq_connect(sock, f->h.endpoint), 0);
    uint8_t *bytes = NULL;
    size_t len = 0;
    relais_request_t ping = {.request_id = 50, .kind = RELAIS_REQ_PING};
    assert_int_equal(relais_request_encode(&ping, &bytes, &len), 0);
    zmq_send(sock, bytes, len, ZMQ_DONTWAIT);
    free(bytes);
    char buf[64];
    int n = zmq_recv(sock, buf, sizeof buf, 0);
    zmq_close(sock);
    assert_int_equal(n, -1);
}

static void s_registry_reload(s_fixture_t *f)
{
    relais_identity_t *cmp = NULL;
    assert_int_equal(relais_identity_generate("cmp-sceaux", RELAIS_ROLE_PARTNER, "CMP Sceaux", &cmp), 0);
    assert_int_equal(relais_identity_save(cmp, f->h.keys), 0);
    void *sock = s_connect(f, cmp);
    int timeout = 1000;
    zmq_setsockopt(sock, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    relais_request_t ping = {.request_id = 40, .kind = RELAIS_REQ_PING};
    h_send_request(sock, &ping);
    char buf[64];
    assert_int_equal(zmq_recv(sock, buf, sizeof buf, 0), -1); /* unknown key: no handshake */
    h_close(&f->h, sock);
    h_register(&f->h, "cmp-sceaux");
    assert_int_equal(kill(f->h.pid, SIGHUP), 0);
    for (int tries = 0; tries < 100 && !h_log_has(&f->h, "event=registry-reloaded"); tries++)
        h_sleep_ms(50);
    sock = s_connect(f, cmp);
    relais_reply_t reply;
    s_request(sock, &ping, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_NONE);
    h_close(&f->h, sock);
    relais_identity_destroy(&cmp);
}

static const char s_decline_json[] =
    "{\"case_update\": {\"case_id\": \"C-1\", \"from_state\": \"TRIAGE\", \"to_state\": \"DECLINED\","
    " \"reason_code\": \"out-of-scope\"}}";

/* A closed case lets go of its child: the next referral opens a new case. */
static void s_close_and_reopen(s_fixture_t *f, void *partner, void *coordo)
{
    int64_t now = h_now_ms();
    s_expect_ack(coordo, 60, s_msg(f->coordo, "coordo", s_decline_json, 60, now), 9, "C-1");
    s_expect_ack(partner, 61, s_msg(f->partner, "college-curie", s_referral_json, 61, now), 10, "R-10");
    /* The coordinator may name a case by any of its referrals' handles. */
    relais_request_t req = {.request_id = 62, .kind = RELAIS_REQ_CASE_SHOW};
    snprintf(req.case_id, sizeof req.case_id, "R-10");
    relais_reply_t reply;
    s_request(coordo, &req, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_CASE_DETAIL);
    assert_string_equal(reply.cases[0].case_id, "C-10");
    relais_reply_clear(&reply);
}

static void test_cases_and_audit(void **state)
{
    s_fixture_t *f = *state;
    void *partner = s_connect(f, f->partner);
    void *pmi = s_connect(f, f->pmi);
    void *coordo = s_connect(f, f->coordo);
    void *auditor = s_connect(f, f->auditor);
    s_submissions(f, partner, pmi, coordo);
    s_partner_views(partner);
    s_audit(f, auditor);
    s_malformed_echoes_id(coordo);
    s_close_and_reopen(f, partner, coordo);
    h_close(&f->h, partner);
    h_close(&f->h, pmi);
    h_close(&f->h, coordo);
    h_close(&f->h, auditor);
    s_plain_refused(f);
    s_registry_reload(f);
    s_stop(f, 11); /* ten records and the access record of the coordinator's last read */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_smoke, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_cases_and_audit, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
