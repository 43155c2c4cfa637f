/* bench_load.c -- relais-bench's load: K agents and S subscribers over raw libzmq and CURVE.
 *
 * Raw DEALER sockets rather than librelais, so that the bench alone decides how many
 * submissions are in flight. Every submission is a pre-built Request frame whose request_id
 * and message id both carry the message's global index, so any ack or delivery maps straight
 * back to the moment it was sent. Samples go into arrays allocated before the clock starts.
 */
#include "bench.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "relais_proto.h"

#define S_CONNECT_MS 20000         /* every agent answers its ping within this */
#define S_PROBE_MS 15000           /* a probe submission is acknowledged within this */
#define S_SUB_READY_MS 15000       /* every subscriber sees its first delivery within this */
#define S_DRAIN_MS 30000           /* outstanding answers after the last send */
#define S_STALL_NS 30000000000LL   /* an agent with requests in flight and no answer this long gives up */
#define S_FEED_CATCHUP_MS 15000    /* subscribers receive what was acknowledged */
#define S_RETRY_NS 2000000         /* back-off before resending after UNAVAILABLE */
#define S_RETRY_RING 8192          /* resends waiting, per agent */
#define S_SUB_CREDIT 1000          /* credit a live subscriber grants, topped up at half */
#define S_FROZEN_CREDIT (1u << 20) /* the frozen subscriber's credit: far more than it reads */
#define S_CTRL_ID (1ull << 62)     /* request ids of pings and subscribes: never a message index */

struct bench_load {
    const bench_opts_t *o;      /* options */
    const bench_ids_t *ids;     /* identities */
    const bench_factory_t *f;   /* maps message ids back to indexes */
    char endpoint[64];          /* the broker */
    void *ctx;                  /* one ZeroMQ context for every socket */
    void **agents;              /* one DEALER per agent */
    void *frozen;               /* the frozen subscriber's DEALER */
    uint64_t ctrl_id;           /* next request id of a control request */
};

/* ---- Sockets ---------------------------------------------------------------------------------- */

static int s_set_int(void *sock, int opt, int value)
{
    return zmq_setsockopt(sock, opt, &value, sizeof value);
}

/* A DEALER connected as CURVE client with `id`'s keys to the broker. NULL on failure. */
static void *s_dealer(bench_load_t *self, const relais_identity_t *id, int rcvhwm)
{
    void *sock = zmq_socket(self->ctx, ZMQ_DEALER);
    if (!sock)
        return NULL;
    const char *server = relais_identity_peer(self->ids->broker)->curve_public_z85;
    const char *pub = relais_identity_curve_public_z85(id);
    const char *sec = relais_identity_curve_secret_z85(id);
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server, strlen(server)) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, pub, strlen(pub)) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, sec, strlen(sec)) != 0 || s_set_int(sock, ZMQ_LINGER, 0) != 0 ||
        s_set_int(sock, ZMQ_SNDHWM, 100000) != 0 || s_set_int(sock, ZMQ_RCVHWM, rcvhwm) != 0 ||
        zmq_connect(sock, self->endpoint) != 0) {
        bench_log("error: DEALER: %s", zmq_strerror(errno));
        zmq_close(sock);
        return NULL;
    }
    return sock;
}

/* Encodes and sends a control request (ping, subscribe, credit). 0 or -1. */
static int s_send_request(void *sock, const relais_request_t *req)
{
    uint8_t *frame = NULL;
    size_t len = 0;
    if (relais_request_encode(req, &frame, &len) != 0)
        return -1;
    int rc = zmq_send(sock, frame, len, ZMQ_DONTWAIT) == (int)len ? 0 : -1;
    free(frame);
    return rc;
}

/* Receives one frame without waiting into *msg (initialised here). 0, or -1 when none. */
static int s_recv(void *sock, zmq_msg_t *msg)
{
    zmq_msg_init(msg);
    if (zmq_msg_recv(msg, sock, ZMQ_DONTWAIT) >= 0)
        return 0;
    zmq_msg_close(msg);
    return -1;
}

/* Pings every agent and waits (bounded) until each has answered: the CURVE handshake and
 * the broker's ZAP check are done before any clock starts. */
static int s_ping_all(bench_load_t *self)
{
    int k_count = self->o->agents, answered = 0;
    char *done = calloc((size_t)k_count, 1);
    if (!done)
        return -1;
    for (int k = 0; k < k_count; k++) {
        relais_request_t req = {.request_id = S_CTRL_ID + (uint64_t)k, .kind = RELAIS_REQ_PING};
        if (s_send_request(self->agents[k], &req) != 0)
            done[k] = 2;
    }
    int64_t until = bench_now_ns() + (int64_t)S_CONNECT_MS * 1000000;
    while (answered < k_count && bench_now_ns() < until) {
        for (int k = 0; k < k_count; k++) {
            zmq_msg_t m;
            while (!done[k] && s_recv(self->agents[k], &m) == 0) {
                relais_reply_t r;
                if (relais_reply_decode(zmq_msg_data(&m), zmq_msg_size(&m), &r) == 0) {
                    if (r.kind == RELAIS_REPLY_NONE && r.request_id == S_CTRL_ID + (uint64_t)k)
                        done[k] = 1, answered++;
                    relais_reply_clear(&r);
                }
                zmq_msg_close(&m);
            }
        }
        nanosleep(&(struct timespec){0, 5000000}, NULL);
    }
    free(done);
    if (answered < k_count)
        bench_log("error: %d of %d agents did not answer a ping within %d s", k_count - answered, k_count,
                  S_CONNECT_MS / 1000);
    return answered == k_count ? 0 : -1;
}

int bench_load_new(const bench_opts_t *o, const bench_ids_t *ids, const bench_factory_t *f, const char *endpoint,
                   bench_load_t **out)
{
    bench_load_t *self = calloc(1, sizeof *self);
    if (!self)
        return -1;
    self->o = o;
    self->ids = ids;
    self->f = f;
    self->ctrl_id = S_CTRL_ID + 1000000;
    snprintf(self->endpoint, sizeof self->endpoint, "%s", endpoint);
    self->ctx = zmq_ctx_new();
    self->agents = calloc((size_t)o->agents, sizeof *self->agents);
    if (!self->ctx || !self->agents) {
        bench_load_destroy(&self);
        return -1;
    }
    for (int k = 0; k < o->agents; k++) {
        self->agents[k] = s_dealer(self, ids->agents[k], 100000);
        if (!self->agents[k]) {
            bench_load_destroy(&self);
            return -1;
        }
    }
    if (s_ping_all(self) != 0) {
        bench_load_destroy(&self);
        return -1;
    }
    *out = self;
    return 0;
}

void bench_load_destroy(bench_load_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bench_load_t *self = *self_p;
    for (int k = 0; self->agents && k < self->o->agents; k++)
        if (self->agents[k])
            zmq_close(self->agents[k]);
    if (self->frozen)
        zmq_close(self->frozen);
    free(self->agents);
    if (self->ctx)
        zmq_ctx_term(self->ctx);
    free(self);
    *self_p = NULL;
}

/* ---- Probe: where the log ends now -------------------------------------------------------- */

/* Submits probe message i and waits for its ack; *seq is then the log's last record. */
static int s_probe(bench_load_t *self, const bench_pool_t *probe, size_t i, uint64_t *seq)
{
    void *sock = self->agents[i % (size_t)self->o->agents];
    uint64_t want = probe->base + i;
    if (i >= probe->n || zmq_send(sock, probe->buf + probe->off[i], probe->len[i], ZMQ_DONTWAIT) < 0)
        return -1;
    int64_t until = bench_now_ns() + (int64_t)S_PROBE_MS * 1000000;
    while (bench_now_ns() < until) {
        zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 100) <= 0)
            continue;
        zmq_msg_t m;
        while (s_recv(sock, &m) == 0) {
            relais_reply_t r;
            int hit = 0;
            if (relais_reply_decode(zmq_msg_data(&m), zmq_msg_size(&m), &r) == 0) {
                hit = r.request_id == want ? (r.kind == RELAIS_REPLY_ACK ? 1 : -1) : 0;
                if (hit > 0)
                    *seq = r.ack.seq;
                else if (hit < 0)
                    bench_log("error: probe refused: %s %s", relais_status_name(r.error.status), r.error.message);
                relais_reply_clear(&r);
            }
            zmq_msg_close(&m);
            if (hit)
                return hit > 0 ? 0 : -1;
        }
    }
    bench_log("error: no ack for the probe submission within %d s", S_PROBE_MS / 1000);
    return -1;
}

int bench_load_freeze_one(bench_load_t *self, const bench_pool_t *probe, size_t probe_i)
{
    uint64_t head = 0;
    if (s_probe(self, probe, probe_i, &head) != 0)
        return -1;
    self->frozen = s_dealer(self, self->ids->coordinator, 1000);
    if (!self->frozen)
        return -1;
    relais_request_t req = {.request_id = self->ctrl_id++, .kind = RELAIS_REQ_SUBSCRIBE};
    req.from_seq = head + 1;
    req.credit = S_FROZEN_CREDIT;
    /* It never reads again: the broker must stop at its full pipe and keep only a position. */
    return s_send_request(self->frozen, &req);
}

/* ---- A phase ------------------------------------------------------------------------------ */

typedef struct {
    bench_load_t *load;        /* sockets and options */
    const bench_pool_t *pool;  /* the messages of the phase */
    int paced;                 /* 0: closed loop with a window; 1: open loop at `rate` */
    int window;                /* closed loop: submissions in flight per agent */
    double rate;               /* open loop: msg/s over all agents */
    int64_t t0;                /* start of the phase */
    int64_t send_until;        /* no first send after this */
    int64_t give_up;           /* no wait for answers after this */
    _Atomic int64_t *t_send;   /* per message: first send (read by subscribers too); 0 = never */
    int64_t *t_ack;            /* per message: ack time (its agent writes it); 0 = none */
    int64_t *lag;              /* per message: actual minus scheduled send (open loop) */
    atomic_uint_fast64_t acked; /* acks so far, all agents */
    pthread_barrier_t start;   /* agents and the main thread leave it together */
} s_phase_t;

typedef struct {
    s_phase_t *ph;         /* the phase */
    int k;                 /* agent number */
    void *sock;            /* its DEALER */
    size_t next;           /* next pool index of its own never sent */
    size_t outstanding;    /* sent, not answered */
    size_t *ring;          /* pool indexes to resend after UNAVAILABLE */
    size_t ring_head, ring_count;
    int64_t retry_at;      /* not before this */
    uint64_t sent, acked, refused, retried;
    int64_t last_ack;      /* time of its last ack */
    int64_t last_answer;   /* time of its last answer of any kind (or of the start) */
    int first_error;       /* status of its first refusal */
    char first_why[256];   /* and its sentence */
} s_agent_t;

/* Sends pool message i; records the first send. 0, or -1 when the socket would block. */
static int s_submit(s_agent_t *a, size_t i, int64_t now)
{
    const bench_pool_t *p = a->ph->pool;
    if (zmq_send(a->sock, p->buf + p->off[i], p->len[i], ZMQ_DONTWAIT) < 0)
        return -1;
    int64_t zero = 0;
    atomic_compare_exchange_strong_explicit(&a->ph->t_send[i], &zero, now, memory_order_release,
                                            memory_order_relaxed);
    return 0;
}

static void s_resend_due(s_agent_t *a, int64_t now)
{
    while (a->ring_count > 0 && now >= a->retry_at) {
        size_t i = a->ring[a->ring_head];
        if (s_submit(a, i, now) != 0)
            return;
        a->ring_head = (a->ring_head + 1) % S_RETRY_RING;
        a->ring_count--;
        a->retried++;
    }
}

/* Closed loop: keep `window` in flight. */
static void s_send_window(s_agent_t *a, int64_t now)
{
    s_phase_t *ph = a->ph;
    size_t k_count = (size_t)ph->load->o->agents;
    while (now < ph->send_until && a->next < ph->pool->n && a->outstanding < (size_t)ph->window) {
        if (s_submit(a, a->next, now) != 0)
            return;
        a->next += k_count;
        a->outstanding++;
        a->sent++;
    }
}

static int64_t s_scheduled(const s_phase_t *ph, size_t i)
{
    return ph->t0 + (int64_t)((double)i * 1e9 / ph->rate);
}

/* Open loop: send whatever the schedule says is due, however many are in flight. */
static void s_send_paced(s_agent_t *a, int64_t now)
{
    s_phase_t *ph = a->ph;
    size_t k_count = (size_t)ph->load->o->agents;
    while (now < ph->send_until && a->next < ph->pool->n && now >= s_scheduled(ph, a->next)) {
        if (s_submit(a, a->next, now) != 0)
            return;
        ph->lag[a->next] = now - s_scheduled(ph, a->next);
        a->next += k_count;
        a->outstanding++;
        a->sent++;
        now = bench_now_ns();
    }
}

static void s_on_error(s_agent_t *a, size_t i, const relais_reply_t *r)
{
    if (r->error.status == RELAIS_E_UNAVAILABLE && a->ring_count < S_RETRY_RING) {
        /* The hub is busy: the same bytes again shortly (idempotent by message id). */
        a->ring[(a->ring_head + a->ring_count) % S_RETRY_RING] = i;
        a->ring_count++;
        a->retry_at = bench_now_ns() + S_RETRY_NS;
        return;
    }
    if (!a->first_error) {
        a->first_error = r->error.status;
        snprintf(a->first_why, sizeof a->first_why, "%s", r->error.message);
    }
    a->refused++;
    a->outstanding--;
}

static void s_on_reply(s_agent_t *a, zmq_msg_t *m, int64_t now)
{
    s_phase_t *ph = a->ph;
    relais_reply_t r;
    a->last_answer = now;
    if (relais_reply_decode(zmq_msg_data(m), zmq_msg_size(m), &r) != 0)
        return;
    size_t k_count = (size_t)ph->load->o->agents;
    uint64_t i = r.request_id - ph->pool->base;
    /* A late answer from an earlier phase or a control request: not ours to count. */
    if (r.request_id < ph->pool->base || i >= ph->pool->n || i % k_count != (size_t)a->k) {
        relais_reply_clear(&r);
        return;
    }
    if (r.kind == RELAIS_REPLY_ACK && ph->t_ack[i] == 0) {
        ph->t_ack[i] = now;
        a->last_ack = now;
        a->acked++;
        a->outstanding--;
        atomic_fetch_add_explicit(&ph->acked, 1, memory_order_relaxed);
    } else if (r.kind == RELAIS_REPLY_ERROR) {
        s_on_error(a, (size_t)i, &r);
    }
    relais_reply_clear(&r);
}

static void s_drain_replies(s_agent_t *a)
{
    zmq_msg_t m;
    while (s_recv(a->sock, &m) == 0) {
        s_on_reply(a, &m, bench_now_ns());
        zmq_msg_close(&m);
    }
}

/* How long to sleep in zmq_poll before the next thing to do, ms. */
static long s_poll_ms(const s_agent_t *a, int64_t now)
{
    const s_phase_t *ph = a->ph;
    int64_t next = now + 100000000; /* answers wake us; 100 ms bounds the check of the clock */
    if (a->ring_count > 0 && a->retry_at < next)
        next = a->retry_at;
    if (ph->paced && a->next < ph->pool->n && s_scheduled(ph, a->next) < next)
        next = s_scheduled(ph, a->next);
    if (next <= now)
        return 0;
    return (long)((next - now + 999999) / 1000000); /* round up: never spin on a sub-ms wait */
}

static int s_agent_done(const s_agent_t *a, int64_t now)
{
    const s_phase_t *ph = a->ph;
    int more = now < ph->send_until && a->next < ph->pool->n;
    return !more && a->outstanding == 0 && a->ring_count == 0;
}

static void *s_agent_thread(void *arg)
{
    s_agent_t *a = arg;
    s_phase_t *ph = a->ph;
    pthread_barrier_wait(&ph->start); /* ready */
    pthread_barrier_wait(&ph->start); /* t0 and the deadlines are set */
    a->last_answer = bench_now_ns();
    for (;;) {
        int64_t now = bench_now_ns();
        if (now > ph->give_up || s_agent_done(a, now))
            break;
        if (a->outstanding > 0 && now - a->last_answer > S_STALL_NS) {
            bench_log("agent %d: no answer for %lld s with %zu in flight: giving up", a->k,
                      S_STALL_NS / 1000000000LL, a->outstanding);
            break;
        }
        s_resend_due(a, now);
        if (ph->paced)
            s_send_paced(a, now);
        else
            s_send_window(a, now);
        zmq_pollitem_t item = {a->sock, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, s_poll_ms(a, bench_now_ns())) < 0 && errno == ETERM)
            break;
        s_drain_replies(a);
    }
    return NULL;
}

/* ---- Subscribers ------------------------------------------------------------------------------ */

typedef struct {
    s_phase_t *ph;              /* the phase whose messages it times */
    const bench_factory_t *f;   /* message id -> index */
    void *sock;                 /* its DEALER (auditor identity: it sees every record) */
    uint64_t from_seq;          /* where its feed starts */
    uint64_t request_id;        /* its Subscribe's id */
    int64_t *samples;           /* send -> delivery, ns (room pool->n) */
    size_t n_samples;
    uint8_t *seen;              /* per pool message: delivered already */
    uint64_t deliveries;        /* all deliveries, access records included */
    uint64_t undecodable;       /* deliveries whose record did not decode */
    int64_t unused_credit;      /* credit granted and not yet used */
    atomic_int ready;           /* first delivery received: the feed runs */
    atomic_uint_fast64_t seen_count; /* phase messages received */
    atomic_int stop;            /* the main thread says: leave */
    int error;                  /* an error reply to the feed */
} s_sub_t;

/* The pool index of a delivered record, or -1 when it is not one of the phase's messages. */
static int64_t s_delivered_index(s_sub_t *s, const relais_delivery_t *d)
{
    relais_message_t *msg = NULL;
    if (!d->record || relais_record_message_decode(d->record, d->record_len, NULL, NULL, &msg) != 0) {
        s->undecodable++;
        return -1;
    }
    int64_t g = -1; /* access records (our own subscriptions) and other traffic are not timed */
    if (relais_message_payload(msg) == RELAIS_PAYLOAD_REFERRAL)
        g = bench_factory_index_of(s->f, relais_message_id(msg));
    relais_message_destroy(&msg);
    const bench_pool_t *p = s->ph->pool;
    if (g < 0 || (uint64_t)g < p->base || (uint64_t)g - p->base >= p->n)
        return -1;
    return (int64_t)((uint64_t)g - p->base);
}

static void s_on_delivery(s_sub_t *s, const relais_reply_t *r, int64_t now)
{
    s->deliveries++;
    s->unused_credit--;
    atomic_store_explicit(&s->ready, 1, memory_order_release);
    int64_t i = s_delivered_index(s, &r->delivery);
    if (i < 0 || s->seen[i])
        return;
    s->seen[i] = 1;
    int64_t sent = atomic_load_explicit(&s->ph->t_send[i], memory_order_acquire);
    if (sent > 0)
        s->samples[s->n_samples++] = now - sent;
    atomic_fetch_add_explicit(&s->seen_count, 1, memory_order_relaxed);
}

static void s_sub_read(s_sub_t *s)
{
    zmq_msg_t m;
    while (s_recv(s->sock, &m) == 0) {
        int64_t now = bench_now_ns();
        relais_reply_t r;
        if (relais_reply_decode(zmq_msg_data(&m), zmq_msg_size(&m), &r) == 0) {
            if (r.kind == RELAIS_REPLY_DELIVERY && r.request_id == s->request_id)
                s_on_delivery(s, &r, now);
            else if (r.kind == RELAIS_REPLY_ERROR && !s->error)
                s->error = r.error.status;
            relais_reply_clear(&r);
        }
        zmq_msg_close(&m);
    }
    if (s->unused_credit < S_SUB_CREDIT / 2) {
        relais_request_t req = {.request_id = s->request_id + 1, .kind = RELAIS_REQ_CREDIT,
                                .credit = S_SUB_CREDIT};
        if (s_send_request(s->sock, &req) == 0)
            s->unused_credit += S_SUB_CREDIT;
    }
}

static void *s_sub_thread(void *arg)
{
    s_sub_t *s = arg;
    relais_request_t req = {.request_id = s->request_id, .kind = RELAIS_REQ_SUBSCRIBE, .from_seq = s->from_seq,
                            .credit = S_SUB_CREDIT};
    if (s_send_request(s->sock, &req) != 0)
        return NULL;
    s->unused_credit = S_SUB_CREDIT;
    while (!atomic_load(&s->stop)) {
        zmq_pollitem_t item = {s->sock, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 20) < 0 && errno == ETERM)
            break;
        s_sub_read(s);
    }
    return NULL;
}

/* ---- Running a phase ------------------------------------------------------------------------ */

typedef struct {
    s_phase_t ph;          /* the shared phase */
    s_agent_t *agents;     /* per agent */
    pthread_t *agent_th;   /* their threads */
    s_sub_t *subs;         /* live subscribers */
    pthread_t *sub_th;     /* their threads */
    int subs_started;      /* threads created */
    int sub_count;         /* live subscribers wanted */
} s_run_t;

static int s_agents_alloc(s_run_t *run, bench_load_t *self)
{
    for (int k = 0; k < self->o->agents; k++) {
        s_agent_t *a = &run->agents[k];
        a->ph = &run->ph;
        a->k = k;
        a->sock = self->agents[k];
        a->next = (size_t)k;
        a->ring = calloc(S_RETRY_RING, sizeof *a->ring);
        if (!a->ring)
            return -1;
    }
    return 0;
}

/* Each live subscriber gets its own connection (one feed per connection) as the auditor. */
static int s_subs_alloc(s_run_t *run, bench_load_t *self, size_t n)
{
    for (int j = 0; j < run->sub_count; j++) {
        s_sub_t *s = &run->subs[j];
        s->ph = &run->ph;
        s->f = self->f;
        s->samples = calloc(n, sizeof *s->samples);
        s->seen = calloc(n, 1);
        if (!s->samples || !s->seen)
            return -1;
        s->sock = s_dealer(self, self->ids->auditor, 10000);
        if (!s->sock)
            return -1;
        s->request_id = self->ctrl_id;
        self->ctrl_id += 16; /* its subscribe, then its credits */
    }
    return 0;
}

static int s_run_alloc(s_run_t *run, bench_load_t *self, const bench_pool_t *pool, int subs)
{
    int k_count = self->o->agents;
    size_t n = pool->n ? pool->n : 1;
    memset(run, 0, sizeof *run);
    run->ph.load = self;
    run->ph.pool = pool;
    run->sub_count = subs;
    run->ph.t_send = calloc(n, sizeof *run->ph.t_send);
    run->ph.t_ack = calloc(n, sizeof *run->ph.t_ack);
    run->ph.lag = calloc(n, sizeof *run->ph.lag);
    run->agents = calloc((size_t)k_count, sizeof *run->agents);
    run->agent_th = calloc((size_t)k_count, sizeof *run->agent_th);
    run->subs = calloc(subs > 0 ? (size_t)subs : 1, sizeof *run->subs);
    run->sub_th = calloc(subs > 0 ? (size_t)subs : 1, sizeof *run->sub_th);
    if (!run->ph.t_send || !run->ph.t_ack || !run->ph.lag || !run->agents || !run->agent_th || !run->subs ||
        !run->sub_th)
        return -1;
    for (size_t i = 0; i < n; i++)
        atomic_init(&run->ph.t_send[i], 0);
    return s_agents_alloc(run, self) == 0 && s_subs_alloc(run, self, n) == 0 ? 0 : -1;
}

static void s_run_free(s_run_t *run)
{
    for (int k = 0; run->agents && k < run->ph.load->o->agents; k++)
        free(run->agents[k].ring);
    for (int j = 0; run->subs && j < run->sub_count; j++) {
        free(run->subs[j].samples);
        free(run->subs[j].seen);
        if (run->subs[j].sock)
            zmq_close(run->subs[j].sock);
    }
    free(run->ph.t_send);
    free(run->ph.t_ack);
    free(run->ph.lag);
    free(run->agents);
    free(run->agent_th);
    free(run->subs);
    free(run->sub_th);
}

/* Starts the live subscribers from `from_seq` and waits (bounded) until each one's feed runs. */
static int s_subs_start(s_run_t *run, uint64_t from_seq)
{
    for (int j = 0; j < run->sub_count; j++) {
        run->subs[j].from_seq = from_seq;
        if (pthread_create(&run->sub_th[j], NULL, s_sub_thread, &run->subs[j]) != 0)
            return -1;
        run->subs_started = j + 1;
    }
    int64_t until = bench_now_ns() + (int64_t)S_SUB_READY_MS * 1000000;
    for (int j = 0; j < run->sub_count; j++) {
        while (!atomic_load(&run->subs[j].ready) && bench_now_ns() < until)
            nanosleep(&(struct timespec){0, 5000000}, NULL);
        if (!atomic_load(&run->subs[j].ready)) {
            bench_log("error: subscriber %d saw no delivery within %d s (error %s)", j, S_SUB_READY_MS / 1000,
                      run->subs[j].error ? relais_status_name(run->subs[j].error) : "none");
            return -1;
        }
    }
    return 0;
}

/* Waits (bounded) until every subscriber has received every acknowledged message, then stops them. */
static void s_subs_finish(s_run_t *run)
{
    uint64_t acked = atomic_load(&run->ph.acked);
    int64_t until = bench_now_ns() + (int64_t)S_FEED_CATCHUP_MS * 1000000;
    for (int j = 0; j < run->subs_started; j++)
        while (atomic_load(&run->subs[j].seen_count) < acked && bench_now_ns() < until)
            nanosleep(&(struct timespec){0, 5000000}, NULL);
    for (int j = 0; j < run->subs_started; j++)
        atomic_store(&run->subs[j].stop, 1);
    for (int j = 0; j < run->subs_started; j++)
        pthread_join(run->sub_th[j], NULL);
}

/* Starts the agents, releases them together once all are ready, and waits for them. */
static int s_agents_run(s_run_t *run, double duration_s)
{
    int k_count = run->ph.load->o->agents;
    if (pthread_barrier_init(&run->ph.start, NULL, (unsigned)k_count + 1) != 0)
        return -1;
    for (int k = 0; k < k_count; k++) {
        if (pthread_create(&run->agent_th[k], NULL, s_agent_thread, &run->agents[k]) != 0) {
            /* The barrier can never open now and the threads waiting on it would hang. */
            bench_log("error: cannot start agent thread %d", k);
            exit(1);
        }
    }
    pthread_barrier_wait(&run->ph.start); /* every agent is ready */
    run->ph.t0 = bench_now_ns();
    run->ph.send_until = run->ph.t0 + (int64_t)(duration_s * 1e9);
    run->ph.give_up = run->ph.send_until + (int64_t)S_DRAIN_MS * 1000000;
    pthread_barrier_wait(&run->ph.start); /* go: the clock is set */
    for (int k = 0; k < k_count; k++)
        pthread_join(run->agent_th[k], NULL);
    pthread_barrier_destroy(&run->ph.start);
    return 0;
}

/* Ack latencies (ns) of the acknowledged messages into *out (caller frees); their count. */
static size_t s_ack_samples(const s_run_t *run, int64_t **out)
{
    size_t n = run->ph.pool->n, m = 0;
    int64_t *v = calloc(n ? n : 1, sizeof *v);
    for (size_t i = 0; v && i < n; i++) {
        int64_t sent = atomic_load(&run->ph.t_send[i]);
        if (run->ph.t_ack[i] && sent)
            v[m++] = run->ph.t_ack[i] - sent;
    }
    *out = v;
    return m;
}

/* Feed latencies of every subscriber together (caller frees); their count. */
static size_t s_feed_samples(const s_run_t *run, int64_t **out, uint64_t *missing)
{
    size_t total = 0, m = 0;
    uint64_t acked = atomic_load(&run->ph.acked);
    *missing = 0;
    for (int j = 0; j < run->subs_started; j++)
        total += run->subs[j].n_samples;
    int64_t *v = calloc(total ? total : 1, sizeof *v);
    for (int j = 0; v && j < run->subs_started; j++) {
        const s_sub_t *s = &run->subs[j];
        memcpy(v + m, s->samples, s->n_samples * sizeof *v);
        m += s->n_samples;
        uint64_t seen = atomic_load(&s->seen_count);
        *missing += seen < acked ? acked - seen : 0;
    }
    *out = v;
    return m;
}

typedef struct {
    uint64_t sent, acked, refused, retried, lost; /* over all agents */
    int64_t last_ack;                             /* the latest ack */
} s_totals_t;

static s_totals_t s_totals(const s_run_t *run)
{
    s_totals_t t = {0};
    for (int k = 0; k < run->ph.load->o->agents; k++) {
        const s_agent_t *a = &run->agents[k];
        t.sent += a->sent;
        t.acked += a->acked;
        t.refused += a->refused;
        t.retried += a->retried;
        t.lost += a->outstanding;
        if (a->last_ack > t.last_ack)
            t.last_ack = a->last_ack;
        if (a->first_error && a->refused == 1)
            bench_log("agent %d: refused: %s %s", k, relais_status_name(a->first_error), a->first_why);
        else if (a->first_error)
            bench_log("agent %d: %llu refused, first: %s %s", k, (unsigned long long)a->refused,
                      relais_status_name(a->first_error), a->first_why);
    }
    return t;
}

/* Probe, start subscribers, run agents, collect the subscribers. */
static int s_phase(bench_load_t *self, s_run_t *run, const bench_pool_t *probe, size_t probe_i, double duration_s)
{
    uint64_t head = 0;
    if (s_probe(self, probe, probe_i, &head) != 0)
        return -1;
    if (s_subs_start(run, head + 1) != 0) {
        s_subs_finish(run);
        return -1;
    }
    int rc = s_agents_run(run, duration_s);
    s_subs_finish(run);
    return rc;
}

int bench_load_throughput(bench_load_t *self, const bench_pool_t *pool, const bench_pool_t *probe, size_t probe_i,
                          int subs, bench_result_t *r)
{
    s_run_t run;
    int rc = s_run_alloc(&run, self, pool, subs);
    run.ph.window = self->o->window;
    double duration = self->o->duration > 0 ? self->o->duration : (self->o->quick ? 60 : 600);
    if (rc == 0)
        rc = s_phase(self, &run, probe, probe_i, duration);
    if (rc == 0) {
        s_totals_t t = s_totals(&run);
        r->tp_sent = t.sent;
        r->tp_acked = t.acked;
        r->tp_refused = t.refused;
        r->tp_retried = t.retried;
        r->tp_lost = t.lost;
        r->tp_seconds = t.last_ack > run.ph.t0 ? (double)(t.last_ack - run.ph.t0) / 1e9 : NAN;
        r->acked_per_s = t.acked > 0 ? (double)t.acked / r->tp_seconds : NAN;
        int64_t *v = NULL;
        size_t n = s_ack_samples(&run, &v);
        bench_sort(v, n);
        r->tp_ack_p50_ms = bench_percentile_ms(v, n, 0.50, 1);
        r->tp_ack_p99_ms = bench_percentile_ms(v, n, 0.99, 1);
        free(v);
        n = s_feed_samples(&run, &v, &r->tp_feed_missing);
        bench_sort(v, n);
        r->tp_feed_p50_ms = bench_percentile_ms(v, n, 0.50, 1);
        r->tp_feed_p99_ms = bench_percentile_ms(v, n, 0.99, 1);
        free(v);
    }
    s_run_free(&run);
    return rc;
}

int bench_load_latency(bench_load_t *self, const bench_pool_t *pool, const bench_pool_t *probe, size_t probe_i,
                       int subs, double rate, bench_result_t *r)
{
    s_run_t run;
    int rc = s_run_alloc(&run, self, pool, subs);
    run.ph.paced = 1;
    run.ph.rate = rate;
    double duration = (double)pool->n / rate + 1.0; /* the schedule, and a second of slack */
    if (rc == 0)
        rc = s_phase(self, &run, probe, probe_i, duration);
    if (rc == 0) {
        s_totals_t t = s_totals(&run);
        r->lat_sent = t.sent;
        r->lat_acked = t.acked;
        r->lat_refused = t.refused;
        r->lat_lost = t.lost;
        int64_t *v = NULL;
        size_t n = s_ack_samples(&run, &v);
        bench_sort(v, n);
        r->ack_p50_ms = bench_percentile_ms(v, n, 0.50, 1);
        r->ack_p99_ms = bench_percentile_ms(v, n, 0.99, 1);
        r->ack_p999_ms = bench_percentile_ms(v, n, 0.999, 1);
        free(v);
        n = s_feed_samples(&run, &v, &r->lat_feed_missing);
        bench_sort(v, n);
        r->feed_p50_ms = bench_percentile_ms(v, n, 0.50, 1);
        r->feed_p99_ms = bench_percentile_ms(v, n, 0.99, 1);
        free(v);
        /* How well the bench kept its own schedule: late sends inflate latency honestly. */
        int64_t last = 0;
        for (size_t i = 0; i < pool->n; i++)
            if (atomic_load(&run.ph.t_send[i]) > last)
                last = atomic_load(&run.ph.t_send[i]);
        r->lat_offered_per_s = last > run.ph.t0 ? (double)t.sent / ((double)(last - run.ph.t0) / 1e9) : NAN;
        bench_sort(run.ph.lag, pool->n);
        r->send_lag_p99_ms = bench_percentile_ms(run.ph.lag, pool->n, 0.99, 1);
    }
    s_run_free(&run);
    return rc;
}
