/* test_flood.c -- one client cannot exhaust the hub's memory, nor starve the other partners.
 *
 * The attacks of the review, against the real relaisd on loopback:
 *  - memory: a case of hundreds of 60 KB referrals for one child, then 40 case show and 40
 *    audit page requests never read, three auditor feeds that never read, and a partner
 *    submitting at full speed meanwhile: the broker's anonymous memory (RssAnon, sampled every
 *    10 ms) stays at or below 64 MiB;
 *  - starvation: 8 connections of one identity sending 30 KB frames with bad signatures as
 *    fast as they can while another partner submits one referral at a time: its ack p99 stays
 *    at or below 50 ms with the hub's defaults (fair shares and the brake that stops verifying
 *    the flooder), and at or below 100 ms with the fair shares alone (--brake-bad-signatures 0).
 *    Those two bounds are the long form's (make torture, the machine left to it); the short
 *    form in make check asserts 250 ms, far below what an unfair hub gives, and prints the
 *    figures.
 *
 *  - feed slots: one partner cannot take them all, and the last ones are the coordinator's;
 *  - reads on a full store: a partner's read loop is refused (RATE_LIMITED) and logged by one
 *    lease a minute, and the coordinator, the auditor and a new feed still read;
 *  - idle connections: the systemd unit's 8,192 descriptors (a quarter of them under ASan) held
 *    by connections that never complete a handshake; a partner connecting then is acknowledged within the handshake
 *    interval plus 2 s, and the broker logs the failed accepts and the pending handshakes.
 *
 * RELAIS_TORTURE=1 runs the long forms (1024 referrals of 60 KB, 2000 timed referrals);
 * RELAIS_TORTURE_SUMMARY names a file the figures are appended to (make torture prints them).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "relais_certs.h"
#include "relais_proto.h"

#include "harness.h"

#ifndef RELAISD_PATH
#error "RELAISD_PATH must be defined"
#endif

#define S_MEMORY_BOUND_KIB (64 * 1024)
#define S_P99_BOUND_MS 50.0  /* the bound, asserted by the long form */
#define S_P99_CHECK_MS 250.0 /* the short form's */
#define S_FLOODERS 8

typedef struct {
    h_env_t h;
    relais_identity_t *hub, *curie, *pmi, *coordo, *auditor, *intrus, *forger, *jeunesse;
} s_fixture_t;

static s_fixture_t *s_fixture(const char *brake)
{
    s_fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    h_env_init(&f->h, "flood", RELAISD_PATH);
    f->hub = h_identity(&f->h, "hub", RELAIS_ROLE_BROKER, "Ville", 1);
    f->curie = h_identity(&f->h, "college-curie", RELAIS_ROLE_PARTNER, "College Marie Curie", 1);
    f->pmi = h_identity(&f->h, "pmi-blagis", RELAIS_ROLE_PARTNER, "PMI Les Blagis", 1);
    f->coordo = h_identity(&f->h, "coordination", RELAIS_ROLE_COORDINATOR, "Ville", 1);
    f->auditor = h_identity(&f->h, "audit", RELAIS_ROLE_AUDITOR, "Ville", 1);
    f->intrus = h_identity(&f->h, "intrus", RELAIS_ROLE_PARTNER, "Partenaire compromis", 1);
    f->forger = h_identity(&f->h, "faussaire", RELAIS_ROLE_PARTNER, "Hors registre", 0);
    f->jeunesse = h_identity(&f->h, "service-jeunesse", RELAIS_ROLE_PARTNER, "Service Jeunesse", 1);
    if (brake) {
        f->h.flags[0] = "--brake-bad-signatures";
        f->h.flags[1] = brake;
    }
    return f;
}

static int s_setup_few_feeds(void **state)
{
    s_fixture_t *f = s_fixture(NULL);
    f->h.flags[0] = "--max-subscribers";
    f->h.flags[1] = "16";
    *state = f;
    return h_start(&f->h);
}

static int s_setup(void **state)
{
    s_fixture_t *f = s_fixture(NULL);
    *state = f;
    return h_start(&f->h);
}

static int s_setup_no_brake(void **state)
{
    s_fixture_t *f = s_fixture("0");
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

/* A referral of `family` whose description is `pad` bytes long (consent given). */
static char *s_big_referral(const char *family, size_t pad)
{
    char *json = malloc(pad + 1024);
    assert_non_null(json);
    int n = snprintf(json, 1024,
                     "{\"referral\": {\"referrer\": {\"organisation\": \"College Marie Curie\", \"role\": \"TEACHER\"},"
                     " \"domains\": [\"EDUCATIONAL\"], \"urgency\": \"ROUTINE\","
                     " \"child\": {\"family_name\": \"%s\", \"given_names\": [\"Lina\"], \"birth_date\": \"2014-05-21\"},"
                     " \"consent\": {\"recorded_by\": \"x\", \"recorded_ms\": " H_CONSENT_MS ", \"given_by\": \"mere\"},"
                     " \"description\": \"",
                     family);
    memset(json + n, 'a', pad);
    strcpy(json + n + pad, "\"}}");
    return json;
}

/* ---- The broker's memory, sampled ------------------------------------------------------------ */

typedef struct {
    pid_t pid;
    atomic_int stop;
    long peak_anon;
    long base_anon;
} s_sampler_t;

static void *s_sample(void *arg)
{
    s_sampler_t *s = arg;
    while (!atomic_load(&s->stop)) {
        long anon = h_proc_kib(s->pid, "RssAnon");
        if (anon > s->peak_anon)
            s->peak_anon = anon;
        h_sleep_ms(10);
    }
    return NULL;
}

/* Sends `count` frames of `json` (message ids from `first`), `window` at a time, and waits
 * for each window's answers; returns how many were acknowledged. */
static unsigned s_submit_windowed(void *sock, const relais_identity_t *who, const char *json, uint32_t first,
                                  unsigned count, unsigned window)
{
    unsigned acked = 0;
    for (unsigned done = 0; done < count;) {
        unsigned n = count - done < window ? count - done : window;
        for (unsigned i = 0; i < n; i++) {
            size_t len = 0;
            uint8_t *frame = h_submit_frame(who, relais_identity_peer(who)->name, json, first + done + i, h_now_ms(),
                                            first + done + i, &len);
            h_send_bytes(sock, frame, len);
            free(frame);
        }
        for (unsigned i = 0; i < n; i++) {
            relais_reply_t reply;
            h_recv_reply(sock, &reply);
            acked += reply.kind == RELAIS_REPLY_ACK;
            relais_reply_clear(&reply);
        }
        done += n;
    }
    return acked;
}

/* Sends `count` copies of `req` (request ids from `first`) and reads nothing. */
static void s_send_unread(void *sock, relais_request_t req, unsigned count, uint64_t first)
{
    for (unsigned i = 0; i < count; i++) {
        req.request_id = first + i;
        h_send_request(sock, &req);
    }
}

static void *s_quiet_socket(s_fixture_t *f, const relais_identity_t *who)
{
    void *s = h_connect_as(&f->h, who, f->hub);
    int one = 1;
    zmq_setsockopt(s, ZMQ_RCVHWM, &one, sizeof one); /* it reads nothing: let the broker's side fill */
    return s;
}

static void test_memory_bounded(void **state)
{
    s_fixture_t *f = *state;
    const unsigned big = h_torture() ? 1024 : 256, load = h_torture() ? 20000 : 4000;
    void *curie = h_connect_as(&f->h, f->curie, f->hub);
    char *json = s_big_referral("Benali", 60000);
    int64_t t0 = h_now_ms();
    unsigned stored = s_submit_windowed(curie, f->curie, json, 1, big, 16);
    free(json);
    assert_int_equal(stored, big);
    int64_t fill_ms = h_now_ms() - t0;

    s_sampler_t sampler = {.pid = f->h.pid, .base_anon = h_proc_kib(f->h.pid, "RssAnon")};
    sampler.peak_anon = sampler.base_anon;
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, s_sample, &sampler), 0);

    /* 40 shows of the whole case and 40 audit pages, never read; three feeds never read. */
    void *shower = s_quiet_socket(f, f->coordo);
    relais_request_t show = {.kind = RELAIS_REQ_CASE_SHOW, .with_history = 1};
    snprintf(show.case_id, sizeof show.case_id, "C-1");
    s_send_unread(shower, show, 40, 1000);
    void *pager = s_quiet_socket(f, f->auditor);
    relais_request_t page = {.kind = RELAIS_REQ_AUDIT_RECORDS, .from_seq = 1};
    s_send_unread(pager, page, 40, 2000);
    for (int i = 0; i < 3; i++) {
        void *frozen = s_quiet_socket(f, f->auditor);
        relais_request_t sub = {.kind = RELAIS_REQ_SUBSCRIBE, .from_seq = 1, .credit = 1u << 20};
        s_send_unread(frozen, sub, 1, 3000 + (uint64_t)i);
    }
    /* Full load meanwhile: another partner at full speed, short referrals. */
    void *pmi = h_connect_as(&f->h, f->pmi, f->hub);
    char small[1024];
    t0 = h_now_ms();
    unsigned acked = s_submit_windowed(pmi, f->pmi, h_referral_json(small, sizeof small, "PMI Les Blagis", "Charge",
                                                                    "Noe", "2015-01-02"),
                                       100000, load, 64);
    int64_t load_ms = h_now_ms() - t0;
    h_sleep_ms(500);
    atomic_store(&sampler.stop, 1);
    pthread_join(thread, NULL);

    h_summary("memory: %u referrals of 60 KB in one case (%.1f s), then 40 unread case shows, 40 unread audit "
              "pages, 3 frozen auditor feeds and %u referrals at full speed (%u acked, %.0f/s): broker anonymous "
              "memory %ld -> peak %ld KiB (bound %d KiB)\n",
              big, fill_ms / 1000.0, load, acked, acked * 1000.0 / (double)(load_ms ? load_ms : 1), sampler.base_anon,
              sampler.peak_anon, S_MEMORY_BOUND_KIB);
    if (getenv("RELAIS_TORTURE_SUMMARY"))
        h_summary("attack_peak_anon_kib=%ld\n", sampler.peak_anon);
    /* The unread replies were bounded, not the hub: a fresh reader is served, a page at a time. */
    relais_reply_t reply;
    void *reader = h_connect_as(&f->h, f->coordo, f->hub);
    h_request(reader, &show, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_CASE_DETAIL);
    assert_true(reply.record_count >= 1);
    assert_true(reply.next_seq > 0); /* paged: the first page is not the whole case */
    relais_reply_clear(&reply);
#ifdef __SANITIZE_ADDRESS__
    printf("(the memory bound is not checked under ASan: its quarantine keeps freed memory resident)\n");
#else
    assert_true(sampler.peak_anon <= S_MEMORY_BOUND_KIB);
#endif
}

/* ---- A bad-signature flood against another partner's latency ----------------------------------- */

typedef struct {
    s_fixture_t *f;
    atomic_int *stop;
    unsigned long sent;
} s_flooder_t;

static void *s_connect_flooder(s_fixture_t *f)
{
    void *sock = zmq_socket(f->h.ctx, ZMQ_DEALER);
    int linger = 0, hwm = 1000;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    const char *srv = relais_identity_peer(f->hub)->curve_public_z85;
    const char *pub = relais_identity_curve_public_z85(f->intrus);
    const char *sec = relais_identity_curve_secret_z85(f->intrus);
    zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, srv, strlen(srv) + 1);
    zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, pub, strlen(pub) + 1);
    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, sec, strlen(sec) + 1);
    zmq_connect(sock, f->h.endpoint);
    return sock;
}

/* One thread drives the 8 connections: each sends whenever its pipe has room, as fast as the
 * broker reads, and its answers are read and thrown away. */
static void *s_flood(void *arg)
{
    s_flooder_t *fl = arg;
    void *socks[S_FLOODERS];
    for (int i = 0; i < S_FLOODERS; i++)
        socks[i] = s_connect_flooder(fl->f);
    /* Signed by a key the registry does not give "intrus": every one is a bad signature. */
    char *json = s_big_referral("Inonde", 30000);
    size_t len = 0;
    uint8_t *frame = h_submit_frame(fl->f->forger, "intrus", json, 1, h_now_ms(), 1, &len);
    free(json);
    char sink[256];
    while (!atomic_load(fl->stop)) {
        int any = 0;
        for (int i = 0; i < S_FLOODERS; i++) {
            if (zmq_send(socks[i], frame, len, ZMQ_DONTWAIT) >= 0) {
                fl->sent++;
                any = 1;
            }
            while (zmq_recv(socks[i], sink, sizeof sink, ZMQ_DONTWAIT) >= 0) {
            }
        }
        if (!any)
            h_sleep_ms(1);
    }
    free(frame);
    for (int i = 0; i < S_FLOODERS; i++)
        zmq_close(socks[i]);
    return NULL;
}

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* `bound_ms`: the p99 `make torture` asserts, on a machine left to the test. The short form,
 * which runs in `make check` beside whatever else the machine does, asserts what tells a hub
 * that schedules fairly from one that does not (before, p50 925 ms and p99 2.6 s) without
 * depending on the machine's other load: S_P99_CHECK_MS. ASan slows the broker down 5 times. */
static void s_flood_run(s_fixture_t *f, const char *form, double bound_ms)
{
    if (!h_torture())
        bound_ms = S_P99_CHECK_MS;
    const unsigned timed = h_torture() ? 2000 : 200;
    /* The partner measured has a context of its own: the flooders' I/O thread, busy encrypting,
     * must not be what delays it. */
    void *own_ctx = zmq_ctx_new();
    void *main_ctx = f->h.ctx;
    f->h.ctx = own_ctx;
    void *pmi = h_connect_as(&f->h, f->pmi, f->hub);
    f->h.ctx = main_ctx;
    char json[1024];
    h_referral_json(json, sizeof json, "PMI Les Blagis", "Mesure", "Noe", "2015-01-02");
    h_expect_ack(pmi, f->pmi, json, 1, 1); /* connected and warm */
    atomic_int stop = 0;
    s_flooder_t fl = {f, &stop, 0};
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, s_flood, &fl), 0);
    h_sleep_ms(500);
    double *lat = calloc(timed, sizeof *lat);
    assert_non_null(lat);
    for (unsigned i = 0; i < timed; i++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        relais_ack_t ack = h_expect_ack(pmi, f->pmi, json, 10 + i, 10 + i);
        clock_gettime(CLOCK_MONOTONIC, &b);
        (void)ack;
        lat[i] = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
        h_sleep_ms(5);
    }
    atomic_store(&stop, 1);
    pthread_join(thread, NULL);
    unsigned long sent = fl.sent;
    h_close(&f->h, pmi);
    zmq_ctx_term(own_ctx);
    qsort(lat, timed, sizeof *lat, s_cmp_double);
    double p50 = lat[timed / 2], p99 = lat[(timed * 99) / 100];
    int braked = h_log_has(&f->h, "event=braked");
    h_summary("flood (%s): %d connections sent %lu frames of 30 KB with bad signatures; another partner's ack over "
              "%u referrals: p50 %.2f ms, p99 %.2f ms (bound %.0f ms); flooder braked: %s\n",
              form, S_FLOODERS, sent, timed, p50, p99, bound_ms, braked ? "yes" : "no");
    if (getenv("RELAIS_TORTURE_SUMMARY"))
        h_summary("flood_%s_p99_ms=%.2f\n", form, p99);
    free(lat);
#ifdef __SANITIZE_ADDRESS__
    assert_true(p99 <= 5 * bound_ms);
#else
    assert_true(p99 <= bound_ms);
#endif
}

/* The scheduler alone, brake off: the flood is verified all along, and only the fair shares
 * keep the other partner's referral from waiting behind it (before them, p50 925 ms and p99
 * 2.6 s). The flood and the broker then share the two cores with every job verified: the
 * bound is twice the issue's, which holds with the brake on, the hub's default, below. */
static void test_flood_fair_shares(void **state)
{
    s_fixture_t *f = *state;
    s_flood_run(f, "fair-shares", 2 * S_P99_BOUND_MS);
    assert_false(h_log_has(&f->h, "event=braked"));
}

/* The hub as it runs by default: fair shares and the brake. */
static void test_flood_braked(void **state)
{
    s_fixture_t *f = *state;
    s_flood_run(f, "brake", S_P99_BOUND_MS);
    assert_true(h_log_has(&f->h, "event=braked user=intrus"));
    assert_true(h_log_has(&f->h, "event=throttled user=intrus"));
}

/* ---- Feed slots: a quota per identity, and the last ones kept for the coordinator ----------- */

/* Subscribes on `n` new connections of `who`; returns how many the broker refused. */
static int s_subscribe_many(s_fixture_t *f, const relais_identity_t *who, int n, void **socks)
{
    int refused = 0;
    for (int i = 0; i < n; i++) {
        socks[i] = h_connect_as(&f->h, who, f->hub);
        relais_request_t sub = {.request_id = 700 + (uint64_t)i, .kind = RELAIS_REQ_SUBSCRIBE, .from_seq = 1,
                                .credit = 1000};
        relais_reply_t reply;
        h_request(socks[i], &sub, &reply); /* its own access record is delivered to it, or a refusal */
        refused += reply.kind == RELAIS_REPLY_ERROR;
        relais_reply_clear(&reply);
    }
    return refused;
}

static void test_feed_slots(void **state)
{
    s_fixture_t *f = *state;
    void *socks[12];
    char json[1024];
    /* Every partner needs a referral of its own for its feed to show it something. */
    const relais_identity_t *partners[] = {f->curie, f->pmi, f->intrus, f->jeunesse};
    for (int i = 0; i < 4; i++)
        h_expect_ack(h_connect_as(&f->h, partners[i], f->hub), partners[i],
                     h_referral_json(json, sizeof json, "Partenaire", "Enfant", i % 2 ? "Lou" : "Noa", "2015-01-02"),
                     (uint32_t)(800 + i), 1);
    /* The college opens 12 feeds: it keeps its last 4, the others make room. */
    int refused = s_subscribe_many(f, f->curie, 12, socks);
    assert_int_equal(refused, 0);
    for (int tries = 0; tries < 50 && h_log_count(&f->h, "why=identity-quota") < 8; tries++)
        h_sleep_ms(20);
    assert_int_equal(h_log_count(&f->h, "why=identity-quota"), 8);
    /* Two more partners take their 4 each: 12 partner feeds, the most of a cap of 16 less the
     * 4 kept for the coordinator and auditors. */
    assert_int_equal(s_subscribe_many(f, f->pmi, 4, socks), 0);
    assert_int_equal(s_subscribe_many(f, f->intrus, 4, socks), 0);
    relais_reply_t reply;
    void *late = h_connect_as(&f->h, f->jeunesse, f->hub);
    relais_request_t sub = {.request_id = 900, .kind = RELAIS_REQ_SUBSCRIBE, .from_seq = 1, .credit = 10};
    h_request(late, &sub, &reply);
    h_expect_error(&reply, RELAIS_E_UNAVAILABLE, "a fourth partner's feed when partners hold all theirs");
    /* The coordinator and the auditor still get theirs. */
    void *coordo = h_connect_as(&f->h, f->coordo, f->hub);
    h_request(coordo, &sub, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_DELIVERY);
    relais_reply_clear(&reply);
    void *auditor = h_connect_as(&f->h, f->auditor, f->hub);
    h_request(auditor, &sub, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_DELIVERY);
    relais_reply_clear(&reply);
}

/* ---- Reads on a full store: a partner's read loop cannot take the room the others need ------- */

static int s_setup_small_store(void **state)
{
    s_fixture_t *f = s_fixture(NULL);
    f->h.flags[0] = "--map-size";
    f->h.flags[1] = "2";
    *state = f;
    return h_start(&f->h);
}

static void test_reads_on_full_store(void **state)
{
    s_fixture_t *f = *state;
    void *curie = h_connect_as(&f->h, f->curie, f->hub);
    char json[1024];
    int full = 0;
    for (uint32_t i = 0; i < 20000 && !full; i++) {
        char family[32];
        snprintf(family, sizeof family, "Rempli%u", i % 500);
        relais_reply_t reply;
        h_submit(curie, f->curie, h_referral_json(json, sizeof json, "College Marie Curie", family, "Eva", "2015-01-02"),
                 i + 1, i + 1, &reply);
        full = reply.kind == RELAIS_REPLY_ERROR && reply.error.status == RELAIS_E_STORE_FULL;
        relais_reply_clear(&reply);
    }
    assert_true(full);
    uint64_t head = h_head(&f->h);
    /* The college reads in a loop as fast as it can. */
    unsigned served = 0, limited = 0, other = 0;
    for (uint64_t i = 0; i < 3000; i++) {
        relais_request_t list = {.request_id = 50000 + i, .kind = RELAIS_REQ_CASE_LIST};
        relais_reply_t reply;
        h_request(curie, &list, &reply);
        if (reply.kind == RELAIS_REPLY_CASE_LIST)
            served++;
        else if (reply.error.status == RELAIS_E_RATE_LIMITED)
            limited++;
        else
            other++;
        relais_reply_clear(&reply);
    }
    uint64_t after = h_head(&f->h);
    h_summary("reads on a full store: the college read %u times (%u served, %u refused RATE_LIMITED, %u otherwise); "
              "the log grew by %llu records\n",
              3000u, served, limited, other, (unsigned long long)(after - head));
    assert_int_equal(other, 0);
    assert_true(limited > 0);
    assert_true(after - head <= 2); /* its lease, and a checkpoint's record is no log record */
    /* The coordinator and an auditor still read, and a new feed starts. */
    void *coordo = h_connect_as(&f->h, f->coordo, f->hub);
    void *auditor = h_connect_as(&f->h, f->auditor, f->hub);
    for (int i = 0; i < 50; i++) {
        relais_request_t list = {.request_id = 60000 + (uint64_t)i, .kind = RELAIS_REQ_CASE_LIST};
        relais_reply_t reply;
        h_request(coordo, &list, &reply);
        assert_int_equal(reply.kind, RELAIS_REPLY_CASE_LIST);
        relais_reply_clear(&reply);
        relais_request_t page = {.request_id = 70000 + (uint64_t)i, .kind = RELAIS_REQ_AUDIT_RECORDS,
                                 .from_seq = 1 + (uint64_t)i * 10, .to_seq = 10 + (uint64_t)i * 10};
        h_request(auditor, &page, &reply);
        assert_int_equal(reply.kind, RELAIS_REPLY_RECORDS);
        relais_reply_clear(&reply);
    }
    relais_request_t sub = {.request_id = 80000, .kind = RELAIS_REQ_SUBSCRIBE, .from_seq = head, .credit = 5};
    relais_reply_t reply;
    h_request(auditor, &sub, &reply);
    assert_int_equal(reply.kind, RELAIS_REPLY_DELIVERY);
    relais_reply_clear(&reply);
}

/* ---- Idle connections from someone without a key -------------------------------------------- */

#define S_UNIT_NOFILE 8192 /* the descriptor limit of relaisd's systemd unit (LimitNOFILE) */
/* The broker closes an idle connection after the handshake interval, so it runs out of
 * descriptors only if it accepts faster than limit / interval. A sanitizer build on a loaded
 * machine accepted about 1,500 a second, just under the 1,640 the unit's limit needs: it gets a
 * quarter of that limit, and the same attack. */
#ifdef __SANITIZE_ADDRESS__
#define S_TEST_NOFILE (S_UNIT_NOFILE / 4)
#else
#define S_TEST_NOFILE S_UNIT_NOFILE
#endif
#define S_HANDSHAKE_MS 5000 /* relaisd's --handshake-timeout, its default */

static int s_setup_unit_limits(void **state)
{
    s_fixture_t *f = s_fixture(NULL);
    f->h.nofile = S_TEST_NOFILE;
    *state = f;
    return h_start(&f->h);
}

/* Someone without a key holds `count` connections open and idle: as the broker closes one at
 * the end of its handshake interval, it opens another. */
typedef struct {
    struct sockaddr_in to;
    int count;
    int *fds;
    atomic_int stop;
    atomic_ulong opened;
} s_holder_t;

static int s_idle_connect(const struct sockaddr_in *to)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (const struct sockaddr *)to, sizeof *to) != 0 && errno != EINPROGRESS) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static void *s_hold(void *arg)
{
    s_holder_t *h = arg;
    struct pollfd *p = calloc((size_t)h->count, sizeof *p);
    assert_non_null(p);
    for (int i = 0; i < h->count; i++) {
        h->fds[i] = s_idle_connect(&h->to);
        atomic_fetch_add(&h->opened, 1);
    }
    char sink[64];
    while (!atomic_load(&h->stop)) {
        for (int i = 0; i < h->count; i++)
            p[i] = (struct pollfd){.fd = h->fds[i], .events = POLLIN};
        if (poll(p, (nfds_t)h->count, 50) <= 0)
            continue;
        for (int i = 0; i < h->count; i++) {
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            if (read(h->fds[i], sink, sizeof sink) > 0)
                continue;
            close(h->fds[i]); /* closed by the broker: another takes its place */
            h->fds[i] = s_idle_connect(&h->to);
            atomic_fetch_add(&h->opened, 1);
        }
    }
    for (int i = 0; i < h->count; i++)
        if (h->fds[i] >= 0)
            close(h->fds[i]);
    free(p);
    return NULL;
}

static void test_idle_connections(void **state)
{
    s_fixture_t *f = *state;
    const int idle = S_TEST_NOFILE + 100;
    struct rlimit lim;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &lim), 0);
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    if (lim.rlim_cur < (rlim_t)idle + 256) {
        printf("(skipped: this test holds %d connections and may open only %llu descriptors)\n", idle,
               (unsigned long long)lim.rlim_cur);
        skip();
    }
    s_holder_t holder = {.count = idle, .fds = calloc((size_t)idle, sizeof(int))};
    assert_non_null(holder.fds);
    holder.to = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)f->h.port)};
    holder.to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    pthread_t thread;
    int64_t t0 = h_now_ms();
    assert_int_equal(pthread_create(&thread, NULL, s_hold, &holder), 0);
    /* The broker runs out of descriptors: it says so. Bounded generously: on a loaded machine
     * the holder reopens what the hub closes more slowly, and the hub runs out later. */
    for (int tries = 0; tries < 1200 && !h_log_has(&f->h, "event=accept-failed"); tries++)
        h_sleep_ms(50);
    int64_t t1 = h_now_ms();
    /* A registered partner connects now, and sends a referral. */
    void *pmi = h_connect_as(&f->h, f->pmi, f->hub);
    char json[1024];
    relais_reply_t reply;
    h_set_timeout(pmi, S_HANDSHAKE_MS + 10000);
    h_submit(pmi, f->pmi, h_referral_json(json, sizeof json, "PMI Les Blagis", "Pendant", "Noe", "2015-01-02"), 1, 1,
             &reply);
    int64_t waited = h_now_ms() - t1;
    assert_int_equal(reply.kind, RELAIS_REPLY_ACK);
    relais_reply_clear(&reply);
    for (int tries = 0; tries < 300 && !h_log_has(&f->h, "event=connections pending_handshakes="); tries++)
        h_sleep_ms(50);
    atomic_store(&holder.stop, 1);
    pthread_join(thread, NULL);
    free(holder.fds);
    h_summary("idle connections: %d held without a handshake (%lu opened in all) against a broker limited to %d "
              "descriptors, which ran out of them %.1f s in; a partner's referral acknowledged %.2f s after it "
              "connected (bound %.1f s); broker logged failed accepts: %s, pending handshakes: %s\n",
              idle, (unsigned long)atomic_load(&holder.opened), S_TEST_NOFILE, (t1 - t0) / 1000.0, waited / 1000.0,
              (S_HANDSHAKE_MS + 2000) / 1000.0, h_log_has(&f->h, "event=accept-failed") ? "yes" : "no",
              h_log_has(&f->h, "event=connections pending_handshakes=") ? "yes" : "no");
    if (getenv("RELAIS_TORTURE_SUMMARY"))
        h_summary("idle_ack_s=%.2f\n", waited / 1000.0);
    char limits[64];
    snprintf(limits, sizeof limits, "event=limits nofile=%d", S_TEST_NOFILE);
    assert_true(h_log_has(&f->h, limits));
    /* Whether the broker runs out of descriptors depends on how fast the holder reopens what the
     * broker sheds against how fast the broker sheds it: on a quiet machine the broker can keep
     * ahead for the whole minute (seen in CI: 97,556 connections opened, none refused). Either
     * way it reports the idle handshakes it holds, and the partner is served within the bound. */
    assert_true(h_log_has(&f->h, "event=connections pending_handshakes="));
    assert_true(waited <= S_HANDSHAKE_MS + 2000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_memory_bounded, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_flood_fair_shares, s_setup_no_brake, s_teardown),
        cmocka_unit_test_setup_teardown(test_flood_braked, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_feed_slots, s_setup_few_feeds, s_teardown),
        cmocka_unit_test_setup_teardown(test_reads_on_full_store, s_setup_small_store, s_teardown),
        cmocka_unit_test_setup_teardown(test_idle_connections, s_setup_unit_limits, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
