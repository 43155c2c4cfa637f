/* test_revocation.c -- revocation that revokes: after a registry reload nothing more reaches an identity no longer trusted.
 *
 * The attacks of the review, against the real relaisd on loopback: a feed opened before the
 * reload (a coordinator's, which carries whole records, and a partner's), a session whose
 * name was given another key, a name removed from the registry. After SIGHUP, each of them
 * gets no delivery of a record written after it, and every request it makes is refused with
 * UNKNOWN_SENDER; the new key of a re-keyed name works.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "relais_certs.h"
#include "relais_proto.h"

#include "harness.h"

#ifndef RELAISD_PATH
#error "RELAISD_PATH must be defined"
#endif

typedef struct {
    h_env_t h;
    relais_identity_t *hub, *curie, *pmi, *coordo, *auditor;
} s_fixture_t;

static int s_setup(void **state)
{
    s_fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    h_env_init(&f->h, "revocation", RELAISD_PATH);
    f->hub = h_identity(&f->h, "hub", RELAIS_ROLE_BROKER, "Ville", 1);
    f->curie = h_identity(&f->h, "college-curie", RELAIS_ROLE_PARTNER, "College Marie Curie", 1);
    f->pmi = h_identity(&f->h, "pmi-blagis", RELAIS_ROLE_PARTNER, "PMI Les Blagis", 1);
    f->coordo = h_identity(&f->h, "coordination", RELAIS_ROLE_COORDINATOR, "Ville", 1);
    f->auditor = h_identity(&f->h, "audit", RELAIS_ROLE_AUDITOR, "Ville", 1);
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

static char s_json[1024];

static const char *s_child(unsigned n)
{
    char family[32];
    snprintf(family, sizeof family, "Revoque%u", n);
    return h_referral_json(s_json, sizeof s_json, "College Marie Curie", family, "Enfant", "2014-05-21");
}

/* Opens a feed from `from` with room for many deliveries; returns after the first. */
static void s_subscribe(void *sock, uint64_t request_id, uint64_t from)
{
    relais_request_t req = {.request_id = request_id, .kind = RELAIS_REQ_SUBSCRIBE, .from_seq = from, .credit = 1000};
    h_send_request(sock, &req);
}

/* Reads deliveries until one of seq >= `seq` arrived; fails when none comes. */
static void s_await_delivery(void *sock, uint64_t seq, const char *what)
{
    for (;;) {
        relais_reply_t reply;
        if (h_try_recv_reply(sock, &reply) != 0)
            fail_msg("%s: no delivery of #%llu", what, (unsigned long long)seq);
        uint64_t got = reply.kind == RELAIS_REPLY_DELIVERY ? reply.delivery.seq : 0;
        int kind = reply.kind;
        relais_reply_clear(&reply);
        if (kind != RELAIS_REPLY_DELIVERY)
            fail_msg("%s: expected deliveries, got kind %d", what, kind);
        if (got >= seq)
            return;
    }
}

/* Reads whatever is still on its way before the reload (records up to now). */
static void s_drain(void *sock)
{
    h_set_timeout(sock, 500);
    relais_reply_t reply;
    while (h_try_recv_reply(sock, &reply) == 0)
        relais_reply_clear(&reply);
    h_set_timeout(sock, H_RECV_TIMEOUT_MS);
}

static void s_move_to_revoked(s_fixture_t *f, const char *name)
{
    char from[400], dir[400], to[500];
    snprintf(from, sizeof from, "%s/%s.cert", f->h.registry, name);
    snprintf(dir, sizeof dir, "%s/revoked", f->h.registry);
    snprintf(to, sizeof to, "%s/%s.cert", dir, name);
    mkdir(dir, 0700);
    assert_int_equal(rename(from, to), 0);
}

static void s_expect_refused_reads(void *sock, const char *what)
{
    relais_reply_t reply;
    relais_request_t list = {.request_id = 501, .kind = RELAIS_REQ_CASE_LIST};
    h_request(sock, &list, &reply);
    h_expect_error(&reply, RELAIS_E_UNKNOWN_SENDER, what);
    relais_request_t show = {.request_id = 502, .kind = RELAIS_REQ_CASE_SHOW};
    snprintf(show.case_id, sizeof show.case_id, "C-1");
    h_request(sock, &show, &reply);
    h_expect_error(&reply, RELAIS_E_UNKNOWN_SENDER, what);
    relais_request_t page = {.request_id = 503, .kind = RELAIS_REQ_AUDIT_RECORDS, .from_seq = 1};
    h_request(sock, &page, &reply);
    h_expect_error(&reply, RELAIS_E_UNKNOWN_SENDER, what);
    relais_request_t sub = {.request_id = 504, .kind = RELAIS_REQ_SUBSCRIBE, .from_seq = 1, .credit = 10};
    h_request(sock, &sub, &reply);
    h_expect_error(&reply, RELAIS_E_UNKNOWN_SENDER, what);
}

/* A coordinator's feed and an auditor's, opened before the reload; the coordinator is moved to
 * revoked/: its feed stops at once, the auditor's goes on. */
static void test_revoked_feed_stops(void **state)
{
    s_fixture_t *f = *state;
    void *curie = h_connect_as(&f->h, f->curie, f->hub);
    void *coordo = h_connect_as(&f->h, f->coordo, f->hub);
    void *auditor = h_connect_as(&f->h, f->auditor, f->hub);
    uint64_t first = h_expect_ack(curie, f->curie, s_child(1), 1, 1).seq;
    s_subscribe(coordo, 10, 1);
    s_subscribe(auditor, 11, 1);
    s_await_delivery(coordo, first, "the coordinator's feed before the reload");
    s_await_delivery(auditor, first, "the auditor's feed before the reload");
    s_drain(coordo);

    s_move_to_revoked(f, "coordination");
    h_reload(&f->h);
    uint64_t after = h_expect_ack(curie, f->curie, s_child(2), 2, 2).seq;
    s_await_delivery(auditor, after, "the auditor's feed after the reload");
    h_expect_nothing(coordo, 1500, "a revoked coordinator's feed after the reload");
    s_expect_refused_reads(coordo, "a revoked coordinator's request");
    assert_true(h_log_has(&f->h, "why=not-trusted"));
}

/* A partner's closed-loop feed stops the same way. */
static void test_revoked_partner_feed_stops(void **state)
{
    s_fixture_t *f = *state;
    void *curie = h_connect_as(&f->h, f->curie, f->hub);
    uint64_t first = h_expect_ack(curie, f->curie, s_child(3), 3, 1).seq;
    s_subscribe(curie, 20, 1);
    s_await_delivery(curie, first, "the partner's feed before the reload");
    s_drain(curie);
    s_move_to_revoked(f, "college-curie");
    h_reload(&f->h);
    void *coordo = h_connect_as(&f->h, f->coordo, f->hub);
    char update[256];
    snprintf(update, sizeof update,
             "{\"case_update\": {\"case_id\": \"C-%llu\", \"from_state\": \"SUBMITTED\", \"to_state\": \"TRIAGE\"}}",
             (unsigned long long)first);
    h_expect_ack(coordo, f->coordo, update, 30, 30);
    h_expect_nothing(curie, 1500, "a revoked partner's feed after an update of its case");
    relais_reply_t reply;
    h_submit(curie, f->curie, s_child(4), 4, 31, &reply);
    h_expect_error(&reply, RELAIS_E_UNKNOWN_SENDER, "a revoked partner's referral");
}

/* The name college-curie is given a new key: the session of the old key is refused and its
 * feed stops; the new key connects and is served. */
static void test_rekeyed_name(void **state)
{
    s_fixture_t *f = *state;
    void *old_session = h_connect_as(&f->h, f->curie, f->hub);
    uint64_t first = h_expect_ack(old_session, f->curie, s_child(5), 5, 1).seq;
    s_subscribe(old_session, 40, 1);
    s_await_delivery(old_session, first, "the old key's feed before the re-key");
    s_drain(old_session);

    /* The new key pair under the same name replaces the certificate in the registry. */
    char keys2[400];
    snprintf(keys2, sizeof keys2, "%s/keys2", f->h.dir);
    relais_identity_t *fresh = NULL;
    assert_int_equal(relais_identity_generate("college-curie", RELAIS_ROLE_PARTNER, "College Marie Curie", &fresh), 0);
    assert_int_equal(relais_identity_save(fresh, keys2), 0);
    char from[500], to[500];
    snprintf(from, sizeof from, "%s/college-curie.cert", keys2);
    snprintf(to, sizeof to, "%s/college-curie.cert", f->h.registry);
    assert_int_equal(rename(from, to), 0);
    h_reload(&f->h);

    void *new_session = h_connect_as(&f->h, fresh, f->hub);
    uint64_t second = h_expect_ack(new_session, fresh, s_child(6), 6, 2).seq;
    assert_true(second > first);
    h_expect_nothing(old_session, 1500, "the old key's feed after the re-key");
    s_expect_refused_reads(old_session, "the old key's request after the re-key");
    relais_reply_t reply;
    h_submit(old_session, f->curie, s_child(7), 7, 3, &reply);
    h_expect_error(&reply, RELAIS_E_UNKNOWN_SENDER, "the old key's referral after the re-key");
    relais_request_t list = {.request_id = 60, .kind = RELAIS_REQ_CASE_LIST};
    h_request(new_session, &list, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_CASE_LIST);
    relais_reply_clear(&reply);
    relais_identity_destroy(&fresh);
}

/* Removed from the registry altogether, with a feed open. */
static void test_removed_feed_stops(void **state)
{
    s_fixture_t *f = *state;
    void *curie = h_connect_as(&f->h, f->curie, f->hub);
    void *pmi = h_connect_as(&f->h, f->pmi, f->hub);
    void *auditor = h_connect_as(&f->h, f->auditor, f->hub);
    uint64_t first = h_expect_ack(curie, f->curie, s_child(8), 8, 1).seq;
    s_subscribe(auditor, 70, 1);
    s_await_delivery(auditor, first, "the auditor's feed before the removal");
    s_drain(auditor);
    char path[400];
    snprintf(path, sizeof path, "%s/audit.cert", f->h.registry);
    assert_int_equal(unlink(path), 0);
    h_reload(&f->h);
    h_expect_ack(pmi, f->pmi, s_child(9), 9, 2);
    h_expect_nothing(auditor, 1500, "a removed auditor's feed");
    s_expect_refused_reads(auditor, "a removed auditor's request");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_revoked_feed_stops, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_revoked_partner_feed_stops, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_rekeyed_name, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_removed_feed_stops, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
