/* metrics.c -- relaisd --metrics: the broker's counters, and the page GET /metrics serves.
 *
 * The hot paths (intake's replies, the writer's commits) bump atomics and take no lock; the
 * feed and the socket monitor, which run on the intake thread, publish their figures after each
 * turn. The rest is read at the scrape, on the metrics server's thread: the registry under its
 * read lock (as any verifier reads it), the store's statistics and latest checkpoint through a
 * read transaction of their own, the resident memory from /proc.
 */
#include "broker_internal.h"

#include <stdio.h>
#include <string.h>

/* A commit is a synced write: from a fast disk's fsync to a slow one's stall, in microseconds. */
static const uint64_t s_commit_bounds_us[] = {500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
                                              1000000};
/* Records a batch: one under a light load, up to --batch-max under a heavy one. */
static const uint64_t s_batch_bounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096};

void broker_metrics_init(broker_metrics_t *m)
{
    memset(m, 0, sizeof *m);
    relais_metrics_histogram_init(&m->commit_us, s_commit_bounds_us, sizeof s_commit_bounds_us / sizeof *s_commit_bounds_us,
                                  1e6);
    relais_metrics_histogram_init(&m->batch_records, s_batch_bounds, sizeof s_batch_bounds / sizeof *s_batch_bounds, 1);
}

static size_t s_role_index(int role)
{
    return role > RELAIS_ROLE_NONE && role < BROKER_ROLES ? (size_t)role : RELAIS_ROLE_NONE;
}

static const char *s_role_name(size_t role)
{
    const char *name = role ? relais_role_name((relais_role_t)role) : NULL;
    return name ? name : "none";
}

void broker_metrics_acknowledged(relais_broker_t *b, int role)
{
    atomic_fetch_add_explicit(&b->metrics.acknowledged[s_role_index(role)], 1, memory_order_relaxed);
}

void broker_metrics_refused(relais_broker_t *b, int status, int role)
{
    int wire = relais_status_to_wire(status);
    if (wire <= 0 || wire >= BROKER_WIRE_CODES) /* what a local code travels as */
        wire = relais_status_to_wire(RELAIS_E_UNAVAILABLE);
    atomic_fetch_add_explicit(&b->metrics.refused[wire][s_role_index(role)], 1, memory_order_relaxed);
}

void broker_metrics_commit(relais_broker_t *b, size_t records, int64_t us)
{
    relais_metrics_observe(&b->metrics.commit_us, us > 0 ? (uint64_t)us : 0);
    relais_metrics_observe(&b->metrics.batch_records, records);
}

/* ---- The page -------------------------------------------------------------------------------- */

static void s_messages(relais_broker_t *b, relais_metrics_text_t *t)
{
    char labels[96];
    relais_metrics_family(t, "relais_messages_acknowledged_total", "counter",
                          "Messages acknowledged (stored, or found stored already), by the sender's role (event=ack).");
    for (size_t role = 1; role < BROKER_ROLES; role++) {
        snprintf(labels, sizeof labels, "role=\"%s\"", s_role_name(role));
        relais_metrics_sample(t, "relais_messages_acknowledged_total", labels,
                              (double)atomic_load_explicit(&b->metrics.acknowledged[role], memory_order_relaxed));
    }
    relais_metrics_family(t, "relais_requests_refused_total", "counter",
                          "Requests refused with an ERROR reply, by wire code and the sender's role (role none: an "
                          "identity not known); those of a full queue too, which the log sums by identity.");
    for (int wire = 1; wire < BROKER_WIRE_CODES; wire++)
        for (size_t role = 0; role < BROKER_ROLES; role++) {
            uint64_t n = atomic_load_explicit(&b->metrics.refused[wire][role], memory_order_relaxed);
            if (!n)
                continue;
            snprintf(labels, sizeof labels, "code=\"%s\",role=\"%s\"",
                     relais_status_name(relais_status_from_wire(wire)), s_role_name(role));
            relais_metrics_sample(t, "relais_requests_refused_total", labels, (double)n);
        }
}

static void s_commits(relais_broker_t *b, relais_metrics_text_t *t)
{
    relais_metrics_histogram_write(t, "relais_commit_duration_seconds",
                                   "A batch's time in the writer: rules, appends and the synced commit (event=commit "
                                   "us=), one observation per commit logged.",
                                   &b->metrics.commit_us);
    relais_metrics_histogram_write(t, "relais_commit_batch_records",
                                   "Records a committed batch held: messages and the hub's access records (event=commit "
                                   "records=).",
                                   &b->metrics.batch_records);
}

static void s_feeds(relais_broker_t *b, relais_metrics_text_t *t)
{
    const broker_metrics_t *m = &b->metrics;
    relais_metrics_gauge(t, "relais_feed_subscribers", "Live feeds held, pending or served.",
                         (double)atomic_load_explicit(&m->feed_subscribers, memory_order_relaxed));
    relais_metrics_gauge(t, "relais_feed_lag_records_max", "Records the feed furthest behind has still to look at.",
                         (double)atomic_load_explicit(&m->feed_lag_max, memory_order_relaxed));
    relais_metrics_gauge(t, "relais_feed_lag_records_sum", "Records every feed has still to look at, summed.",
                         (double)atomic_load_explicit(&m->feed_lag_sum, memory_order_relaxed));
}

static void s_store(relais_broker_t *b, relais_metrics_text_t *t)
{
    relais_store_stat_t st;
    if (relais_store_stat(b->store, &st) == 0) {
        relais_metrics_gauge(t, "relais_store_map_size_bytes", "The store's LMDB map size (--map-size).",
                             (double)st.map_size);
        relais_metrics_gauge(t, "relais_store_used_bytes", "Bytes of the map in use (pages in use x page size).",
                             (double)st.used_bytes);
        relais_metrics_gauge(t, "relais_store_free_bytes",
                             "Bytes of the map still free; messages get STORE_FULL below --store-reserve.",
                             (double)(st.map_size > st.used_bytes ? st.map_size - st.used_bytes : 0));
        relais_metrics_gauge(t, "relais_store_reserve_bytes", "The part of the map kept for the hub's own records.",
                             (double)b->store_reserve);
        relais_metrics_gauge(t, "relais_log_records", "Records in the log (its head).", (double)st.records);
    }
    relais_store_checkpoint_t cp;
    if (relais_store_checkpoint_latest(b->store, &cp) == 0) {
        int64_t age_ms = broker_now_ms() - cp.time_ms;
        relais_metrics_gauge(t, "relais_checkpoint_age_seconds", "Time since the latest checkpoint was signed.",
                             (double)(age_ms > 0 ? age_ms : 0) / 1000.0);
        relais_metrics_gauge(t, "relais_checkpoint_size_records", "The log's size the latest checkpoint signs.",
                             (double)cp.size);
    }
}

static void s_registry(relais_broker_t *b, relais_metrics_text_t *t)
{
    uint64_t by_role[BROKER_ROLES] = {0};
    pthread_rwlock_rdlock(&b->registry_lock);
    size_t count = relais_registry_count(b->registry);
    for (size_t i = 0; i < count; i++) {
        const relais_peer_t *p = relais_registry_at(b->registry, i);
        if (p)
            by_role[s_role_index((int)p->role)]++;
    }
    pthread_rwlock_unlock(&b->registry_lock);
    char labels[64];
    relais_metrics_family(t, "relais_registry_identities", "gauge",
                          "Identities in the trust registry (--certs, reloaded on SIGHUP), by role.");
    for (size_t role = 1; role < BROKER_ROLES; role++) {
        snprintf(labels, sizeof labels, "role=\"%s\"", s_role_name(role));
        relais_metrics_sample(t, "relais_registry_identities", labels, (double)by_role[role]);
    }
}

static void s_connections(relais_broker_t *b, relais_metrics_text_t *t)
{
    const broker_metrics_t *m = &b->metrics;
    uint64_t accepted = atomic_load_explicit(&m->connections_accepted, memory_order_relaxed);
    uint64_t closed = atomic_load_explicit(&m->connections_closed, memory_order_relaxed);
    relais_metrics_gauge(t, "relais_connections", "Connections open now, with a completed handshake or not.",
                         (double)(accepted > closed ? accepted - closed : 0));
    relais_metrics_family(t, "relais_connections_accepted_total", "counter", "Connections accepted.");
    relais_metrics_sample(t, "relais_connections_accepted_total", NULL, (double)accepted);
    relais_metrics_family(t, "relais_handshakes_failed_total", "counter",
                          "CURVE handshakes failed: a key refused, a protocol error, a timeout, a close.");
    relais_metrics_sample(t, "relais_handshakes_failed_total", NULL,
                          (double)atomic_load_explicit(&m->handshakes_failed, memory_order_relaxed));
    relais_metrics_family(t, "relais_accepts_failed_total", "counter",
                          "Connections the system refused to accept (out of descriptors or memory).");
    relais_metrics_sample(t, "relais_accepts_failed_total", NULL,
                          (double)atomic_load_explicit(&m->accepts_failed, memory_order_relaxed));
}

static void s_render(void *ctx, relais_metrics_text_t *t)
{
    relais_broker_t *b = ctx;
    s_messages(b, t);
    s_commits(b, t);
    s_feeds(b, t);
    s_store(b, t);
    s_registry(b, t);
    s_connections(b, t);
    uint64_t resident = 0;
    if (relais_metrics_resident_bytes(&resident) == 0)
        relais_metrics_gauge(t, "relais_process_resident_memory_bytes", "relaisd's resident memory.",
                             (double)resident);
}

/* ---- The server --------------------------------------------------------------------------------- */

static void s_http_log(void *ctx, const char *what)
{
    (void)ctx;
    char q[600];
    broker_log("warn", "metrics-http", "why=%s", broker_logq(q, sizeof q, what));
}

int broker_metrics_bind(relais_broker_t *b)
{
    if (!b->opts.metrics_listen)
        return 0;
    relais_metrics_server_options_t o = {.listen = b->opts.metrics_listen, .flag = "--metrics", .who = "relaisd",
                                         .render = s_render, .ctx = b, .log = s_http_log};
    b->opts.metrics_listen = NULL; /* the caller's string: not kept */
    return relais_metrics_server_bind(&o, &b->metrics_server);
}

int broker_metrics_start(relais_broker_t *b)
{
    if (!b->metrics_server)
        return 0;
    int rc = relais_metrics_server_start(b->metrics_server);
    if (rc == 0)
        broker_log("info", "metrics", "url=%s", relais_metrics_server_url(b->metrics_server));
    return rc;
}

void broker_metrics_stop(relais_broker_t *b)
{
    relais_metrics_server_destroy(&b->metrics_server);
}
