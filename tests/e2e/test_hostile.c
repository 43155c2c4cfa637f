/* test_hostile.c -- hostile input and faults against the real relaisd over CURVE: each refused with its code, nothing stored.
 *
 * Every test starts its own relaisd on 127.0.0.1 (--max-message 8192, two feeds at most)
 * and checks the log's head by opening the store read-only beside the running broker: a
 * refusal must leave it where it was. Covered: the corpus of tests/corpus (MANIFEST gives
 * each frame's code), forgeries (flipped bits, another partner's key, sender mismatch,
 * replayed id, clocks), handshakes without a registered key or without CURVE, reads a
 * partner may not make, a partner removed from the registry while connected, the feed cap,
 * a full store, a frozen subscriber under load (broker memory measured in /proc), garbage
 * and half frames at the TCP level, and thousands of connections opened and dropped.
 *
 * RELAIS_TORTURE=1 runs the long forms (more messages, minutes of frozen subscriber, 5000
 * connections). RELAIS_TORTURE_SUMMARY names a file the figures are appended to.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "relais_certs.h"
#include "relais_proto.h"
#include "relais_store.h"

#include "harness.h"

#if !defined(RELAISD_PATH) || !defined(RELAIS_PATH) || !defined(RELAIS_CORPUS_DIR)
#error "RELAISD_PATH, RELAIS_PATH and RELAIS_CORPUS_DIR must be defined"
#endif

#define S_MAX_MESSAGE "8192"

typedef struct {
    h_env_t h; /* folder, relaisd (extra flags in h.flags), sockets */
    relais_identity_t *hub, *curie, *pmi, *coordo, *auditor, *outsider;
} s_fixture_t;

/* Figures for the summary of `make torture`. */
static unsigned s_tried, s_refused;

static s_fixture_t *s_fixture_new(void)
{
    s_fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    h_env_init(&f->h, "hostile", RELAISD_PATH);
    f->h.flags[0] = "--max-message";
    f->h.flags[1] = S_MAX_MESSAGE;
    f->h.flags[2] = "--max-subscribers";
    f->h.flags[3] = "2";
    /* The corpus sends hundreds of bad signatures from one identity, each to be refused with
     * its own code; the brake they would set off is test_flood's. */
    f->h.flags[4] = "--brake-bad-signatures";
    f->h.flags[5] = "0";
    f->hub = h_identity(&f->h, "hub", RELAIS_ROLE_BROKER, "Test", 1);
    f->curie = h_identity(&f->h, "college-curie", RELAIS_ROLE_PARTNER, "Test", 1);
    f->pmi = h_identity(&f->h, "pmi-blagis", RELAIS_ROLE_PARTNER, "Test", 1);
    f->coordo = h_identity(&f->h, "coordo", RELAIS_ROLE_COORDINATOR, "Test", 1);
    f->auditor = h_identity(&f->h, "audit", RELAIS_ROLE_AUDITOR, "Test", 1);
    f->outsider = h_identity(&f->h, "intrus", RELAIS_ROLE_PARTNER, "Test", 0);
    return f;
}

static int s_setup(void **state)
{
    s_fixture_t *f = s_fixture_new();
    *state = f;
    return h_start(&f->h);
}

/* A store too small for many referrals: 2 MiB, of which the default reserve keeps 1 MiB
 * for the hub's own access records and checkpoints. */
static int s_setup_small_store(void **state)
{
    s_fixture_t *f = s_fixture_new();
    f->h.flags[6] = "--map-size";
    f->h.flags[7] = "2";
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

/* ---- CURVE clients -------------------------------------------------------------------- */

static void *s_connect_as(s_fixture_t *f, const relais_identity_t *me, const relais_identity_t *server)
{
    return h_connect_as(&f->h, me, server);
}

static void *s_connect(s_fixture_t *f, const relais_identity_t *me)
{
    return h_connect_as(&f->h, me, f->hub);
}

/* Expects an ERROR with `status` to a request; counts it as a hostile input refused. */
static void s_expect_refusal(relais_reply_t *reply, int status, const char *what)
{
    s_tried++;
    if (reply->kind != RELAIS_REPLY_ERROR || reply->error.status != status)
        fail_msg("%s: expected %s, got kind %d %s (%s)", what, relais_status_name(status), reply->kind,
                 reply->kind == RELAIS_REPLY_ERROR ? relais_status_name(reply->error.status) : "-",
                 reply->error.message);
    s_refused++;
    relais_reply_clear(reply);
}

static void s_ping(void *sock)
{
    relais_request_t req = {.request_id = 999999, .kind = RELAIS_REQ_PING};
    relais_reply_t reply;
    h_request(sock, &req, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_NONE);
    relais_reply_clear(&reply);
}

/* ---- Messages ------------------------------------------------------------------------- */

static char s_json[2048];

/* A referral of child number `child`, with consent (or without). */
static const char *s_referral(unsigned child, int consent)
{
    snprintf(s_json, sizeof s_json,
             "{\"referral\": {\"referrer\": {\"organisation\": \"Test\", \"role\": \"TEACHER\"},"
             " \"domains\": [\"EDUCATIONAL\"],"
             " \"child\": {\"family_name\": \"Hostile%u\", \"given_names\": [\"Enfant\"], \"birth_date\": \"2015-03-02\"},"
             " \"description\": \"absences repetees\", \"urgency\": \"ROUTINE\"%s}}",
             child,
             consent ? ", \"consent\": {\"recorded_by\": \"x\", \"recorded_ms\": " H_CONSENT_MS ", \"given_by\": \"mere\"}"
                     : "");
    return s_json;
}

static const char s_update_json[] =
    "{\"case_update\": {\"case_id\": \"C-1\", \"from_state\": \"SUBMITTED\", \"to_state\": \"TRIAGE\"}}";

typedef struct {
    uint8_t *body;  /* the Message bytes */
    size_t body_len;
    uint8_t sig[64];
} s_parts_t;

static s_parts_t s_parts(const relais_identity_t *signer, const char *sender, const char *json, uint32_t id,
                         int64_t created_ms)
{
    s_parts_t p;
    uint8_t msg_id[16] = {0xee, (uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8), (uint8_t)id};
    h_sign_json(signer, sender, json, msg_id, created_ms, &p.body, &p.body_len, p.sig);
    return p;
}

/* The SUBMIT Request frame of `p` (p's body is freed). */
static uint8_t *s_frame(s_parts_t *p, uint64_t request_id, size_t *len)
{
    uint8_t *sm = NULL, *out = NULL;
    size_t sm_len = 0;
    assert_int_equal(relais_signed_encode(p->body, p->body_len, p->sig, &sm, &sm_len), 0);
    free(p->body);
    p->body = NULL;
    relais_request_t req;
    memset(&req, 0, sizeof req);
    req.request_id = request_id;
    req.kind = RELAIS_REQ_SUBMIT;
    req.submit = sm;
    req.submit_len = sm_len;
    assert_int_equal(relais_request_encode(&req, &out, len), 0);
    free(sm);
    return out;
}

static void s_submit_parts(void *sock, s_parts_t p, uint64_t rid, relais_reply_t *reply)
{
    size_t len = 0;
    uint8_t *frame = s_frame(&p, rid, &len);
    h_send_bytes(sock, frame, len);
    free(frame);
    h_recv_reply(sock, reply);
    assert_int_equal(reply->request_id, rid);
}

static void s_expect_code(void *sock, s_parts_t p, uint64_t rid, int status, const char *what)
{
    relais_reply_t reply;
    s_submit_parts(sock, p, rid, &reply);
    s_expect_refusal(&reply, status, what);
}

static uint64_t s_expect_ack(void *sock, s_parts_t p, uint64_t rid)
{
    relais_reply_t reply;
    s_submit_parts(sock, p, rid, &reply);
    if (reply.kind != RELAIS_REPLY_ACK)
        fail_msg("request %llu: expected an ack, got %s (%s)", (unsigned long long)rid,
                 relais_status_name(reply.error.status), reply.error.message);
    uint64_t seq = reply.ack.seq;
    relais_reply_clear(&reply);
    return seq;
}

/* ---- The corpus ----------------------------------------------------------------------- */

static uint8_t *s_read_file(const char *path, size_t *len)
{
    FILE *in = fopen(path, "rb");
    if (!in)
        fail_msg("cannot open %s", path);
    uint8_t *buf = malloc(1 << 16);
    assert_non_null(buf);
    *len = fread(buf, 1, 1 << 16, in);
    fclose(in);
    return buf;
}

static void test_corpus(void **state)
{
    s_fixture_t *f = *state;
    void *curie = s_connect(f, f->curie);
    s_ping(curie);
    uint64_t head = h_head(&f->h);
    FILE *manifest = fopen(RELAIS_CORPUS_DIR "/MANIFEST", "r");
    assert_non_null(manifest);
    char line[512];
    unsigned frames = 0;
    while (fgets(line, sizeof line, manifest)) {
        char file[256], code[64];
        if (line[0] == '#' || sscanf(line, "%255s %63s", file, code) != 2)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", RELAIS_CORPUS_DIR, file);
        size_t len = 0;
        uint8_t *bytes = s_read_file(path, &len);
        h_send_bytes(curie, bytes, len);
        free(bytes);
        relais_reply_t reply;
        h_recv_reply(curie, &reply);
        const char *got = reply.kind == RELAIS_REPLY_ERROR ? relais_status_name(reply.error.status) : "no error";
        if (strcmp(got, code) != 0)
            fail_msg("%s: expected %s, got %s (%s)", file, code, got, reply.error.message);
        s_expect_refusal(&reply, reply.error.status, file);
        frames++;
    }
    fclose(manifest);
    assert_true(frames >= 50);
    s_ping(curie);
    assert_int_equal(h_head(&f->h), head);
    printf("corpus: %u frames, each refused with its code; nothing stored\n", frames);
}

/* ---- Forgeries ------------------------------------------------------------------------ */

/* Flips one bit inside the description text, so that the body still decodes. */
static void s_flip_body(s_parts_t *p)
{
    const char *needle = "absences";
    for (size_t i = 0; i + strlen(needle) <= p->body_len; i++)
        if (memcmp(p->body + i, needle, strlen(needle)) == 0) {
            p->body[i] ^= 0x01; /* 'a' -> '`' */
            return;
        }
    fail_msg("no description in the body");
}

static void test_forgeries(void **state)
{
    s_fixture_t *f = *state;
    void *curie = s_connect(f, f->curie);
    void *auditor = s_connect(f, f->auditor);
    const char *me = "college-curie";
    int64_t now = h_now_ms();
    assert_int_equal(s_expect_ack(curie, s_parts(f->curie, me, s_referral(1, 1), 1, now), 1), 1);
    uint64_t head = h_head(&f->h);
    assert_int_equal(head, 1);

    s_parts_t p = s_parts(f->curie, me, s_referral(2, 1), 2, now);
    s_flip_body(&p);
    s_expect_code(curie, p, 10, RELAIS_E_BAD_SIGNATURE, "one bit of the body flipped");
    p = s_parts(f->curie, me, s_referral(2, 1), 3, now);
    p.sig[33] ^= 0x40;
    s_expect_code(curie, p, 11, RELAIS_E_BAD_SIGNATURE, "one bit of the signature flipped");
    s_expect_code(curie, s_parts(f->pmi, me, s_referral(2, 1), 4, now), 12, RELAIS_E_BAD_SIGNATURE,
                  "signed by another registered partner's key");
    s_expect_code(curie, s_parts(f->pmi, "pmi-blagis", s_referral(2, 1), 5, now), 13, RELAIS_E_SENDER_MISMATCH,
                  "header sender is not the CURVE identity");
    s_expect_code(curie, s_parts(f->curie, me, s_referral(3, 1), 1, now), 14, RELAIS_E_DUPLICATE_CONFLICT,
                  "an old message id with new bytes");
    s_expect_code(curie, s_parts(f->curie, me, s_referral(2, 1), 6, 1), 15, RELAIS_E_STALE, "created in 1970");
    s_expect_code(curie, s_parts(f->curie, me, s_referral(2, 1), 7, now - 31ll * 86400 * 1000), 16, RELAIS_E_STALE,
                  "created 31 days ago");
    s_expect_code(curie, s_parts(f->curie, me, s_referral(2, 1), 8, now + 10ll * 60 * 1000), 17, RELAIS_E_STALE,
                  "created 10 minutes from now");
    s_expect_code(curie, s_parts(f->curie, me, s_referral(2, 1), 9, 253402300799000ll), 18, RELAIS_E_STALE,
                  "created in 9999");
    s_expect_code(curie, s_parts(f->curie, me, s_referral(2, 0), 10, now), 19, RELAIS_E_NO_CONSENT,
                  "a referral without consent");
    s_expect_code(curie, s_parts(f->curie, me, s_update_json, 11, now), 20, RELAIS_E_FORBIDDEN,
                  "a partner's case update");
    s_expect_code(auditor, s_parts(f->auditor, "audit", s_referral(2, 1), 12, now), 21, RELAIS_E_FORBIDDEN,
                  "an auditor's referral");
    s_expect_code(auditor, s_parts(f->auditor, "audit", s_update_json, 13, now), 22, RELAIS_E_FORBIDDEN,
                  "an auditor's case update");

    /* A Request that decodes around a body that does not, correctly signed. */
    s_parts_t junk = {.body = (uint8_t *)strdup("\x0a\x05hello, not a Message"), .body_len = 21};
    assert_int_equal(relais_identity_sign(f->curie, junk.body, junk.body_len, junk.sig), 0);
    s_expect_code(curie, junk, 23, RELAIS_E_MALFORMED, "a Request around a body that does not decode");
    /* A request that asks nothing, credit without a feed, a two-frame request. */
    relais_request_t req = {.request_id = 24, .kind = RELAIS_REQ_CREDIT, .credit = 10};
    relais_reply_t reply;
    h_request(curie, &req, &reply);
    s_expect_refusal(&reply, RELAIS_E_MALFORMED, "credit without a feed");
    assert_int_equal(zmq_send(curie, "a", 1, ZMQ_SNDMORE), 1);
    assert_int_equal(zmq_send(curie, "b", 1, 0), 1);
    h_recv_reply(curie, &reply);
    s_expect_refusal(&reply, RELAIS_E_MALFORMED, "a request of two frames");

    s_ping(curie);
    assert_int_equal(h_head(&f->h), head);
    printf("forgeries: every one refused with its code; head still %llu\n", (unsigned long long)head);
}

/* ---- Handshakes ------------------------------------------------------------------------- */

/* Sends a ping on `sock` and expects no answer within `ms`. */
static void s_expect_silence(void *sock, int ms, const char *what)
{
    h_set_timeout(sock, ms);
    relais_request_t req = {.request_id = 77, .kind = RELAIS_REQ_PING};
    uint8_t *bytes = NULL;
    size_t len = 0;
    assert_int_equal(relais_request_encode(&req, &bytes, &len), 0);
    zmq_send(sock, bytes, len, ZMQ_DONTWAIT);
    free(bytes);
    relais_reply_t reply;
    s_tried++;
    if (h_try_recv_reply(sock, &reply) == 0)
        fail_msg("%s: the broker answered (kind %d)", what, reply.kind);
    s_refused++;
}

static void test_handshakes(void **state)
{
    s_fixture_t *f = *state;
    uint64_t head = h_head(&f->h);
    void *s = s_connect(f, f->outsider);
    s_expect_silence(s, 1500, "an unknown CURVE key");
    h_close(&f->h, s);
    assert_true(h_log_has(&f->h, "event=zap-denied"));
    /* A registered key that trusts another server key: CURVE itself fails. */
    s = s_connect_as(f, f->curie, f->pmi);
    s_expect_silence(s, 1000, "a client that expects another server key");
    h_close(&f->h, s);
    /* No CURVE at all. */
    s = zmq_socket(f->h.ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    assert_int_equal(zmq_connect(s, f->h.endpoint), 0);
    h_track(&f->h, s);
    s_expect_silence(s, 1000, "a plain, non-CURVE connection");
    h_close(&f->h, s);
    s = s_connect(f, f->curie);
    s_ping(s);
    assert_int_equal(h_head(&f->h), head);
}

/* ---- Reads a partner may not make, and a partner revoked while connected --------------- */

static void test_forbidden_reads(void **state)
{
    s_fixture_t *f = *state;
    void *curie = s_connect(f, f->curie);
    void *pmi = s_connect(f, f->pmi);
    assert_int_equal(s_expect_ack(curie, s_parts(f->curie, "college-curie", s_referral(1, 1), 1, h_now_ms()), 1), 1);
    uint64_t head = h_head(&f->h);
    relais_request_t req = {.request_id = 30, .kind = RELAIS_REQ_CASE_SHOW};
    snprintf(req.case_id, sizeof req.case_id, "C-1");
    relais_reply_t reply;
    h_request(pmi, &req, &reply);
    s_expect_refusal(&reply, RELAIS_E_FORBIDDEN, "a partner reading another partner's case");
    req = (relais_request_t){.request_id = 31, .kind = RELAIS_REQ_AUDIT_RECORDS, .from_seq = 1};
    h_request(pmi, &req, &reply);
    s_expect_refusal(&reply, RELAIS_E_FORBIDDEN, "a partner asking for the auditor's replay");
    req = (relais_request_t){.request_id = 32, .kind = RELAIS_REQ_AUDIT_RECORDS, .from_seq = 1, .to_seq = 1};
    h_request(curie, &req, &reply);
    s_expect_refusal(&reply, RELAIS_E_FORBIDDEN, "the referrer asking for the auditor's replay");
    assert_int_equal(h_head(&f->h), head);
}

static void test_revoked_while_connected(void **state)
{
    s_fixture_t *f = *state;
    void *pmi = s_connect(f, f->pmi);
    s_ping(pmi);
    uint64_t head = h_head(&f->h);
    char path[400];
    snprintf(path, sizeof path, "%s/pmi-blagis.cert", f->h.registry);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(kill(f->h.pid, SIGHUP), 0);
    for (int tries = 0; tries < 100 && !h_log_has(&f->h, "event=registry-reloaded"); tries++)
        h_sleep_ms(50);
    assert_true(h_log_has(&f->h, "event=registry-reloaded"));
    relais_reply_t reply;
    s_submit_parts(pmi, s_parts(f->pmi, "pmi-blagis", s_referral(5, 1), 40, h_now_ms()), 40, &reply);
    s_expect_refusal(&reply, RELAIS_E_UNKNOWN_SENDER, "a partner removed from the registry, still connected");
    relais_request_t req = {.request_id = 41, .kind = RELAIS_REQ_CASE_LIST};
    h_request(pmi, &req, &reply);
    s_expect_refusal(&reply, RELAIS_E_UNKNOWN_SENDER, "a removed partner's read");
    void *again = s_connect(f, f->pmi);
    s_expect_silence(again, 1500, "a removed partner's new connection");
    assert_int_equal(h_head(&f->h), head);
}

/* ---- The feed cap: UNAVAILABLE ---------------------------------------------------------- */

static void test_feed_cap(void **state)
{
    s_fixture_t *f = *state;
    void *coordo = s_connect(f, f->coordo);
    void *auditor = s_connect(f, f->auditor);
    void *curie = s_connect(f, f->curie);
    relais_request_t req = {.request_id = 50, .kind = RELAIS_REQ_SUBSCRIBE, .from_seq = 1, .credit = 10};
    relais_reply_t reply;
    h_request(coordo, &req, &reply); /* its own access record is record 1 */
    assert_int_equal(reply.kind, RELAIS_REPLY_DELIVERY);
    relais_reply_clear(&reply);
    h_request(auditor, &req, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_DELIVERY);
    relais_reply_clear(&reply);
    uint64_t head = h_head(&f->h);
    h_request(curie, &req, &reply);
    s_expect_refusal(&reply, RELAIS_E_UNAVAILABLE, "a third feed over --max-subscribers 2");
    assert_int_equal(h_head(&f->h), head);
}

/* ---- Feed credit: additive up to the window, a Subscribe replaces the feed whole -------- */

static void s_expect_deliveries(void *sock, uint64_t request_id, uint64_t first, uint64_t last, const char *what)
{
    for (uint64_t seq = first; seq <= last; seq++) {
        relais_reply_t reply;
        h_recv_reply(sock, &reply);
        if (reply.kind != RELAIS_REPLY_DELIVERY || reply.request_id != request_id || reply.delivery.seq != seq)
            fail_msg("%s: expected delivery #%llu of request %llu, got kind %d #%llu of request %llu", what,
                     (unsigned long long)seq, (unsigned long long)request_id, reply.kind,
                     (unsigned long long)reply.delivery.seq, (unsigned long long)reply.request_id);
        relais_reply_clear(&reply);
    }
    /* and no more than the credit allowed */
    h_set_timeout(sock, 300);
    relais_reply_t extra;
    if (h_try_recv_reply(sock, &extra) == 0)
        fail_msg("%s: a delivery beyond the credit (#%llu)", what, (unsigned long long)extra.delivery.seq);
    h_set_timeout(sock, H_RECV_TIMEOUT_MS);
}

static void test_feed_credit(void **state)
{
    s_fixture_t *f = *state;
    void *curie = s_connect(f, f->curie);
    int64_t now = h_now_ms();
    relais_reply_t reply;
    for (uint32_t i = 0; i < 6; i++) {
        s_submit_parts(curie, s_parts(f->curie, "college-curie", s_referral(i, 1), 300 + i, now), 300 + i, &reply);
        assert_int_equal(reply.kind, RELAIS_REPLY_ACK);
        relais_reply_clear(&reply);
    }
    void *coordo = s_connect(f, f->coordo);
    relais_request_t req = {.request_id = 80, .kind = RELAIS_REQ_SUBSCRIBE, .from_seq = 1, .credit = 3};
    h_send_request(coordo, &req);
    s_expect_deliveries(coordo, 80, 1, 3, "the Subscribe's credit");
    /* A Subscribe on the same connection replaces the feed: position, credit, request id. It
     * starts past the head (its own access record included), so its credit waits. */
    uint64_t head = h_head(&f->h);
    req = (relais_request_t){.request_id = 81, .kind = RELAIS_REQ_SUBSCRIBE, .from_seq = head + 2, .credit = 3};
    h_send_request(coordo, &req);
    /* The same grant twice while that credit waits (a keepalive re-grant): it tops up to the
     * window, it does not add up. */
    req = (relais_request_t){.request_id = 81, .kind = RELAIS_REQ_CREDIT, .credit = 3};
    h_send_request(coordo, &req);
    h_send_request(coordo, &req);
    s_ping(coordo); /* the Credits are read before what follows */
    for (int tries = 0; tries < 200 && h_head(&f->h) < head + 1; tries++)
        h_sleep_ms(10); /* and the new feed's access record is stored (seq head + 1) */
    assert_int_equal(h_head(&f->h), head + 1);
    for (uint32_t i = 6; i < 14; i++) {
        s_submit_parts(curie, s_parts(f->curie, "college-curie", s_referral(i, 1), 300 + i, now), 300 + i, &reply);
        assert_int_equal(reply.kind, RELAIS_REPLY_ACK);
        assert_int_equal(reply.ack.seq, head + 2 + (i - 6));
        relais_reply_clear(&reply);
    }
    s_expect_deliveries(coordo, 81, head + 2, head + 4, "a grant repeated while credit waits");
    /* A larger grant is a larger window. */
    req.credit = 5;
    h_send_request(coordo, &req);
    s_expect_deliveries(coordo, 81, head + 5, head + 9, "a larger grant");
    /* Replaced again, from further back. */
    req = (relais_request_t){.request_id = 82, .kind = RELAIS_REQ_SUBSCRIBE, .from_seq = 2, .credit = 2};
    h_send_request(coordo, &req);
    s_expect_deliveries(coordo, 82, 2, 3, "a Subscribe that replaces the feed");
    /* A Credit where there is no feed: refused, so that the agent subscribes again. */
    void *other = s_connect(f, f->coordo);
    req = (relais_request_t){.request_id = 83, .kind = RELAIS_REQ_CREDIT, .credit = 3};
    h_request(other, &req, &reply);
    s_expect_refusal(&reply, RELAIS_E_MALFORMED, "a Credit on a connection without a feed");
}

/* ---- A full store: STORE_FULL to senders, nothing half-written, reads and feeds go on ---- */

/* The latest checkpoint stored (read-only, the broker stopped or not). */
static uint64_t s_latest_checkpoint(const s_fixture_t *f)
{
    relais_store_options_t o = {.read_only = 1};
    relais_store_t *store = NULL;
    relais_store_checkpoint_t cp;
    if (relais_store_open(f->h.store, &o, &store) != 0)
        fail_msg("cannot open the store read-only: %s", relais_status_detail());
    memset(&cp, 0, sizeof cp);
    int rc = relais_store_checkpoint_latest(store, &cp);
    relais_store_destroy(&store);
    return rc == 0 ? cp.size : 0;
}

/* A logged read on a full store: answered, and its access record is in the log. */
static void s_logged_read(s_fixture_t *f, void *sock, relais_request_t *req, relais_reply_kind_t kind,
                          const char *what)
{
    uint64_t before = h_head(&f->h);
    relais_reply_t reply;
    h_request(sock, req, &reply);
    if (reply.kind != kind)
        fail_msg("%s on a full store: %s (%s)", what, relais_status_name(reply.error.status), reply.error.message);
    relais_reply_clear(&reply);
    assert_true(h_head(&f->h) <= before + 1); /* its reader's lease, when it had none yet */
}

static void s_run(const char *cmd)
{
    int rc = system(cmd);
    if (rc != 0)
        fail_msg("'%s' exited %d", cmd, rc);
}

static void test_store_full(void **state)
{
    s_fixture_t *f = *state;
    void *curie = s_connect(f, f->curie);
    void *coordo = s_connect(f, f->coordo);
    /* A feed that runs from before the store fills. */
    relais_request_t req = {.request_id = 60, .kind = RELAIS_REQ_SUBSCRIBE, .from_seq = 1, .credit = 4000};
    h_send_request(coordo, &req);
    relais_reply_t reply;
    uint64_t acked = 0;
    int full = 0;
    int64_t now = h_now_ms();
    for (uint32_t i = 0; i < 20000 && !full; i++) {
        s_submit_parts(curie, s_parts(f->curie, "college-curie", s_referral(i % 500, 1), 1000 + i, now), 1000 + i,
                       &reply);
        if (reply.kind == RELAIS_REPLY_ACK) {
            acked = reply.ack.seq;
            relais_reply_clear(&reply);
            continue;
        }
        full = 1;
        if (!strstr(reply.error.message, "kept for the hub's own records"))
            fail_msg("STORE_FULL without the reserve's reason: %s", reply.error.message);
        s_expect_refusal(&reply, RELAIS_E_STORE_FULL, "a referral to a full store");
    }
    assert_true(full);
    uint64_t head = h_head(&f->h);
    assert_true(head >= acked);
    /* Still full, still nothing written; the broker still answers. */
    s_submit_parts(curie, s_parts(f->curie, "college-curie", s_referral(7, 1), 99999, now), 99999, &reply);
    s_expect_refusal(&reply, RELAIS_E_STORE_FULL, "another referral to a full store");
    s_ping(curie);
    assert_int_equal(h_head(&f->h), head);
    /* The running feed delivers everything stored. */
    uint64_t seen = 0;
    while (seen < head) {
        h_recv_reply(coordo, &reply);
        assert_int_equal(reply.kind, RELAIS_REPLY_DELIVERY);
        assert_int_equal(reply.delivery.seq, seen + 1);
        seen = reply.delivery.seq;
        relais_reply_clear(&reply);
    }
    /* Unlogged reads answer; logged reads use the room kept for them (the reserve), many of
     * them: far more access records than the space a last refused referral left. */
    req = (relais_request_t){.request_id = 61, .kind = RELAIS_REQ_AUDIT_CHECKPOINT};
    h_request(coordo, &req, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_CHECKPOINT);
    relais_reply_clear(&reply);
    void *coordo2 = s_connect(f, f->coordo);
    void *auditor = s_connect(f, f->auditor);
    const int reads = 300;
    for (int i = 0; i < reads; i++) {
        req = (relais_request_t){.request_id = 1000 + (uint64_t)i, .kind = RELAIS_REQ_CASE_LIST};
        s_logged_read(f, coordo2, &req, RELAIS_REPLY_CASE_LIST, "case list");
        if (i % 30 == 0) {
            req = (relais_request_t){.request_id = 5000 + (uint64_t)i, .kind = RELAIS_REQ_AUDIT_RECORDS,
                                     .from_seq = 1};
            s_logged_read(f, auditor, &req, RELAIS_REPLY_RECORDS, "audit records");
        }
    }
    req = (relais_request_t){.request_id = 62, .kind = RELAIS_REQ_AUDIT_CHECKPOINT};
    h_request(auditor, &req, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_CHECKPOINT);
    relais_reply_clear(&reply);
    /* Senders are still refused, with the reserve now partly used. */
    s_submit_parts(curie, s_parts(f->curie, "college-curie", s_referral(8, 1), 99998, now), 99998, &reply);
    s_expect_refusal(&reply, RELAIS_E_STORE_FULL, "a referral once reads used the reserve");
    req = (relais_request_t){.request_id = 63, .kind = RELAIS_REQ_SUBSCRIBE, .from_seq = head - 2, .credit = 3};
    h_request(coordo2, &req, &reply);
    if (reply.kind != RELAIS_REPLY_DELIVERY)
        fail_msg("a new feed on a full store: %s (%s)", relais_status_name(reply.error.status), reply.error.message);
    assert_int_equal(reply.delivery.seq, head - 2);
    relais_reply_clear(&reply);
    /* While the store is full, a reader's reads are logged by one lease a minute (reads-while-
     * store-full), not one record each: the coordinator's and the auditor's leases, the new
     * feed's is the coordinator's too. */
    uint64_t final = h_head(&f->h);
    assert_true(final >= head + 2 && final <= head + 4);
    assert_true(h_log_count(&f->h, "covered_by=") >= reads);
    /* Checkpoints go on while full: one of a size past the fill comes within the 1 s interval. */
    for (int tries = 0; tries < 100 && s_latest_checkpoint(f) <= head; tries++)
        h_sleep_ms(50);
    assert_true(s_latest_checkpoint(f) > head);
    printf("store full after %llu records: senders get STORE_FULL; %d reads logged by %llu leases, a new feed and "
           "checkpoints went on\n",
           (unsigned long long)head, reads + reads / 30 + 1, (unsigned long long)(final - head));
    h_close(&f->h, coordo);
    h_close(&f->h, coordo2);
    h_close(&f->h, auditor);
    h_close(&f->h, curie);
    /* A clean stop signs the final checkpoint, of the whole log, and the log verifies: no
     * half-written batch. */
    assert_int_equal(kill(f->h.pid, SIGTERM), 0);
    int status = 0;
    assert_int_equal(waitpid(f->h.pid, &status, 0), f->h.pid);
    f->h.pid = 0;
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    final = h_head(&f->h);
    assert_int_equal(s_latest_checkpoint(f), final);
    char want[64];
    snprintf(want, sizeof want, "event=checkpoint size=%llu", (unsigned long long)final);
    assert_true(h_log_has(&f->h, want));
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "'%s' audit verify --quiet --store '%s' --certs '%s'", RELAIS_PATH, f->h.store,
             f->h.registry);
    s_run(cmd);
}

/* ---- A frozen subscriber under load ------------------------------------------------------ */

/* Sends `count` referrals on `sock`, `window` in flight, and waits for every ack. */
static void s_flood(s_fixture_t *f, void *sock, uint32_t first, uint32_t count, pid_t watch, long *peak_rss,
                    long *peak_anon)
{
    const uint32_t window = 128;
    uint32_t sent = 0, acked = 0;
    int64_t now = h_now_ms();
    while (acked < count) {
        while (sent < count && sent - acked < window) {
            uint32_t id = first + sent;
            s_parts_t p = s_parts(f->curie, "college-curie", s_referral(id % 997, 1), id, now);
            size_t len = 0;
            uint8_t *frame = s_frame(&p, id, &len);
            h_send_bytes(sock, frame, len);
            free(frame);
            sent++;
        }
        relais_reply_t reply;
        h_recv_reply(sock, &reply);
        if (reply.kind == RELAIS_REPLY_ERROR && reply.error.status == RELAIS_E_UNAVAILABLE) {
            fail_msg("intake refused under load: %s", reply.error.message);
        }
        assert_int_equal(reply.kind, RELAIS_REPLY_ACK);
        relais_reply_clear(&reply);
        acked++;
        if (acked % 500 == 0) {
            long rss = h_proc_kib(watch, "VmRSS"), anon = h_proc_kib(watch, "RssAnon");
            *peak_rss = rss > *peak_rss ? rss : *peak_rss;
            *peak_anon = anon > *peak_anon ? anon : *peak_anon;
        }
    }
}

static void test_frozen_subscriber(void **state)
{
    s_fixture_t *f = *state;
    const uint32_t total = h_torture() ? 100000 : 10000;
    const int64_t min_ms = h_torture() ? 180000 : 3000; /* how long the subscriber stays frozen at least */
    void *frozen = s_connect(f, f->coordo);
    int hwm = 1;
    zmq_setsockopt(frozen, ZMQ_RCVHWM, &hwm, sizeof hwm);
    /* The largest credit the wire carries, then never another read. */
    relais_request_t req = {.request_id = 70, .kind = RELAIS_REQ_SUBSCRIBE, .from_seq = 1, .credit = UINT32_MAX};
    h_send_request(frozen, &req);
    void *curie = s_connect(f, f->curie);
    s_ping(curie);
    long base_rss = h_proc_kib(f->h.pid, "VmRSS"), base_anon = h_proc_kib(f->h.pid, "RssAnon");
    long peak_rss = base_rss, peak_anon = base_anon;
    int64_t t0 = h_now_ms(), flood_ms = 0;
    uint32_t done = 0;
    while (done < total || h_now_ms() - t0 < min_ms) {
        uint32_t n = total - done < 2000 ? total - done : 2000;
        if (n == 0) {
            h_sleep_ms(500);
            long rss = h_proc_kib(f->h.pid, "VmRSS"), anon = h_proc_kib(f->h.pid, "RssAnon");
            peak_rss = rss > peak_rss ? rss : peak_rss;
            peak_anon = anon > peak_anon ? anon : peak_anon;
            continue;
        }
        s_flood(f, curie, 100 + done, n, f->h.pid, &peak_rss, &peak_anon);
        done += n;
        flood_ms = h_now_ms() - t0;
    }
    int64_t ms = h_now_ms() - t0;
    /* Another subscriber is not held up by the frozen one: it gets the whole log. */
    void *reader = s_connect(f, f->auditor);
    uint64_t head = h_head(&f->h);
    req = (relais_request_t){.request_id = 71, .kind = RELAIS_REQ_SUBSCRIBE, .from_seq = head - 99, .credit = 100};
    h_send_request(reader, &req);
    relais_reply_t reply;
    for (uint64_t seq = head - 99; seq <= head; seq++) {
        h_recv_reply(reader, &reply);
        assert_int_equal(reply.kind, RELAIS_REPLY_DELIVERY);
        assert_int_equal(reply.delivery.seq, seq);
        relais_reply_clear(&reply);
    }
    h_summary("frozen subscriber: frozen for %.1f s while %u messages went in (%.1f s, %.0f/s); broker VmRSS %ld -> "
              "peak %ld KiB, anonymous %ld -> peak %ld KiB\n",
              ms / 1000.0, total, flood_ms / 1000.0, total * 1000.0 / (double)(flood_ms ? flood_ms : 1), base_rss,
              peak_rss, base_anon, peak_anon);
    if (getenv("RELAIS_TORTURE_SUMMARY"))
        h_summary("frozen_peak_rss_kib=%ld\nfrozen_peak_anon_kib=%ld\n", peak_rss, peak_anon);
    /* Bounded: a frozen feed costs at most its peer's pipe (HWM), never the whole log. The
     * file-backed part of RSS is the store's map, which the kernel can drop at will. */
#ifdef __SANITIZE_ADDRESS__
    printf("(the memory bound is not checked under ASan: its quarantine keeps freed memory resident)\n");
#else
    assert_true(peak_anon - base_anon < 96 * 1024);
#endif
    s_ping(curie);
}

/* ---- TCP-level garbage, half frames, connections opened and dropped --------------------- */

static int s_tcp_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
        fail_msg("connect 127.0.0.1:%d: %s", port, strerror(errno));
    return fd;
}

static void s_tcp_send(int fd, const void *bytes, size_t len)
{
    ssize_t n = send(fd, bytes, len, MSG_NOSIGNAL);
    (void)n; /* the broker may close first: that is its right */
}

static void test_tcp_garbage(void **state)
{
    s_fixture_t *f = *state;
    uint64_t head = h_head(&f->h);
    /* The first 10 bytes of a ZMTP 3 greeting, and nothing more: held open meanwhile. */
    static const uint8_t greeting[] = {0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 0};
    int stalled = s_tcp_connect(f->h.port);
    s_tcp_send(stalled, greeting, 10);
    /* A whole greeting asking for CURVE, then half a HELLO command. */
    int half = s_tcp_connect(f->h.port);
    uint8_t g[64] = {0};
    memcpy(g, greeting, sizeof greeting);
    memcpy(g + 12, "CURVE", 5);
    s_tcp_send(half, g, 64);
    static const uint8_t hello_start[] = {0x04, 200, 5, 'H', 'E', 'L', 'L', 'O', 1, 0};
    s_tcp_send(half, hello_start, sizeof hello_start);
    /* Garbage of every size, and a frame header announcing 2^62 bytes. */
    uint64_t rng = 0x1234567;
    for (int i = 0; i < 50; i++) {
        int fd = s_tcp_connect(f->h.port);
        uint8_t junk[4096];
        size_t n = 1 + (size_t)(rng % sizeof junk);
        for (size_t j = 0; j < n; j++) {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            junk[j] = (uint8_t)rng;
        }
        if (i % 5 == 0)
            memcpy(junk, greeting, n < 10 ? n : 10);
        s_tcp_send(fd, junk, n);
        close(fd);
        s_tried++;
        s_refused++;
    }
    int huge = s_tcp_connect(f->h.port);
    s_tcp_send(huge, g, 64);
    static const uint8_t big_frame[] = {0x02, 0x40, 0, 0, 0, 0, 0, 0, 0};
    s_tcp_send(huge, big_frame, sizeof big_frame);
    /* Thousands of connections opened and dropped, half of them after starting a CURVE handshake. */
    int churn = h_torture() ? 5000 : 500;
    for (int i = 0; i < churn; i++) {
        int fd = s_tcp_connect(f->h.port);
        if (i % 2)
            s_tcp_send(fd, g, 64);
        if (i % 3 == 0) {
            struct linger l = {1, 0}; /* an RST rather than a FIN */
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        }
        close(fd);
    }
    for (int i = 0; i < churn / 10; i++) {
        void *s = s_connect(f, f->curie);
        h_close(&f->h, s);
    }
    close(stalled);
    close(half);
    close(huge);
    /* Still up, still serving, nothing stored. */
    void *curie = s_connect(f, f->curie);
    s_ping(curie);
    assert_int_equal(s_expect_ack(curie, s_parts(f->curie, "college-curie", s_referral(1, 1), 1, h_now_ms()), 1),
                     head + 1);
    assert_int_equal(waitpid(f->h.pid, NULL, WNOHANG), 0);
    printf("tcp: 50 garbage streams, half frames, %d connections opened and dropped: broker up and serving; "
           "VmRSS %ld KiB\n",
           churn, h_proc_kib(f->h.pid, "VmRSS"));
}

/* The last test: the figures. */
static void test_summary(void **state)
{
    (void)state;
    h_summary("hostile inputs tried: %u, refused: %u\n", s_tried, s_refused);
    if (getenv("RELAIS_TORTURE_SUMMARY"))
        h_summary("hostile_tried=%u\nhostile_refused=%u\n", s_tried, s_refused);
    assert_int_equal(s_tried, s_refused);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_corpus, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_forgeries, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_handshakes, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_forbidden_reads, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_revoked_while_connected, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_feed_cap, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_feed_credit, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_store_full, s_setup_small_store, s_teardown),
        cmocka_unit_test_setup_teardown(test_frozen_subscriber, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_tcp_garbage, s_setup, s_teardown),
        cmocka_unit_test(test_summary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
