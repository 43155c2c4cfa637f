/* intake.c -- the intake thread: the CURVE ROUTER, cheap checks, dispatch, replies, the feed.
 *
 * This thread never waits for a disk sync or a signature: it reads frames, refuses what is
 * too large or does not decode, hands everything else to the verifier pool over a bounded
 * queue (a full queue is an explicit UNAVAILABLE, not a wait), and sends back what the
 * verifiers and the writer answer. It also serves the live feed between those.
 */
#include "broker_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_ROUTER_HWM 10000   /* frames queued per peer each way */
#define S_ROUTER_LINGER 2000 /* ms to flush the last acks at shutdown */
#define S_RECV_BURST 256     /* requests read per loop turn before serving the rest */
#define S_REPLY_BURST 4096   /* replies forwarded per loop turn */
#define S_DEFER_MAX 1024     /* replies held for peers whose pipe is full ... */
#define S_DEFER_BYTES (32u << 20) /* ... and their bytes: beyond either, a reply is dropped */
#define S_RETRY_MS 5              /* a peer whose pipe was full is tried again this soon */

/* A reply a live peer could not take yet (its pipe was full). */
typedef struct {
    uint8_t route[BROKER_ROUTE_MAX]; /* the peer */
    size_t route_len;                /* its length */
    uint8_t *bytes;                  /* the Reply frame, owned */
    size_t len;                      /* its size */
} s_deferred_t;

typedef struct {
    relais_broker_t *b;  /* the broker */
    void *router;        /* the agents' socket (CURVE server) */
    void *to_verify;     /* PUSH of jobs to the verifier pool */
    void *replies;       /* PULL of replies and notices from verifiers and writer */
    broker_feed_t *feed; /* the live feeds */
    s_deferred_t *deferred;             /* replies waiting for room in their peer's pipe (S_DEFER_MAX) */
    size_t deferred_count;              /* how many */
    size_t deferred_bytes;              /* their total size */
} s_intake_t;

/* ---- Sending to agents ----------------------------------------------------------------- */

/* Sends one frame to a peer without waiting: 0, or errno (EAGAIN: pipe full; else gone). */
static int s_try_send(s_intake_t *in, const uint8_t *route, size_t route_len, const void *bytes, size_t len)
{
    if (zmq_send(in->router, route, route_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0 &&
        zmq_send(in->router, bytes, len, ZMQ_DONTWAIT) >= 0)
        return 0;
    return errno ? errno : EHOSTUNREACH;
}

/* Keeps a reply for a live peer whose pipe is full, within fixed bounds. */
static void s_defer(s_intake_t *in, const uint8_t *route, size_t route_len, const void *bytes, size_t len)
{
    uint8_t *copy = NULL;
    if (in->deferred && in->deferred_count < S_DEFER_MAX && in->deferred_bytes + len <= S_DEFER_BYTES)
        copy = malloc(len ? len : 1);
    if (!copy) {
        /* The peer reads nothing; it resubmits what it misses (idempotent). */
        broker_log("warn", "reply-dropped", "why=peer-full bytes=%zu deferred=%zu", len, in->deferred_count);
        return;
    }
    memcpy(copy, bytes, len);
    s_deferred_t *d = &in->deferred[in->deferred_count++];
    memcpy(d->route, route, route_len);
    d->route_len = route_len;
    d->bytes = copy;
    d->len = len;
    in->deferred_bytes += len;
}

/* Sends one reply frame to a peer without waiting. A peer that has gone loses its feed. */
static void s_send_to_peer(s_intake_t *in, const uint8_t *route, size_t route_len, const void *bytes, size_t len)
{
    int err = s_try_send(in, route, route_len, bytes, len);
    if (err == EAGAIN || err == EINTR) {
        s_defer(in, route, route_len, bytes, len);
    } else if (err != 0) {
        if (in->feed)
            broker_feed_forget(in->feed, route, route_len);
        broker_log("info", "reply-dropped", "why=peer-gone bytes=%zu", len);
    }
}

/* Retries the deferred replies; returns 1 when some are still waiting. */
static int s_retry_deferred(s_intake_t *in)
{
    for (size_t i = 0; i < in->deferred_count;) {
        s_deferred_t *d = &in->deferred[i];
        int err = s_try_send(in, d->route, d->route_len, d->bytes, d->len);
        if (err == EAGAIN || err == EINTR) {
            i++;
            continue;
        }
        if (err != 0)
            broker_feed_forget(in->feed, d->route, d->route_len);
        in->deferred_bytes -= d->len;
        free(d->bytes);
        *d = in->deferred[--in->deferred_count]; /* replies may arrive in any order (protocol) */
    }
    return in->deferred_count > 0;
}

static void s_drop_deferred(s_intake_t *in)
{
    if (in->deferred_count)
        broker_log("warn", "reply-dropped", "why=shutdown count=%zu", in->deferred_count);
    for (size_t i = 0; i < in->deferred_count; i++)
        free(in->deferred[i].bytes);
    in->deferred_count = 0;
    in->deferred_bytes = 0;
}

static void s_reply(s_intake_t *in, const broker_env_t *env, const relais_reply_t *reply)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    if (relais_reply_encode(reply, &bytes, &len) != 0)
        return;
    s_send_to_peer(in, env->route, env->route_len, bytes, len);
    free(bytes);
}

static void s_error(s_intake_t *in, const broker_env_t *env, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void s_error(s_intake_t *in, const broker_env_t *env, int status, const char *fmt, ...)
{
    relais_reply_t reply;
    va_list ap;
    va_start(ap, fmt);
    broker_error_fill(&reply, env, status, NULL, fmt, ap);
    va_end(ap);
    s_reply(in, env, &reply);
}

/* ---- From verifiers and the writer ---------------------------------------------------------- */

static void s_on_internal(s_intake_t *in, const broker_env_t *env, const uint8_t *d1)
{
    switch (env->kind) {
    case BROKER_OUT_REPLY:
        s_send_to_peer(in, env->route, env->route_len, d1, env->len1);
        break;
    case BROKER_OUT_HEAD:
        broker_feed_head(in->feed, env->seq);
        break;
    case BROKER_OUT_SUB_READY:
        broker_feed_ready(in->feed, env);
        if (env->status != 0)
            s_error(in, env, env->status, "the feed could not start: %s", relais_strerror(env->status));
        break;
    default:
        broker_log("error", "internal", "what=\"unexpected notice\" kind=%d", (int)env->kind);
        break;
    }
}

/* Forwards what is waiting; returns how many items were handled. */
static int s_pump_replies(s_intake_t *in)
{
    int n = 0;
    for (; n < S_REPLY_BURST; n++) {
        zmq_msg_t msg;
        broker_env_t env;
        const uint8_t *d1, *d2;
        int rc = broker_env_recv(in->replies, &msg, &env, &d1, &d2, ZMQ_DONTWAIT);
        if (rc < 0)
            break;
        if (rc == 0) {
            s_on_internal(in, &env, d1);
            zmq_msg_close(&msg);
        }
    }
    return n;
}

/* ---- From agents ------------------------------------------------------------------------- */

/* Hands a job to the verifier pool, or answers UNAVAILABLE when its queue is full. */
static int s_dispatch(s_intake_t *in, broker_env_t *env, broker_kind_t kind, const void *data, size_t len)
{
    env->kind = kind;
    if (broker_env_send(in->to_verify, env, data, len, NULL, 0, ZMQ_DONTWAIT) == 0)
        return 0;
    s_error(in, env, RELAIS_E_UNAVAILABLE, "the hub is busy; retry shortly");
    return -1;
}

static void s_subscribe(s_intake_t *in, broker_env_t *env, const relais_request_t *req)
{
    if (env->role == RELAIS_ROLE_BROKER) {
        s_error(in, env, RELAIS_E_FORBIDDEN, "this identity has no feed");
        return;
    }
    if (broker_feed_subscribe(in->feed, env, req->from_seq, req->credit) != 0) {
        s_error(in, env, RELAIS_E_UNAVAILABLE, "too many feeds are open; retry later");
        return;
    }
    env->seq = req->from_seq;
    env->credit = req->credit;
    /* The feed starts once its access record is stored (the writer says so). */
    if (s_dispatch(in, env, BROKER_JOB_SUBSCRIBE, NULL, 0) != 0)
        broker_feed_forget(in->feed, env->route, env->route_len);
}

static void s_handle_request(s_intake_t *in, broker_env_t *env, const uint8_t *frame, size_t len)
{
    relais_request_t req;
    relais_status_clear();
    if (relais_request_decode(frame, len, &req) != 0) {
        s_error(in, env, RELAIS_E_MALFORMED, "not a Request: %s", relais_status_detail());
        return;
    }
    env->request_id = req.request_id;
    relais_peer_t peer;
    if (broker_peer_by_name(in->b, env->user, &peer) != 0) {
        s_error(in, env, RELAIS_E_UNKNOWN_SENDER, "this identity is no longer in the registry");
        goto out_clear;
    }
    env->role = peer.role;
    switch (req.kind) {
    case RELAIS_REQ_SUBMIT:
        s_dispatch(in, env, BROKER_JOB_SUBMIT, req.submit, req.submit_len);
        break;
    case RELAIS_REQ_SUBSCRIBE:
        s_subscribe(in, env, &req);
        break;
    case RELAIS_REQ_CREDIT:
        if (broker_feed_credit(in->feed, env->route, env->route_len, req.credit) != 0)
            s_error(in, env, RELAIS_E_MALFORMED, "no feed on this connection: subscribe first");
        break;
    case RELAIS_REQ_PING: {
        relais_reply_t pong = {.request_id = req.request_id, .kind = RELAIS_REPLY_NONE};
        s_reply(in, env, &pong);
        break;
    }
    case RELAIS_REQ_NONE:
        s_error(in, env, RELAIS_E_MALFORMED, "the request asks for nothing");
        break;
    default:
        /* Case and audit queries read the store: a verifier serves them. */
        s_dispatch(in, env, BROKER_JOB_QUERY, frame, len);
        break;
    }
out_clear:
    relais_request_clear(&req);
}

/* Reads the rest of a multipart message, which the protocol never sends. */
static int s_drain_more(void *sock)
{
    int extra = 0, more = 1;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, sock, 0) < 0) {
            zmq_msg_close(&m);
            break;
        }
        more = zmq_msg_more(&m);
        zmq_msg_close(&m);
        extra++;
    }
    return extra;
}

/* The request id of a frame refused before it decodes (too large, not a Request), so that the agent can still
 * match the refusal: serializers write field 1 (tag 0x08, a varint) first. 0 when absent. */
static uint64_t s_peek_request_id(const uint8_t *frame, size_t len)
{
    uint64_t id = 0;
    if (len < 2 || frame[0] != 0x08)
        return 0;
    for (size_t i = 1; i < len && i <= 10; i++) {
        id |= (uint64_t)(frame[i] & 0x7f) << (7 * (i - 1));
        if (!(frame[i] & 0x80))
            return id;
    }
    return 0;
}

/* Reads one [routing id][request] message; returns 0, or -1 when nothing is waiting. */
static int s_recv_one(s_intake_t *in)
{
    zmq_msg_t route, body;
    zmq_msg_init(&route);
    if (zmq_msg_recv(&route, in->router, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&route);
        return -1;
    }
    broker_env_t env;
    memset(&env, 0, sizeof env);
    env.received_ms = broker_now_ms();
    env.route_len = zmq_msg_size(&route) < BROKER_ROUTE_MAX ? zmq_msg_size(&route) : BROKER_ROUTE_MAX;
    memcpy(env.route, zmq_msg_data(&route), env.route_len);
    int more = zmq_msg_more(&route);
    zmq_msg_close(&route);
    if (!more)
        return 0;
    zmq_msg_init(&body);
    if (zmq_msg_recv(&body, in->router, 0) < 0) {
        zmq_msg_close(&body);
        return 0;
    }
    const char *user = zmq_msg_gets(&body, "User-Id");
    snprintf(env.user, sizeof env.user, "%s", user ? user : "");
    const uint8_t *frame = zmq_msg_data(&body);
    size_t len = zmq_msg_size(&body);
    /* Every refusal of a frame that does not decode echoes the id it starts with, if any. */
    env.request_id = s_peek_request_id(frame, len);
    if (zmq_msg_more(&body) && s_drain_more(in->router) > 0) {
        s_error(in, &env, RELAIS_E_MALFORMED, "a request is exactly one frame");
    } else if (!env.user[0]) {
        s_error(in, &env, RELAIS_E_UNKNOWN_SENDER, "the connection has no identity");
    } else if (len > in->b->opts.max_message) {
        s_error(in, &env, RELAIS_E_TOO_LARGE, "the request is %zu bytes; the limit is %zu", len,
                in->b->opts.max_message);
    } else {
        s_handle_request(in, &env, frame, len);
    }
    zmq_msg_close(&body);
    return 0;
}

/* ---- Setting up ------------------------------------------------------------------------- */

static int s_set_int(void *sock, int option, int value)
{
    return zmq_setsockopt(sock, option, &value, sizeof value);
}

static int s_router_open(s_intake_t *in)
{
    relais_broker_t *b = in->b;
    in->router = zmq_socket(b->ctx, ZMQ_ROUTER);
    if (!in->router)
        return relais_status_set(RELAIS_E_UNAVAILABLE, "ROUTER socket: %s", zmq_strerror(errno));
    const char *secret = relais_identity_curve_secret_z85(b->identity);
    int64_t max_frame = (int64_t)b->opts.max_message * 4; /* beyond this a peer is cut off, unanswered */
    if (s_set_int(in->router, ZMQ_CURVE_SERVER, 1) != 0 ||
        zmq_setsockopt(in->router, ZMQ_CURVE_SECRETKEY, secret, strlen(secret) + 1) != 0 ||
        zmq_setsockopt(in->router, ZMQ_ZAP_DOMAIN, BROKER_ZAP_DOMAIN, strlen(BROKER_ZAP_DOMAIN)) != 0 ||
        s_set_int(in->router, ZMQ_ROUTER_MANDATORY, 1) != 0 || s_set_int(in->router, ZMQ_SNDHWM, S_ROUTER_HWM) != 0 ||
        s_set_int(in->router, ZMQ_RCVHWM, S_ROUTER_HWM) != 0 ||
        s_set_int(in->router, ZMQ_HEARTBEAT_IVL, BROKER_HEARTBEAT_IVL_MS) != 0 ||
        s_set_int(in->router, ZMQ_HEARTBEAT_TIMEOUT, BROKER_HEARTBEAT_TIMEOUT_MS) != 0 ||
        s_set_int(in->router, ZMQ_HEARTBEAT_TTL, BROKER_HEARTBEAT_TIMEOUT_MS) != 0 ||
        s_set_int(in->router, ZMQ_LINGER, S_ROUTER_LINGER) != 0 ||
        zmq_setsockopt(in->router, ZMQ_MAXMSGSIZE, &max_frame, sizeof max_frame) != 0)
        return relais_status_set(RELAIS_E_UNAVAILABLE, "ROUTER options: %s", zmq_strerror(errno));
    if (zmq_bind(in->router, b->endpoint) != 0)
        return relais_status_set(RELAIS_E_UNAVAILABLE, "cannot bind %s: %s", b->endpoint, zmq_strerror(errno));
    return 0;
}

static int s_open(s_intake_t *in)
{
    relais_broker_t *b = in->b;
    in->to_verify = broker_queue_socket(b, ZMQ_PUSH);
    in->replies = broker_queue_socket(b, ZMQ_PULL);
    if (!in->to_verify || !in->replies || zmq_bind(in->to_verify, BROKER_EP_VERIFY) != 0 ||
        zmq_bind(in->replies, BROKER_EP_REPLY) != 0)
        return relais_status_set(RELAIS_E_UNAVAILABLE, "intake queues: %s", zmq_strerror(errno));
    int rc = s_router_open(in);
    if (rc != 0)
        return rc;
    in->feed = broker_feed_new(b, in->router);
    in->deferred = calloc(S_DEFER_MAX, sizeof *in->deferred);
    return in->feed && in->deferred ? 0 : relais_status_set(RELAIS_E_NOMEM, "out of memory");
}

/* ---- The loop ---------------------------------------------------------------------------- */

static void s_read_wake_pipe(relais_broker_t *b)
{
    char buf[64];
    while (read(b->wake_pipe[0], buf, sizeof buf) > 0) {
    }
    if (atomic_exchange(&b->reload_requested, 0))
        broker_registry_reload(b);
}

/* One turn: the writer's acks first, as soon as they come, then the feed deliveries of what
 * they stored, then new requests (and the feed again if one of them granted credit or
 * subscribed). The poll waits for any of the three; it only times out early to retry a peer
 * whose pipe was full, and not at all when a feed stopped on its budget with more to send. */
static void s_serve(s_intake_t *in)
{
    relais_broker_t *b = in->b;
    int feed = 0, deferred = 0;
    while (!atomic_load(&b->stop_requested)) {
        zmq_pollitem_t items[] = {
            {in->router, 0, ZMQ_POLLIN, 0},
            {in->replies, 0, ZMQ_POLLIN, 0},
            {NULL, b->wake_pipe[0], ZMQ_POLLIN, 0},
        };
        long timeout = (feed & BROKER_FEED_MORE) ? 0 : ((feed & BROKER_FEED_BLOCKED) || deferred) ? S_RETRY_MS : 500;
        if (zmq_poll(items, 3, timeout) < 0 && errno == ETERM)
            break;
        if (items[2].revents & ZMQ_POLLIN)
            s_read_wake_pipe(b);
        int replies = s_pump_replies(in);
        if (replies > 0 || feed != 0)
            feed = broker_feed_serve(in->feed);
        int requests = 0;
        while (requests < S_RECV_BURST && s_recv_one(in) == 0)
            requests++;
        if (requests > 0)
            feed = broker_feed_serve(in->feed);
        deferred = s_retry_deferred(in);
    }
}

/* Waits for a group of threads to finish while still forwarding their replies, which they
 * may be blocked on sending. */
static void s_wait_threads(s_intake_t *in, atomic_int *running)
{
    while (atomic_load(running) > 0) {
        zmq_pollitem_t item = {in->replies, 0, ZMQ_POLLIN, 0};
        zmq_poll(&item, 1, 20);
        s_pump_replies(in);
    }
}

/* Stops accepting, lets the verifiers and then the writer finish what is in flight (the
 * writer signs the final checkpoint), forwards the last answers and closes. */
static void s_shutdown(s_intake_t *in)
{
    relais_broker_t *b = in->b;
    atomic_store(&b->verifiers_drain, 1);
    if (in->replies)
        s_wait_threads(in, &b->verifiers_running);
    broker_verifiers_join(b);
    atomic_store(&b->writer_drain, 1);
    if (in->replies)
        s_wait_threads(in, &b->writer_running);
    broker_writer_join(b);
    if (in->replies)
        while (s_pump_replies(in) > 0) {
        }
    if (in->deferred) {
        s_retry_deferred(in);
        s_drop_deferred(in);
        free(in->deferred);
    }
    broker_feed_destroy(&in->feed);
    if (in->router)
        zmq_close(in->router);
    if (in->to_verify)
        zmq_close(in->to_verify);
    if (in->replies)
        zmq_close(in->replies);
}

int broker_intake_run(relais_broker_t *b)
{
    s_intake_t in = {.b = b};
    int rc = s_open(&in);
    if (rc == 0) {
        char q[300];
        broker_log("info", "listening", "endpoint=%s name=%s verifiers=%d origin=%s", b->endpoint, b->name,
                   b->opts.verifiers, broker_logq(q, sizeof q, b->origin));
        s_serve(&in);
        broker_log("info", "stopping", "why=signal");
    }
    s_shutdown(&in);
    if (rc == 0)
        broker_log("info", "stopped", "endpoint=%s", b->endpoint);
    return rc;
}
