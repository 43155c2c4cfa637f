/* client.c -- librelais's connection: the CURVE DEALER, its monitor, request/reply calls, cases and audit. */
#include "client_internal.h"

#include <errno.h>
#include <netdb.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define S_DEFAULT_TIMEOUT_MS 10000
#define S_DEFAULT_RETRY_MS 10000
#define S_DEFAULT_MAX_MESSAGE 65536        /* relaisd's own default */
#define S_HWM 1000                         /* bounded queues both ways */
#define S_MAX_REPLY (64 * 1024 * 1024)     /* a reply bigger than this is not from our broker */
#define S_MONITOR_ENDPOINT "inproc://relais-client-monitor"

int64_t relais_client_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- Connection ---------------------------------------------------------------------- */

static int s_setopt_int(void *sock, int opt, int value)
{
    return zmq_setsockopt(sock, opt, &value, sizeof value);
}

/* CURVE client keys and the bounds every socket of relais keeps (docs/protocol.md, "Transport"). */
static int s_configure(relais_client_t *self)
{
    const char *pub = relais_identity_curve_public_z85(self->identity);
    const char *sec = relais_identity_curve_secret_z85(self->identity);
    int rc = 0;
    rc |= zmq_setsockopt(self->sock, ZMQ_CURVE_SERVERKEY, self->server.curve_public_z85, RELAIS_CURVE_Z85_LEN);
    rc |= zmq_setsockopt(self->sock, ZMQ_CURVE_PUBLICKEY, pub, strlen(pub));
    rc |= zmq_setsockopt(self->sock, ZMQ_CURVE_SECRETKEY, sec, strlen(sec));
    rc |= s_setopt_int(self->sock, ZMQ_LINGER, 200);
    rc |= s_setopt_int(self->sock, ZMQ_SNDHWM, S_HWM);
    rc |= s_setopt_int(self->sock, ZMQ_RCVHWM, S_HWM);
    rc |= s_setopt_int(self->sock, ZMQ_HEARTBEAT_IVL, 5000);
    rc |= s_setopt_int(self->sock, ZMQ_HEARTBEAT_TIMEOUT, 15000);
    rc |= s_setopt_int(self->sock, ZMQ_HEARTBEAT_TTL, 15000);
    rc |= s_setopt_int(self->sock, ZMQ_RECONNECT_IVL, 100);
    rc |= s_setopt_int(self->sock, ZMQ_RECONNECT_IVL_MAX, 1000);
    /* Queue nothing for a broker we are not connected to: requests are resent by us, on the
     * next connection, rather than flushed blindly from a stale pipe. */
    rc |= s_setopt_int(self->sock, ZMQ_IMMEDIATE, 1);
    int64_t maxmsg = S_MAX_REPLY;
    rc |= zmq_setsockopt(self->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    if (rc)
        return relais_status_set(RELAIS_E_UNAVAILABLE, "socket options: %s", zmq_strerror(zmq_errno()));
    return RELAIS_OK;
}

static int s_open_socket(relais_client_t *self)
{
    self->ctx = zmq_ctx_new();
    if (!self->ctx)
        return relais_status_set(RELAIS_E_UNAVAILABLE, "zmq context: %s", zmq_strerror(zmq_errno()));
    self->sock = zmq_socket(self->ctx, ZMQ_DEALER);
    if (!self->sock)
        return relais_status_set(RELAIS_E_UNAVAILABLE, "zmq socket: %s", zmq_strerror(zmq_errno()));
    int rc = s_configure(self);
    if (rc)
        return rc;
    int events = ZMQ_EVENT_CONNECTED | ZMQ_EVENT_CONNECT_RETRIED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
                 ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                 ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_DISCONNECTED;
    if (zmq_socket_monitor(self->sock, S_MONITOR_ENDPOINT, events) != 0)
        return relais_status_set(RELAIS_E_UNAVAILABLE, "zmq monitor: %s", zmq_strerror(zmq_errno()));
    self->mon = zmq_socket(self->ctx, ZMQ_PAIR);
    if (!self->mon || s_setopt_int(self->mon, ZMQ_LINGER, 0) || zmq_connect(self->mon, S_MONITOR_ENDPOINT))
        return relais_status_set(RELAIS_E_UNAVAILABLE, "zmq monitor: %s", zmq_strerror(zmq_errno()));
    if (zmq_connect(self->sock, self->endpoint) != 0)
        return relais_status_set(RELAIS_E_UNAVAILABLE, "endpoint %s: %s", self->endpoint, zmq_strerror(zmq_errno()));
    return RELAIS_OK;
}

/* The host's name is looked up now, so that a typo in it is said at once and plainly (libzmq
 * would only retry, silently). A name the resolver does not know fails the client; a lookup
 * that may work later (no network yet, a DNS server away) is only remembered, for the
 * sentence of a request that gets no answer: a spool must not stop on it. */
static int s_resolve(relais_client_t *self)
{
    if (!self->where.host[0])
        return RELAIS_OK;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int rc = getaddrinfo(self->where.host, self->where.port, &hints, &res);
    if (res)
        freeaddrinfo(res);
    if (rc == 0)
        return RELAIS_OK;
    if (rc == EAI_NONAME
#ifdef EAI_NODATA
        || rc == EAI_NODATA
#endif
    )
        return relais_status_set(RELAIS_E_INVALID, "the host name '%s' does not resolve (%s): check the host in the "
                                 "endpoint %s", self->where.host, gai_strerror(rc), self->endpoint);
    snprintf(self->resolve_error, sizeof self->resolve_error, "the host name '%.120s' could not be looked up (%.80s)",
             self->where.host, gai_strerror(rc));
    return RELAIS_OK;
}

static int s_check_options(const relais_client_options_t *opts)
{
    if (!opts)
        return relais_status_set(RELAIS_E_INVALID, "no client options");
    if (!opts->endpoint || !*opts->endpoint)
        return relais_status_set(RELAIS_E_INVALID, "no broker endpoint (--endpoint or RELAIS_ENDPOINT)");
    if (!opts->key_path || !*opts->key_path)
        return relais_status_set(RELAIS_E_INVALID, "no key file (--key or RELAIS_KEY)");
    if (!opts->server_cert_path || !*opts->server_cert_path)
        return relais_status_set(RELAIS_E_INVALID, "no broker certificate (--server-cert or RELAIS_SERVER_CERT)");
    return RELAIS_OK;
}

int relais_client_new(const relais_client_options_t *opts, relais_client_t **out)
{
    if (!out)
        return RELAIS_E_INVALID;
    *out = NULL;
    int rc = s_check_options(opts);
    if (rc)
        return rc;
    relais_client_t *self = calloc(1, sizeof *self);
    if (!self)
        return RELAIS_E_NOMEM;
    self->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : S_DEFAULT_TIMEOUT_MS;
    self->retry_ms = opts->retry_ms > 0 ? opts->retry_ms : S_DEFAULT_RETRY_MS;
    self->max_message = opts->max_message > 0 ? opts->max_message : S_DEFAULT_MAX_MESSAGE;
    rc = relais_endpoint_parse(opts->endpoint, &self->where);
    if (rc)
        goto out_destroy;
    self->endpoint = strdup(self->where.zmq);
    if (!self->endpoint) {
        rc = RELAIS_E_NOMEM;
        goto out_destroy;
    }
    rc = relais_identity_load(opts->key_path, &self->identity);
    if (!rc)
        rc = relais_peer_load(opts->server_cert_path, &self->server);
    if (!rc && opts->spool_dir)
        rc = relais_spool_open(opts->spool_dir, 0, &self->spool);
    if (!rc)
        rc = s_resolve(self);
    if (!rc)
        rc = s_open_socket(self);
    if (rc)
        goto out_destroy;
    *out = self;
    return RELAIS_OK;
out_destroy:
    relais_client_destroy(&self);
    return rc;
}

static void s_feed_free(relais_client_t *self)
{
    for (size_t i = 0; i < self->ring_count; i++)
        relais_reply_clear(&self->ring[(self->ring_head + i) % self->feed_batch]);
    free(self->ring);
    self->ring = NULL;
    self->ring_count = 0;
    relais_reply_clear(&self->current);
}

void relais_client_destroy(relais_client_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    relais_client_t *self = *self_p;
    s_feed_free(self);
    if (self->sock) {
        zmq_socket_monitor(self->sock, NULL, 0);
        zmq_close(self->sock);
    }
    if (self->mon)
        zmq_close(self->mon);
    if (self->ctx)
        zmq_ctx_term(self->ctx);
    relais_spool_close(&self->spool);
    relais_identity_destroy(&self->identity);
    free(self->endpoint);
    free(self);
    *self_p = NULL;
}

const char *relais_client_name(const relais_client_t *self)
{
    return self ? relais_identity_peer(self->identity)->name : "";
}

const char *relais_client_role(const relais_client_t *self)
{
    const char *role = self ? relais_role_name(relais_identity_peer(self->identity)->role) : NULL;
    return role ? role : "";
}

int relais_client_auth_refused(const relais_client_t *self)
{
    return self ? self->auth_refused : 0;
}

int relais_client_is_connected(relais_client_t *self)
{
    if (!self)
        return 0;
    relais_client_drain_events(self);
    return self->connected;
}

/* ---- Events, sending, receiving -------------------------------------------------------- */

static void s_on_event(relais_client_t *self, uint16_t event, uint32_t value)
{
    switch (event) {
    case ZMQ_EVENT_CONNECTED:
        self->tcp_connects++;
        self->tcp_pending = 1;
        break;
    case ZMQ_EVENT_CONNECT_RETRIED:
        /* also after a lost connection: only a retry with no connection ever made means that
         * nothing takes them (s_diagnose) */
        self->tcp_failures++;
        break;
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
        self->connected = 1;
        self->auth_refused = 0;
        self->handshakes++;
        self->handshake_failure = 0;
        self->tcp_pending = 0;
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        self->auth_refused = 1;
        self->tcp_pending = 0;
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        self->handshake_failure = event;
        self->handshake_value = value;
        self->tcp_pending = 0;
        break;
    case ZMQ_EVENT_DISCONNECTED:
        /* What was sent on the lost connection may never have reached the broker. */
        self->connected = 0;
        self->generation++;
        if (self->tcp_pending)
            self->tcp_drops++; /* closed before a word of ZMTP: what listens there is no hub */
        self->tcp_pending = 0;
        break;
    default:
        break;
    }
}

void relais_client_drain_events(relais_client_t *self)
{
    for (;;) {
        zmq_msg_t frame;
        zmq_msg_init(&frame);
        if (zmq_msg_recv(&frame, self->mon, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&frame);
            return;
        }
        uint16_t event = 0;
        uint32_t value = 0;
        if (zmq_msg_size(&frame) >= 6) {
            memcpy(&event, zmq_msg_data(&frame), sizeof event);
            memcpy(&value, (const uint8_t *)zmq_msg_data(&frame) + sizeof event, sizeof value);
        }
        int more = zmq_msg_more(&frame);
        zmq_msg_close(&frame);
        /* The second frame is the endpoint text; read it so the next event starts clean. */
        while (more) {
            zmq_msg_init(&frame);
            if (zmq_msg_recv(&frame, self->mon, 0) < 0) {
                zmq_msg_close(&frame);
                break;
            }
            more = zmq_msg_more(&frame);
            zmq_msg_close(&frame);
        }
        s_on_event(self, event, value);
    }
}

int relais_client_send_raw(relais_client_t *self, const uint8_t *buf, size_t len)
{
    relais_client_drain_events(self);
    /* Only on a connection whose handshake we saw: a frame libzmq takes in the moment after a
     * disconnection goes down with that pipe, and no event would say it was lost. */
    if (!self->connected)
        return relais_status_set(RELAIS_E_UNAVAILABLE, "not connected to %s yet", self->endpoint);
    if (zmq_send(self->sock, buf, len, ZMQ_DONTWAIT) == (int)len)
        return RELAIS_OK;
    return relais_status_set(RELAIS_E_UNAVAILABLE, "cannot send to %s now: %s", self->endpoint,
                             zmq_strerror(zmq_errno()));
}

/* Puts a delivery for the current feed in the ring (taking it), or drops a stale one. */
static void s_feed_take(relais_client_t *self, relais_reply_t *reply)
{
    uint64_t seq = reply->delivery.seq;
    if (self->feed_unused > 0)
        self->feed_unused--;
    self->feed_quiet_since_ms = relais_client_now_ms();
    self->feed_backoff_ms = 0; /* the feed runs: a later refusal is retried at once again */
    if (seq <= self->feed_received_seq || !self->ring) {
        relais_reply_clear(reply);
        return;
    }
    if (self->ring_count == self->feed_batch) {
        /* More than the window (deliveries from before a re-grant were in flight): drop it
         * and subscribe again from what we hold, so no gap. */
        relais_reply_clear(reply);
        self->feed_need_send = 1;
        return;
    }
    self->ring[(self->ring_head + self->ring_count) % self->feed_batch] = *reply;
    self->ring_count++;
    self->feed_received_seq = seq;
    memset(reply, 0, sizeof *reply);
}

/* The broker refused the Subscribe or a Credit (replies carry the Subscribe's request id).
 * MALFORMED answers only a Credit on a connection without this feed (the broker restarted,
 * or dropped an idle feed): subscribe again. UNAVAILABLE, STORE_FULL and RATE_LIMITED are
 * retried after a backoff. Anything else (FORBIDDEN, UNKNOWN_SENDER...) ends the feed. */
static void s_feed_refused(relais_client_t *self, const relais_reply_t *reply)
{
    relais_error_t err;
    int status = relais_client_refusal(reply, &err);
    if (status != RELAIS_E_MALFORMED && status != RELAIS_E_UNAVAILABLE && status != RELAIS_E_STORE_FULL &&
        status != RELAIS_E_RATE_LIMITED) {
        self->feed_failed = 1;
        self->feed_error = err;
        return;
    }
    self->feed_need_send = 1;
    int64_t now = relais_client_now_ms();
    if (self->feed_retry_at_ms < now + self->feed_backoff_ms)
        self->feed_retry_at_ms = now + self->feed_backoff_ms;
    self->feed_backoff_ms = self->feed_backoff_ms == 0 ? 200 : self->feed_backoff_ms * 2;
    if (self->feed_backoff_ms > 5000)
        self->feed_backoff_ms = 5000;
}

/* True when the reply belonged to the feed (and was taken or dropped). */
static int s_route_feed(relais_client_t *self, relais_reply_t *reply)
{
    if (!self->subscribed || reply->request_id != self->feed_request_id)
        return 0;
    self->feed_progress = 1;
    if (reply->kind == RELAIS_REPLY_DELIVERY) {
        s_feed_take(self, reply);
        return 1;
    }
    if (reply->kind == RELAIS_REPLY_ERROR)
        s_feed_refused(self, reply);
    relais_reply_clear(reply);
    return 1;
}

/* Reads one frame if one is there. 1: *out filled; 0: nothing (or undecodable, dropped). */
static int s_read_one(relais_client_t *self, relais_reply_t *out)
{
    zmq_msg_t frame;
    zmq_msg_init(&frame);
    if (zmq_msg_recv(&frame, self->sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&frame);
        return 0;
    }
    int rc = relais_reply_decode(zmq_msg_data(&frame), zmq_msg_size(&frame), out);
    zmq_msg_close(&frame);
    /* A frame that does not decode is not worth failing the caller's request for: the
     * request's own timeout still bounds the wait. */
    return rc == RELAIS_OK;
}

int relais_client_recv(relais_client_t *self, int wait_ms, relais_reply_t *out)
{
    memset(out, 0, sizeof *out);
    int64_t deadline = relais_client_now_ms() + (wait_ms > 0 ? wait_ms : 0);
    int was_connected = self->connected;
    for (;;) {
        relais_client_drain_events(self);
        if (!was_connected && self->connected)
            return RELAIS_E_TIMEOUT; /* a handshake just completed: what was lost can go again now */
        was_connected = self->connected;
        while (s_read_one(self, out)) {
            if (!s_route_feed(self, out))
                return RELAIS_OK;
        }
        if (self->feed_waiting && self->feed_progress) {
            self->feed_progress = 0; /* the feed has something: let relais_feed_next hand it out */
            return RELAIS_E_TIMEOUT;
        }
        int64_t left = deadline - relais_client_now_ms();
        if (left <= 0)
            return RELAIS_E_TIMEOUT;
        zmq_pollitem_t items[2] = {{self->sock, 0, ZMQ_POLLIN, 0}, {self->mon, 0, ZMQ_POLLIN, 0}};
        if (zmq_poll(items, 2, (long)left) < 0) {
            if (zmq_errno() == EINTR)
                return RELAIS_E_TIMEOUT; /* a signal: let the caller look at its flags */
            return relais_status_set(RELAIS_E_UNAVAILABLE, "poll: %s", zmq_strerror(zmq_errno()));
        }
    }
}

int relais_client_refusal(const relais_reply_t *reply, relais_error_t *err)
{
    int status = reply->error.status;
    if (relais_status_to_wire(status) == 0)
        status = RELAIS_E_MALFORMED; /* an error without a code we know is still a refusal */
    if (err) {
        *err = reply->error;
        err->status = status;
    }
    relais_status_set(status, "%s", reply->error.message);
    return status;
}

/* Why a request got no answer, from what the monitor saw, most telling first; each sentence
 * says what to check. */
static void s_diagnose(const relais_client_t *self, char *out, size_t cap)
{
    const char *at = self->endpoint;
    if (self->auth_refused)
        snprintf(out, cap, "the broker at %s refused our key at the handshake (is %s in its registry?)", at,
                 relais_client_name(self));
    else if (self->handshakes)
        snprintf(out, cap,
                 "no answer from the hub at %s in time: it takes our connections but did not answer (overloaded, "
                 "stopped, or it cut the connection over this request: its log says which)",
                 at);
    else if (self->handshake_failure == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
        snprintf(out, cap,
                 "what answers at %s is not a relais hub, or not the one --server-cert names: the CURVE handshake "
                 "failed (ZMTP error 0x%08x); check the port and the hub's certificate",
                 at, (unsigned)self->handshake_value);
    else if (self->handshake_failure == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
        snprintf(out, cap,
                 "%s closed the connection during the CURVE handshake: most likely --server-cert is not this hub's "
                 "certificate, or the port is not a relais hub's",
                 at);
    else if (self->tcp_drops)
        snprintf(out, cap,
                 "what listens at %s is not a relais hub: it closed the connection without a ZMTP handshake; check "
                 "the port",
                 at);
    else if (self->tcp_connects)
        snprintf(out, cap,
                 "%s accepted the connection but no CURVE handshake completed in time: is it a relais hub, and is it "
                 "running (not stopped, not overloaded)?",
                 at);
    else if (self->resolve_error[0])
        snprintf(out, cap, "%s, so %s could not be reached: check the network and the DNS", self->resolve_error, at);
    else if (self->tcp_failures)
        snprintf(out, cap,
                 "nothing accepts connections at %s (refused or unreachable): is relaisd running on that host and "
                 "port, and does no firewall stand between?",
                 at);
    else
        snprintf(out, cap, "no connection to %s in time: is the host up, and does no firewall drop the port?", at);
}

void relais_client_diagnose(relais_client_t *self, char *out, size_t cap)
{
    if (!out || cap == 0)
        return;
    if (!self) {
        snprintf(out, cap, "no client");
        return;
    }
    relais_client_drain_events(self);
    s_diagnose(self, out, cap);
}

void relais_client_local_error(const relais_client_t *self, int status, relais_error_t *err)
{
    relais_error_t local;
    if (!err)
        err = &local;
    memset(err, 0, sizeof *err);
    err->status = status;
    if (status == RELAIS_E_TIMEOUT)
        s_diagnose(self, err->message, sizeof err->message);
    else
        snprintf(err->message, sizeof err->message, "%s", *relais_status_detail() ? relais_status_detail()
                                                                                    : relais_strerror(status));
    /* the detail too, for callers that pass no relais_error_t (relais_client_ping) */
    relais_status_set(status, "%s", err->message);
}

/* ---- One request, one reply -------------------------------------------------------------- */

/* Sends `req` (giving it a fresh request id) and waits for its reply, resending it after a
 * reconnection or every retry_ms; queries are harmless to repeat, submissions idempotent. */
static int s_call(relais_client_t *self, relais_request_t *req, int timeout_ms, relais_reply_t *out,
                  relais_error_t *err)
{
    req->request_id = ++self->next_request_id;
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = relais_request_encode(req, &buf, &len);
    if (rc)
        return rc;
    int64_t deadline = relais_client_now_ms() + (timeout_ms > 0 ? timeout_ms : self->timeout_ms);
    int64_t next_send = 0;
    unsigned sent_gen = 0;
    int sent = 0;
    rc = RELAIS_E_TIMEOUT;
    for (;;) {
        int64_t now = relais_client_now_ms();
        if (now >= deadline)
            break;
        relais_client_drain_events(self);
        if (now >= next_send || (sent && sent_gen != self->generation)) {
            int src = relais_client_send_raw(self, buf, len);
            sent = src == RELAIS_OK;
            sent_gen = self->generation;
            next_send = now + (sent ? self->retry_ms : RELAIS_CLIENT_SEND_RETRY_MS);
        }
        int64_t until = next_send < deadline ? next_send : deadline;
        relais_reply_t reply;
        int rrc = relais_client_recv(self, (int)(until - now), &reply);
        if (rrc == RELAIS_E_TIMEOUT)
            continue;
        if (rrc) {
            rc = rrc;
            break;
        }
        if (reply.request_id != req->request_id) {
            relais_reply_clear(&reply); /* the late answer to an earlier call */
            continue;
        }
        if (reply.kind == RELAIS_REPLY_ERROR) {
            rc = relais_client_refusal(&reply, err);
            relais_reply_clear(&reply);
        } else {
            *out = reply;
            rc = RELAIS_OK;
        }
        break;
    }
    free(buf);
    if (rc == RELAIS_E_TIMEOUT)
        relais_client_local_error(self, rc, err);
    return rc;
}

int relais_client_call(relais_client_t *self, relais_request_t *req, relais_reply_kind_t kind, relais_reply_t *out,
                       relais_error_t *err)
{
    if (!self || !out)
        return RELAIS_E_INVALID;
    memset(out, 0, sizeof *out);
    int rc = s_call(self, req, 0, out, err);
    if (rc)
        return rc;
    if (out->kind != kind) {
        int got = (int)out->kind;
        relais_reply_clear(out);
        rc = relais_status_set(RELAIS_E_MALFORMED, "the broker answered with reply kind %d, expected %d", got,
                               (int)kind);
        relais_client_local_error(self, rc, err);
    }
    return rc;
}

int relais_client_ping(relais_client_t *self, int timeout_ms)
{
    if (!self)
        return RELAIS_E_INVALID;
    relais_request_t req = {.kind = RELAIS_REQ_PING};
    relais_reply_t reply;
    int rc = s_call(self, &req, timeout_ms, &reply, NULL);
    if (rc == RELAIS_OK)
        relais_reply_clear(&reply);
    return rc;
}

/* ---- Helpers --------------------------------------------------------------------------- */

int relais_leaf_hash(const uint8_t *record, size_t len, uint8_t out[32])
{
    static const uint8_t prefix = 0x00;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int outlen = 0;
    int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) && EVP_DigestUpdate(md, &prefix, 1) &&
             EVP_DigestUpdate(md, record, len) && EVP_DigestFinal_ex(md, out, &outlen);
    EVP_MD_CTX_free(md);
    return ok && outlen == 32 ? RELAIS_OK : relais_status_set(RELAIS_E_CRYPTO, "SHA-256 failed");
}
