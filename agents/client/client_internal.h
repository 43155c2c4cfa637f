/* client_internal.h -- what librelais's own files share: the client's layout and its socket plumbing.
 *
 * Not installed, not for partners: relais_client.h is the public face.
 */
#ifndef RELAIS_CLIENT_INTERNAL_H
#define RELAIS_CLIENT_INTERNAL_H

#include <stdint.h>

#include "relais_certs.h"
#include "relais_client.h"
#include "relais_endpoint.h"
#include "spool_internal.h"

/* Waits are cut into slices this long at most, so that a resend or a top-up is never late. */
#define RELAIS_CLIENT_SEND_RETRY_MS 50
/* Spooled messages whose lost connections the client remembers across flushes. */
#define RELAIS_CLIENT_SUSPECTS 32

struct relais_client {
    void *ctx;                   /* ZeroMQ context, owned (one per client: no global state) */
    void *sock;                  /* DEALER to the broker, CURVE client, owned */
    void *mon;                   /* PAIR receiving the DEALER's monitor events, owned */
    char *endpoint;              /* broker endpoint as zmq_connect takes it, owned */
    relais_endpoint_t where;     /* its host and port, for the sentences */
    char resolve_error[256];     /* a name lookup that failed in a way that may pass; "" */
    relais_identity_t *identity; /* own CURVE and Ed25519 keys, owned */
    relais_peer_t server;        /* the broker's certificate */
    relais_spool_t *spool;       /* durable outbox; NULL without a spool folder */
    int timeout_ms;              /* default wait for a reply */
    int retry_ms;                /* resend an unanswered request after this */
    uint64_t next_request_id;    /* last request id used */
    size_t max_message;          /* largest Request frame the hub takes */
    struct {
        uint64_t key;            /* spool key, 0 for a free slot */
        int losses;              /* connections lost while it was on the wire */
    } suspects[RELAIS_CLIENT_SUSPECTS]; /* so that a flush started anew knows them */
    unsigned generation;         /* bumped at each lost connection: resend what went out before */
    int connected;               /* a handshake completed and no disconnect since */
    int auth_refused;            /* the broker's last handshake refused our key */
    /* What the socket monitor saw, so that a request without an answer can say why: nothing
     * listening, something that is not a hub, the wrong hub, or a hub that does not answer. */
    unsigned tcp_connects;       /* TCP connections made */
    unsigned tcp_drops;          /* of those, closed by the peer before any handshake outcome */
    int tcp_pending;             /* a TCP connection is up, its handshake not yet decided */
    unsigned tcp_failures;       /* attempts that made none (refused, unreachable) */
    unsigned handshakes;         /* CURVE handshakes completed */
    int handshake_failure;       /* the last failed handshake's event (NO_DETAIL, PROTOCOL), or 0 */
    uint32_t handshake_value;    /* its value: an errno, or a ZMQ_PROTOCOL_ERROR_* code */

    /* The feed (one per connection). Deliveries that arrive while another call waits are
     * queued in `ring`, whose size is the credit batch (the window): the broker never holds
     * more credit than that, so the ring overflows only when deliveries from before a
     * re-grant were still in flight; they are then dropped and the feed subscribes again.
     * Credit is counted per subscription: every (re)subscribe starts the count afresh, and
     * no Credit goes out on a connection the current Subscribe was not sent on. */
    int subscribed;              /* relais_feed_subscribe was called */
    int feed_need_send;          /* the Subscribe must be (re)sent */
    uint64_t feed_request_id;    /* request id of the current Subscribe (Credits carry it too) */
    unsigned feed_generation;    /* connection the current Subscribe went out on */
    uint64_t feed_received_seq;  /* highest sequence number received (queued or handed out) */
    uint64_t feed_last_seq;      /* highest sequence number handed to the caller */
    uint32_t feed_batch;         /* the window: credit asked for at each (re)subscription */
    uint32_t feed_unused;        /* credit we believe the broker still holds for us */
    int64_t feed_quiet_since_ms; /* last delivery, (re)subscribe or grant: for the keepalive re-grant */
    int64_t feed_retry_at_ms;    /* a refused Subscribe is sent again no earlier than this */
    int feed_backoff_ms;         /* the wait before the next retry after a refusal (doubles) */
    int feed_waiting;            /* relais_feed_next is waiting: wake it for any feed reply */
    int feed_progress;           /* a feed reply was routed since the last look */
    relais_reply_t *ring;        /* queued deliveries, owned */
    size_t ring_head;            /* index of the oldest queued delivery */
    size_t ring_count;           /* deliveries queued */
    relais_reply_t current;      /* the delivery handed out last (owns its record) */
    int feed_failed;             /* the broker refused the subscription for good */
    relais_error_t feed_error;   /* its answer */
};

/* Milliseconds of a monotonic clock, for deadlines. */
int64_t relais_client_now_ms(void);

/* Reads every pending monitor event (connection generation, refused handshakes). */
void relais_client_drain_events(relais_client_t *self);

/* Sends one encoded Request without blocking, on a connection whose handshake completed.
 * Errors: RELAIS_E_UNAVAILABLE (not connected yet, or the queue toward the broker is full:
 * try again later). */
int relais_client_send_raw(relais_client_t *self, const uint8_t *buf, size_t len);

/* Waits up to wait_ms for one reply. Feed deliveries and errors are routed to the feed and
 * not returned. Returns 0 with *out filled (caller clears), or RELAIS_E_TIMEOUT (also as soon
 * as the feed got something while feed_waiting is set, and as soon as a connection comes up,
 * so that what the last one lost is sent again without waiting for retry_ms). */
int relais_client_recv(relais_client_t *self, int wait_ms, relais_reply_t *out);

/* Sends `req` (with a fresh request id) and waits up to the client's timeout for its reply,
 * resending it after a lost connection or every retry_ms. On success *out is a reply of
 * `kind` (caller clears); a refusal returns the broker's code with *err filled (may be NULL).
 * Errors also: RELAIS_E_TIMEOUT, RELAIS_E_MALFORMED (a reply of another kind). */
int relais_client_call(relais_client_t *self, relais_request_t *req, relais_reply_kind_t kind, relais_reply_t *out,
                       relais_error_t *err);

/* Copies a broker refusal into *err (may be NULL) and returns its status code. */
int relais_client_refusal(const relais_reply_t *reply, relais_error_t *err);

/* Fills *err (may be NULL) with a local code and sentence (no answer, handshake refused). */
void relais_client_local_error(const relais_client_t *self, int status, relais_error_t *err);

#endif
