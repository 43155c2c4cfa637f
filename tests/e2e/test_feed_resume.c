/* test_feed_resume.c -- librelais's feed against a scripted broker: lost subscriptions and reconnections.
 *
 * The broker here is a bare CURVE ROUTER driven by the test, so that the conditions of a
 * stalled feed are made on purpose rather than waited for in a kill -9 loop:
 * - a Subscribe the broker never serves (a broker that lost it, restarted unnoticed, or
 *   dropped the feed as idle): the client must find out by itself, with a keepalive Credit
 *   after retry_ms / 2 of silence, take the refusal of that Credit as "subscribe again",
 *   and then get every record once, in order;
 * - a reconnection while deliveries are still queued in the client: nothing may go out on
 *   the new connection before the new Subscribe (a Credit there is refused and used to end
 *   the feed), which starts just after the last record received, with the whole window;
 *   late replies of the old subscription are ignored.
 * The test is single-threaded: the client only acts inside relais_feed_next, so the test
 * alternates short relais_feed_next calls with reads on the scripted broker's socket.
 */
#define _GNU_SOURCE /* nftw */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "relais_certs.h"
#include "relais_client.h"
#include "relais_proto.h"

#define S_WINDOW 8         /* the client's credit (ring size) */
#define S_RETRY_MS 1000    /* the client's retry_ms: keepalive after 500 ms of silence */
#define S_WAIT_MS 5000     /* the longest any expected step may take */

typedef struct {
    char dir[256];
    char key[320], cert[320];
    relais_identity_t *hub, *coordo;
    char endpoint[64];
    void *ctx;                       /* the scripted broker's context */
    void *router;                    /* its ROUTER, CURVE server with the hub's keys */
    uint8_t route[256];              /* the client's routing id on the current connection */
    size_t route_len;
    relais_client_t *client;
} s_fixture_t;

static int64_t s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void s_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int s_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* ---- The scripted broker ------------------------------------------------------------------ */

static int s_bind(s_fixture_t *f)
{
    f->router = zmq_socket(f->ctx, ZMQ_ROUTER);
    assert_non_null(f->router);
    int one = 1, zero = 0;
    const char *secret = relais_identity_curve_secret_z85(f->hub);
    assert_int_equal(zmq_setsockopt(f->router, ZMQ_CURVE_SERVER, &one, sizeof one), 0);
    assert_int_equal(zmq_setsockopt(f->router, ZMQ_CURVE_SECRETKEY, secret, strlen(secret)), 0);
    assert_int_equal(zmq_setsockopt(f->router, ZMQ_ROUTER_MANDATORY, &one, sizeof one), 0);
    assert_int_equal(zmq_setsockopt(f->router, ZMQ_LINGER, &zero, sizeof zero), 0);
    return zmq_bind(f->router, f->endpoint);
}

/* Closes the broker's socket (the client sees its connection drop) and binds a new one on
 * the same endpoint: a broker restart, as far as the client can tell. */
static void s_restart(s_fixture_t *f)
{
    zmq_close(f->router);
    f->router = NULL;
    f->route_len = 0;
    int64_t until = s_now_ms() + S_WAIT_MS;
    while (relais_client_is_connected(f->client) && s_now_ms() < until)
        s_sleep_ms(10);
    assert_false(relais_client_is_connected(f->client));
    int bound = s_bind(f);
    for (int tries = 0; bound != 0 && tries < 100; tries++) { /* the old listener closes in the background */
        zmq_close(f->router);
        s_sleep_ms(20);
        bound = s_bind(f);
    }
    assert_int_equal(bound, 0);
    until = s_now_ms() + S_WAIT_MS;
    while (!relais_client_is_connected(f->client) && s_now_ms() < until)
        s_sleep_ms(10);
    assert_true(relais_client_is_connected(f->client));
}

/* One request from the client if one is waiting; 1 when *req is filled. */
static int s_take(s_fixture_t *f, relais_request_t *req)
{
    uint8_t route[256];
    int n = zmq_recv(f->router, route, sizeof route, ZMQ_DONTWAIT);
    if (n < 0)
        return 0;
    assert_true(n > 0 && (size_t)n <= sizeof route);
    memcpy(f->route, route, (size_t)n);
    f->route_len = (size_t)n;
    zmq_msg_t body;
    zmq_msg_init(&body);
    assert_true(zmq_msg_recv(&body, f->router, 0) >= 0);
    assert_int_equal(relais_request_decode(zmq_msg_data(&body), zmq_msg_size(&body), req), 0);
    zmq_msg_close(&body);
    return 1;
}

static void s_send(s_fixture_t *f, const relais_reply_t *reply)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    assert_true(f->route_len > 0);
    assert_int_equal(relais_reply_encode(reply, &bytes, &len), 0);
    assert_int_equal(zmq_send(f->router, f->route, f->route_len, ZMQ_SNDMORE), (int)f->route_len);
    assert_int_equal(zmq_send(f->router, bytes, len, 0), (int)len);
    free(bytes);
}

static void s_deliver(s_fixture_t *f, uint64_t request_id, uint64_t seq)
{
    static const uint8_t record[] = "a record";
    relais_reply_t reply;
    memset(&reply, 0, sizeof reply);
    reply.request_id = request_id;
    reply.kind = RELAIS_REPLY_DELIVERY;
    reply.delivery.seq = seq;
    reply.delivery.received_ms = 1764000000000 + (int64_t)seq;
    reply.delivery.record = record;
    reply.delivery.record_len = sizeof record;
    s_send(f, &reply);
}

static void s_refuse(s_fixture_t *f, uint64_t request_id, int status, const char *sentence)
{
    relais_reply_t reply;
    memset(&reply, 0, sizeof reply);
    reply.request_id = request_id;
    reply.kind = RELAIS_REPLY_ERROR;
    reply.error.status = status;
    snprintf(reply.error.message, sizeof reply.error.message, "%s", sentence);
    s_send(f, &reply);
}

/* ---- The client ----------------------------------------------------------------------------- */

/* Lets the client work (short relais_feed_next calls) until the broker has a request; a
 * delivery handed out meanwhile is a failure (none is expected while waiting). */
static void s_expect_request(s_fixture_t *f, relais_request_t *req, const char *what)
{
    int64_t until = s_now_ms() + S_WAIT_MS;
    while (!s_take(f, req)) {
        if (s_now_ms() > until)
            fail_msg("no request from the client: %s", what);
        relais_delivery_t d;
        relais_error_t err;
        memset(&err, 0, sizeof err);
        int rc = relais_feed_next(f->client, 50, &d, &err);
        if (rc == RELAIS_OK)
            fail_msg("unexpected delivery #%llu while waiting for %s", (unsigned long long)d.seq, what);
        if (rc != RELAIS_E_TIMEOUT)
            fail_msg("the feed failed while waiting for %s: %s (%s)", what, relais_strerror(rc), err.message);
    }
}

static uint64_t s_expect_subscribe(s_fixture_t *f, uint64_t from, const char *what)
{
    relais_request_t req;
    s_expect_request(f, &req, what);
    if (req.kind != RELAIS_REQ_SUBSCRIBE)
        fail_msg("%s: the client sent request kind %d, not a Subscribe", what, (int)req.kind);
    assert_int_equal(req.from_seq, from);
    assert_int_equal(req.credit, S_WINDOW); /* the whole window, counted afresh */
    return req.request_id;
}

static void s_expect_delivery(s_fixture_t *f, uint64_t seq)
{
    relais_delivery_t d;
    relais_error_t err;
    memset(&err, 0, sizeof err);
    int rc = relais_feed_next(f->client, S_WAIT_MS, &d, &err);
    if (rc != RELAIS_OK)
        fail_msg("no delivery #%llu: %s (%s)", (unsigned long long)seq, relais_strerror(rc), err.message);
    assert_int_equal(d.seq, seq);
    assert_int_equal(relais_feed_last_seq(f->client), seq);
}

/* Nothing for `ms`: no delivery, no failure, and no request reaches the broker. */
static void s_expect_quiet(s_fixture_t *f, int ms, const char *what)
{
    relais_delivery_t d;
    relais_error_t err;
    memset(&err, 0, sizeof err);
    int rc = relais_feed_next(f->client, ms, &d, &err);
    if (rc == RELAIS_OK)
        fail_msg("%s: unexpected delivery #%llu", what, (unsigned long long)d.seq);
    if (rc != RELAIS_E_TIMEOUT)
        fail_msg("%s: the feed failed: %s (%s)", what, relais_strerror(rc), err.message);
}

/* ---- Fixture -------------------------------------------------------------------------------- */

static int s_setup(void **state)
{
    s_fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "%s/relais-feed-resume.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(f->dir));
    assert_int_equal(relais_identity_generate("hub", RELAIS_ROLE_BROKER, NULL, &f->hub), 0);
    assert_int_equal(relais_identity_generate("coordination", RELAIS_ROLE_COORDINATOR, NULL, &f->coordo), 0);
    assert_int_equal(relais_identity_save(f->hub, f->dir), 0);
    assert_int_equal(relais_identity_save(f->coordo, f->dir), 0);
    snprintf(f->key, sizeof f->key, "%s/coordination.cert_secret", f->dir);
    snprintf(f->cert, sizeof f->cert, "%s/hub.cert", f->dir);
    f->ctx = zmq_ctx_new();
    assert_non_null(f->ctx);
    int bound = -1;
    for (int attempt = 0; attempt < 20 && bound != 0; attempt++) {
        if (f->router)
            zmq_close(f->router);
        snprintf(f->endpoint, sizeof f->endpoint, "tcp://127.0.0.1:%d", 18000 + (getpid() * 7 + attempt * 131) % 2000);
        bound = s_bind(f);
    }
    assert_int_equal(bound, 0);
    relais_client_options_t o = {
        .endpoint = f->endpoint, .key_path = f->key, .server_cert_path = f->cert, .retry_ms = S_RETRY_MS};
    assert_int_equal(relais_client_new(&o, &f->client), 0);
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    s_fixture_t *f = *state;
    relais_client_destroy(&f->client);
    if (f->router)
        zmq_close(f->router);
    if (f->ctx)
        zmq_ctx_term(f->ctx);
    relais_identity_destroy(&f->hub);
    relais_identity_destroy(&f->coordo);
    nftw(f->dir, s_rm, 8, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

/* ---- Tests ---------------------------------------------------------------------------------- */

/* The broker holds the subscription no more (or never got it) while the client believes it
 * has credit outstanding: the feed must not stall. */
static void test_lost_subscription(void **state)
{
    s_fixture_t *f = *state;
    assert_int_equal(relais_feed_subscribe(f->client, 1, S_WINDOW), 0);
    uint64_t lost = s_expect_subscribe(f, 1, "the first Subscribe");
    /* Never served. After a silence the client grants its credit again... */
    relais_request_t req;
    int64_t t0 = s_now_ms();
    s_expect_request(f, &req, "a keepalive Credit after a silence");
    assert_int_equal(req.kind, RELAIS_REQ_CREDIT);
    assert_int_equal(req.request_id, lost); /* a Credit names its Subscribe */
    assert_true(req.credit > 0 && req.credit <= S_WINDOW);
    assert_true(s_now_ms() - t0 >= S_RETRY_MS / 2 - 100);
    /* ... which a broker without the feed refuses, as relaisd does: subscribe again. */
    s_refuse(f, lost, RELAIS_E_MALFORMED, "no feed on this connection: subscribe first");
    uint64_t id = s_expect_subscribe(f, 1, "a new Subscribe after the refused Credit");
    assert_true(id != lost);
    for (uint64_t seq = 1; seq <= 3; seq++)
        s_deliver(f, id, seq);
    for (uint64_t seq = 1; seq <= 3; seq++)
        s_expect_delivery(f, seq);
    /* Silence again with credit outstanding: another keepalive, and it is not refused. */
    s_expect_request(f, &req, "a second keepalive Credit");
    assert_int_equal(req.kind, RELAIS_REQ_CREDIT);
    assert_int_equal(req.request_id, id);
    s_deliver(f, id, 4);
    s_expect_delivery(f, 4);
    /* A broker too busy to take the feed: retried, not fatal. */
    s_refuse(f, id, RELAIS_E_UNAVAILABLE, "too many feeds are open; retry later");
    id = s_expect_subscribe(f, 5, "a Subscribe retried after UNAVAILABLE");
    s_deliver(f, id, 5);
    s_expect_delivery(f, 5);
    /* A refusal for good ends the feed with the broker's code. */
    s_refuse(f, id, RELAIS_E_FORBIDDEN, "this identity has no feed");
    relais_delivery_t d;
    relais_error_t err;
    assert_int_equal(relais_feed_next(f->client, S_WAIT_MS, &d, &err), RELAIS_E_FORBIDDEN);
    assert_int_equal(err.status, RELAIS_E_FORBIDDEN);
}

/* The broker restarts while deliveries are still queued in the client. */
static void test_reconnect_with_queued_deliveries(void **state)
{
    s_fixture_t *f = *state;
    assert_int_equal(relais_feed_subscribe(f->client, 1, S_WINDOW), 0);
    uint64_t first = s_expect_subscribe(f, 1, "the first Subscribe");
    for (uint64_t seq = 1; seq <= S_WINDOW; seq++)
        s_deliver(f, first, seq);
    s_sleep_ms(200); /* all of them in the client's socket: one read takes them all */
    s_expect_delivery(f, 1);
    s_expect_delivery(f, 2);

    s_restart(f);
    /* The caller reads what is queued; the client sends nothing on the new connection
     * meanwhile (a Credit there is for a feed the new broker does not have). */
    relais_request_t req;
    for (uint64_t seq = 3; seq < S_WINDOW; seq++) {
        s_expect_delivery(f, seq);
        s_sleep_ms(20);
        if (s_take(f, &req))
            fail_msg("request kind %d sent on the new connection before the Subscribe (ring still held #%llu..)",
                     (int)req.kind, (unsigned long long)seq + 1);
    }
    s_expect_delivery(f, S_WINDOW); /* the last one queued: the ring is empty now */
    uint64_t id = s_expect_subscribe(f, S_WINDOW + 1, "the Subscribe after the reconnection");
    assert_true(id != first);
    /* Late replies of the old subscription (its Credit refused, a delivery) are ignored. */
    s_refuse(f, first, RELAIS_E_MALFORMED, "no feed on this connection: subscribe first");
    s_deliver(f, first, 5);
    s_deliver(f, id, S_WINDOW + 1);
    s_deliver(f, id, S_WINDOW + 2);
    s_expect_delivery(f, S_WINDOW + 1);
    s_expect_delivery(f, S_WINDOW + 2);
    s_expect_quiet(f, 200, "after the new subscription's deliveries");

    /* A second restart with nothing queued: subscribed again at once, from the next one. */
    s_restart(f);
    id = s_expect_subscribe(f, S_WINDOW + 3, "the Subscribe after a second reconnection");
    s_deliver(f, id, S_WINDOW + 3);
    s_expect_delivery(f, S_WINDOW + 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lost_subscription, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_reconnect_with_queued_deliveries, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
