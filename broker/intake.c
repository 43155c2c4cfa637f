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

#define S_ROUTER_SNDHWM 10000 /* frames queued to a peer (replies are also bounded in bytes: out.c) */
#define S_ROUTER_RCVHWM 64    /* frames read ahead from a peer: intake takes them at once anyway */
#define S_ROUTER_LINGER 2000 /* ms to flush the last acks at shutdown */
#define S_ROUTER_BACKLOG 1024 /* connections waiting to be accepted: a partner's waits there while
                               * idle ones hold every descriptor, until their handshake times out */
#define S_RECV_BURST 64      /* requests read per loop turn before serving the rest (a flood's
                              * frames are read in turn with everyone's: keep a turn short) */
#define S_REPLY_BURST 4096   /* replies forwarded per loop turn */
#define S_DEFER_MAX 1024     /* replies held for peers whose pipe is full ... */
#define S_DEFER_BYTES (4u << 20) /* ... and their bytes: beyond either, a reply is dropped */
#define S_DEFER_PEER_BYTES (256u << 10) /* ... and for one peer (but always one reply) */
#define S_RETRY_MS 5              /* a peer whose pipe was full is tried again this soon */
#define S_SWEEP_EVERY_MS 30000    /* peers idle this long are forgotten by the byte counters */

/* A reply a live peer could not take yet (its pipe was full). */
typedef struct {
    broker_env_t peer;               /* the peer: route, identity, CURVE key, status of the reply */
    uint8_t *bytes;                  /* the Reply frame, owned */
    size_t len;                      /* its size */
} s_deferred_t;

typedef struct {
    relais_broker_t *b;  /* the broker */
    void *router;        /* the agents' socket (CURVE server) */
    void *to_verify;     /* PUSH of jobs to the verifier pool */
    void *replies;       /* PULL of replies and notices from verifiers and writer */
    broker_out_t *out;   /* what is queued to each peer, in bytes */
    broker_flow_t *flow; /* the identities' shares of the verifiers */
    broker_feed_t *feed; /* the live feeds */
    broker_monitor_t *monitor; /* the connections' handshakes, or NULL */
    s_deferred_t *deferred;             /* replies waiting for room in their peer's pipe (S_DEFER_MAX) */
    size_t deferred_count;              /* how many */
    size_t deferred_bytes;              /* their total size */
} s_intake_t;

/* ---- Sending to agents ----------------------------------------------------------------- */

/* Sends one frame to a peer without waiting: 0 (the bytes are libzmq's now), or errno with the
 * bytes still the caller's (EAGAIN: no room yet; else the peer is gone). */
static int s_try_send(s_intake_t *in, const broker_env_t *peer, uint8_t *bytes, size_t len)
{
    return broker_out_send(in->out, peer->route, peer->route_len, bytes, len, len >= BROKER_OUT_BULK_MIN);
}

static void s_peer_gone(s_intake_t *in, const uint8_t *route, size_t route_len)
{
    if (in->feed)
        broker_feed_forget(in->feed, route, route_len);
    broker_out_forget(in->out, route, route_len);
}

/* Whether anything may still go to this peer. Once its identity is no longer trusted
 * (revoked, removed, or its name given another key) nothing does, but the refusal that
 * tells it so. */
static int s_may_deliver(s_intake_t *in, broker_env_t *peer)
{
    if (peer->status == RELAIS_E_UNKNOWN_SENDER)
        return 1;
    if (broker_peer_trusted(in->b, peer->user, peer->curve_key, &peer->registry_gen))
        return 1;
    broker_log("info", "reply-dropped", "why=not-trusted user=%s request=%llu", peer->user[0] ? peer->user : "-",
               (unsigned long long)peer->request_id);
    return 0;
}

/* Keeps a reply (taken, malloc'd) for a live peer that has no room for it yet, within fixed
 * bounds, for it and for all. */
static void s_defer(s_intake_t *in, const broker_env_t *peer, uint8_t *bytes, size_t len)
{
    size_t *held = in->deferred ? broker_out_deferred(in->out, peer->route, peer->route_len) : NULL;
    if (!held || in->deferred_count == S_DEFER_MAX || in->deferred_bytes + len > S_DEFER_BYTES ||
        (*held > 0 && *held + len > S_DEFER_PEER_BYTES)) {
        /* The peer reads nothing; it asks again for what it misses (submission is idempotent). */
        broker_log("warn", "reply-dropped", "why=peer-full user=%s bytes=%zu deferred=%zu", peer->user, len,
                   in->deferred_count);
        free(bytes);
        return;
    }
    s_deferred_t *d = &in->deferred[in->deferred_count++];
    d->peer = *peer;
    d->bytes = bytes;
    d->len = len;
    in->deferred_bytes += len;
    *held += len;
}

/* Sends one reply frame (taken, malloc'd) to a peer without waiting. */
static void s_send_owned(s_intake_t *in, const broker_env_t *env, uint8_t *bytes, size_t len)
{
    broker_env_t peer = *env;
    /* Every refusal goes out here, those of intake's own queues too (which the log counts by
     * identity and second rather than one by one). */
    if (peer.status != 0)
        broker_metrics_refused(in->b, peer.status, peer.role);
    if (!s_may_deliver(in, &peer)) {
        free(bytes);
        return;
    }
    int err = s_try_send(in, &peer, bytes, len);
    if (err == 0)
        return;
    if (err == EAGAIN || err == EINTR) {
        s_defer(in, &peer, bytes, len);
        return;
    }
    free(bytes);
    s_peer_gone(in, peer.route, peer.route_len);
    broker_log("info", "reply-dropped", "why=peer-gone bytes=%zu", len);
}

/* The same for bytes the caller keeps. */
static void s_send_to_peer(s_intake_t *in, const broker_env_t *env, const void *bytes, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) {
        broker_log("error", "reply-dropped", "why=out-of-memory bytes=%zu", len);
        return;
    }
    memcpy(copy, bytes, len);
    s_send_owned(in, env, copy, len);
}

/* Retries the deferred replies; returns 1 when some are still waiting. */
static int s_retry_deferred(s_intake_t *in)
{
    for (size_t i = 0; i < in->deferred_count;) {
        s_deferred_t *d = &in->deferred[i];
        int err = s_may_deliver(in, &d->peer) ? s_try_send(in, &d->peer, d->bytes, d->len) : ECANCELED;
        if (err == EAGAIN || err == EINTR) {
            i++;
            continue;
        }
        if (err != 0) {
            free(d->bytes);
            if (err != ECANCELED)
                s_peer_gone(in, d->peer.route, d->peer.route_len);
        }
        size_t *held = broker_out_deferred(in->out, d->peer.route, d->peer.route_len);
        if (held)
            *held -= *held < d->len ? *held : d->len;
        in->deferred_bytes -= d->len;
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
    broker_env_t peer = *env;
    peer.status = reply->kind == RELAIS_REPLY_ERROR ? reply->error.status : 0;
    s_send_owned(in, &peer, bytes, len);
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
    if (env->kind == BROKER_OUT_REPLY || env->kind == BROKER_OUT_SUB_READY)
        broker_flow_done(in->flow, env); /* the job's answer: its bytes are free again */
    switch (env->kind) {
    case BROKER_OUT_REPLY:
        s_send_to_peer(in, env, d1, env->len1);
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

/* Queues a job for the verifiers under its identity's share, or answers UNAVAILABLE (not
 * logged one by one: a flood would fill the log; flow.c logs them by identity and second). */
static int s_dispatch(s_intake_t *in, broker_env_t *env, broker_kind_t kind, const void *data, size_t len)
{
    env->kind = kind;
    relais_reply_t reply = {.request_id = env->request_id, .kind = RELAIS_REPLY_ERROR};
    reply.error.status = broker_flow_submit(in->flow, env, data, len, reply.error.message, sizeof reply.error.message);
    if (reply.error.status == 0)
        return 0;
    s_reply(in, env, &reply);
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
    env->flags |= BROKER_F_LOGGED_READ;
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
    if (broker_peer_authorise(in->b, env->user, env->curve_key, &peer, &env->registry_gen) != 0) {
        s_error(in, env, RELAIS_E_UNKNOWN_SENDER, "this identity or its key is no longer in the registry");
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
        /* Case and audit queries read the store: a verifier serves them. Those that read
         * content are logged, and take from the identity's read budget. */
        if (req.kind == RELAIS_REQ_CASE_LIST || req.kind == RELAIS_REQ_CASE_SHOW || req.kind == RELAIS_REQ_AUDIT_RECORDS ||
            req.kind == RELAIS_REQ_STATS || req.kind == RELAIS_REQ_MEETING_LIST || req.kind == RELAIS_REQ_MEETING_SHOW ||
            req.kind == RELAIS_REQ_RECEPTION_LIST || req.kind == RELAIS_REQ_RECEPTION_SHOW ||
            req.kind == RELAIS_REQ_RECEPTION_STATS)
            env->flags |= BROKER_F_LOGGED_READ;
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

/* The request id of a frame refused before it decodes (too large, not a Request, or a
 * submission from an identity that may not submit now), so that the agent can still match
 * the refusal: serializers write field 1 (tag 0x08, a varint) first. 0 when absent. *next is
 * where the next field starts (0 when the id is absent or cut). */
static uint64_t s_peek_request_id(const uint8_t *frame, size_t len, size_t *next)
{
    uint64_t id = 0;
    *next = 0;
    if (len < 2 || frame[0] != 0x08)
        return 0;
    for (size_t i = 1; i < len && i <= 10; i++) {
        id |= (uint64_t)(frame[i] & 0x7f) << (7 * (i - 1));
        if (!(frame[i] & 0x80)) {
            *next = i + 1;
            return id;
        }
    }
    return 0;
}

/* A submission from an identity that is braked or has too much waiting is refused without
 * being decoded: canonical Requests put `submit` (field 2, tag 0x12) right after the id. */
static int s_refused_early(s_intake_t *in, broker_env_t *env, const uint8_t *frame, size_t len)
{
    size_t next = 0;
    uint64_t id = s_peek_request_id(frame, len, &next);
    if (next == 0 || next >= len || frame[next] != 0x12)
        return 0;
    relais_reply_t reply = {.request_id = id, .kind = RELAIS_REPLY_ERROR};
    reply.error.status = broker_flow_admit_submit(in->flow, env->user, len, env->received_ms, reply.error.message,
                                                  sizeof reply.error.message);
    if (reply.error.status == 0)
        return 0;
    env->request_id = id;
    s_reply(in, env, &reply);
    return 1;
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
    const char *key = zmq_msg_gets(&body, BROKER_ZAP_KEY_PROPERTY);
    if (user && key && strlen(key) == RELAIS_CURVE_Z85_LEN && zmq_z85_decode(env.curve_key, key))
        snprintf(env.user, sizeof env.user, "%s", user);
    const uint8_t *frame = zmq_msg_data(&body);
    size_t len = zmq_msg_size(&body);
    /* Every refusal of a frame that does not decode echoes the id it starts with, if any. */
    size_t next;
    env.request_id = s_peek_request_id(frame, len, &next);
    if (zmq_msg_more(&body) && s_drain_more(in->router) > 0) {
        s_error(in, &env, RELAIS_E_MALFORMED, "a request is exactly one frame");
    } else if (!env.user[0]) {
        s_error(in, &env, RELAIS_E_UNKNOWN_SENDER, "the connection has no identity");
    } else if (len > in->b->opts.max_message) {
        s_error(in, &env, RELAIS_E_TOO_LARGE, "the request is %zu bytes; the limit is %zu", len,
                in->b->opts.max_message);
    } else if (!s_refused_early(in, &env, frame, len)) {
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
        s_set_int(in->router, ZMQ_ROUTER_MANDATORY, 1) != 0 || s_set_int(in->router, ZMQ_SNDHWM, S_ROUTER_SNDHWM) != 0 ||
        s_set_int(in->router, ZMQ_RCVHWM, S_ROUTER_RCVHWM) != 0 ||
        s_set_int(in->router, ZMQ_HEARTBEAT_IVL, BROKER_HEARTBEAT_IVL_MS) != 0 ||
        s_set_int(in->router, ZMQ_HEARTBEAT_TIMEOUT, BROKER_HEARTBEAT_TIMEOUT_MS) != 0 ||
        s_set_int(in->router, ZMQ_HEARTBEAT_TTL, BROKER_HEARTBEAT_TIMEOUT_MS) != 0 ||
        s_set_int(in->router, ZMQ_LINGER, S_ROUTER_LINGER) != 0 ||
        s_set_int(in->router, ZMQ_HANDSHAKE_IVL, b->opts.handshake_timeout_ms) != 0 ||
        s_set_int(in->router, ZMQ_BACKLOG, S_ROUTER_BACKLOG) != 0 ||
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
    in->monitor = broker_monitor_new(b, in->router);
    if (!in->monitor)
        broker_log("warn", "config", "what=\"no socket monitor: pending handshakes are not counted\"");
    in->out = broker_out_new(in->router);
    in->flow = broker_flow_new(b, in->to_verify);
    in->feed = in->out ? broker_feed_new(b, in->router, in->out) : NULL;
    in->deferred = calloc(S_DEFER_MAX, sizeof *in->deferred);
    return in->out && in->flow && in->feed && in->deferred ? 0 : relais_status_set(RELAIS_E_NOMEM, "out of memory");
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
 * subscribed), then the identities' jobs to the verifiers, in turn. The poll waits for any of
 * the three (a verifier that has room again writes to the wake pipe); it only times out
 * early to retry a peer whose pipe was full, and not at all when a feed stopped on its budget
 * with more to send. */
static int s_feed_serve_timed(s_intake_t *in)
{
    int64_t t0 = broker_clock_ns();
    int busy = broker_feed_serve(in->feed);
    broker_stage_add(in->b, BROKER_STAGE_FEED, broker_clock_ns() - t0);
    return busy;
}

static void s_serve(s_intake_t *in)
{
    relais_broker_t *b = in->b;
    int feed = 0, deferred = 0;
    int64_t swept_ms = broker_now_ms();
    while (!atomic_load(&b->stop_requested)) {
        if (broker_now_ms() - swept_ms > S_SWEEP_EVERY_MS) {
            broker_out_sweep(in->out, S_SWEEP_EVERY_MS);
            swept_ms = broker_now_ms();
        }
        zmq_pollitem_t items[] = {
            {in->router, 0, ZMQ_POLLIN, 0},
            {in->replies, 0, ZMQ_POLLIN, 0},
            {NULL, b->wake_pipe[0], ZMQ_POLLIN, 0},
            {in->monitor ? broker_monitor_socket(in->monitor) : NULL, 0, ZMQ_POLLIN, 0},
        };
        long timeout = (feed & BROKER_FEED_MORE) ? 0 : ((feed & BROKER_FEED_BLOCKED) || deferred) ? S_RETRY_MS : 500;
        if (zmq_poll(items, in->monitor ? 4 : 3, timeout) < 0 && errno == ETERM)
            break;
        if (items[2].revents & ZMQ_POLLIN)
            s_read_wake_pipe(b);
        if (in->monitor) {
            if (items[3].revents & ZMQ_POLLIN)
                broker_monitor_read(in->monitor);
            broker_monitor_tick(in->monitor);
        }
        int replies = s_pump_replies(in);
        if (replies > 0 || feed != 0)
            feed = s_feed_serve_timed(in);
        int requests = 0;
        int64_t t0 = broker_clock_ns();
        while (requests < S_RECV_BURST && s_recv_one(in) == 0)
            requests++;
        broker_stage_add(b, BROKER_STAGE_RECEIVE, requests ? broker_clock_ns() - t0 : 0);
        if (requests > 0)
            feed = s_feed_serve_timed(in);
        broker_flow_dispatch(in->flow);
        deferred = s_retry_deferred(in);
    }
}

/* Hands the verifiers what identities still have queued, so that a clean stop answers every
 * request it read; bounded, the stop must come. */
static void s_flush_flow(s_intake_t *in)
{
    for (int waited = 0; in->flow && broker_flow_dispatch(in->flow) && waited < 10000; waited += 20) {
        zmq_pollitem_t item = {in->replies, 0, ZMQ_POLLIN, 0};
        zmq_poll(&item, 1, 20);
        s_pump_replies(in);
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
    if (in->replies)
        s_flush_flow(in);
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
    broker_flow_destroy(&in->flow);
    broker_monitor_destroy(&in->monitor, in->router);
    if (in->router)
        zmq_close(in->router);
    broker_out_destroy(&in->out); /* counters of messages libzmq still holds live on until it lets go */
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
