/* broker_internal.h -- what the broker's files share with each other (not installed).
 *
 * Threads and the queues between them (all inproc, all bounded by a high-water mark):
 *
 *   intake (ROUTER, feed) --PUSH verify--> verifiers (N) --PUSH write--> writer (1)
 *         ^                                     |                           |
 *         +------------- PULL reply ------------+---------------------------+
 *
 * Every item on a queue is one ZeroMQ frame: a broker_env_t followed by up to two byte
 * strings. Values, not pointers, travel: a frame dropped at shutdown leaks nothing.
 */
#ifndef RELAIS_BROKER_INTERNAL_H
#define RELAIS_BROKER_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <zmq.h>

#include "relais_broker.h"
#include "relais_cases.h"
#include "relais_certs.h"
#include "relais_proto.h"
#include "relais_store.h"

#define BROKER_EP_VERIFY "inproc://relais-verify"
#define BROKER_EP_WRITE "inproc://relais-write"
#define BROKER_EP_REPLY "inproc://relais-reply"
#define BROKER_EP_ZAP "inproc://zeromq.zap.01"
#define BROKER_ZAP_DOMAIN "relais"
#define BROKER_ROUTE_MAX 256 /* a ZeroMQ routing id is at most 255 bytes */
#define BROKER_HEARTBEAT_IVL_MS 5000
#define BROKER_HEARTBEAT_TIMEOUT_MS 15000

/* ---- The broker ---------------------------------------------------------------------- */

struct relais_broker {
    relais_broker_options_t opts;    /* copy of the options; strings below are owned */
    char *endpoint;                  /* opts.endpoint, owned */
    char *store_dir;                 /* opts.store_dir, owned */
    char *certs_dir;                 /* opts.certs_dir, owned */
    char *key_path;                  /* opts.key_path, owned */
    char origin[256];                /* checkpoint origin line */
    relais_identity_t *identity;     /* the broker's own keys */
    char name[RELAIS_IDENT_NAME_MAX]; /* the broker's certificate name (access record sender) */
    relais_registry_t *registry;     /* current trust registry; swapped on SIGHUP */
    pthread_rwlock_t registry_lock;  /* readers copy peers out; reload swaps under the write lock */
    pthread_mutex_t sign_lock;       /* serialises use of the broker's signing key */
    int store_lock;                  /* STORE_DIR/relaisd.lock, flock'ed for the process's life; -1 */
    relais_store_t *store;           /* the log */
    uint64_t store_reserve;          /* bytes of the map kept for access records and checkpoints */
    uint8_t hub_secret[32];          /* HMAC key of the child keys */
    relais_cases_policy_t policy;    /* deadlines: triage targets, working hours */
    void *ctx;                       /* the ZeroMQ context of every socket */
    int wake_pipe[2];                /* signal handlers write here to wake the intake poll */
    atomic_int stop_requested;       /* SIGTERM/SIGINT seen */
    atomic_int reload_requested;     /* SIGHUP seen */
    atomic_int zap_stop;             /* asks the ZAP thread to leave */
    atomic_int verifiers_drain;      /* no more jobs will come: verifiers empty their queue, leave */
    atomic_int verifiers_running;    /* verifier threads not yet finished */
    atomic_int writer_drain;         /* no more messages will come: writer commits the rest, leaves */
    atomic_int writer_running;       /* 1 while the writer thread runs */
    atomic_int running;              /* relais_broker_run has started */
    pthread_t zap_thread;            /* ZAP handler */
    int zap_started;                 /* the ZAP thread exists */
    void *zap_socket;                /* REP bound before the ROUTER, handed to the ZAP thread */
    pthread_t writer_thread;         /* the single writer */
    int writer_started;              /* the writer thread exists */
    pthread_t *verifier_threads;     /* the verifier pool */
    int verifier_count;              /* threads started */
};

/* ---- Envelopes on the internal queues -------------------------------------------------- */

typedef enum {
    BROKER_JOB_SUBMIT = 1,  /* intake -> verifier: d1 = SignedMessage bytes */
    BROKER_JOB_QUERY,       /* intake -> verifier: d1 = the Request bytes (case or audit query) */
    BROKER_JOB_SUBSCRIBE,   /* intake -> verifier: log a feed's access record (seq = from, credit) */
    BROKER_WRITE_MESSAGE,   /* verifier -> writer: d1 = a verified SignedMessage */
    BROKER_WRITE_ACCESS,    /* verifier -> writer: d1 = signed AccessRecord, d2 = reply sent once stored */
    BROKER_OUT_REPLY,       /* -> intake: d1 = a Reply to send to `route` */
    BROKER_OUT_HEAD,        /* writer -> intake: the log grew to `seq` */
    BROKER_OUT_SUB_READY,   /* writer -> intake: a feed's access record is stored (or `status`) */
} broker_kind_t;

#define BROKER_F_SUBSCRIBE 1u /* WRITE_ACCESS: on commit, start the feed instead of replying */

typedef struct {
    broker_kind_t kind;                  /* what this item is */
    unsigned flags;                      /* BROKER_F_* */
    int status;                          /* OUT_SUB_READY: 0 or why the feed cannot start */
    uint64_t request_id;                 /* the agent's request id, echoed */
    int64_t received_ms;                 /* when intake received the frame */
    uint8_t route[BROKER_ROUTE_MAX];     /* the peer's ROUTER routing id */
    size_t route_len;                    /* its length */
    char user[RELAIS_IDENT_NAME_MAX];    /* the peer's CURVE identity (ZAP User-Id) */
    int role;                            /* relais_role_t of that identity */
    uint64_t seq;                        /* OUT_HEAD: the head; SUBSCRIBE: from_seq */
    uint32_t credit;                     /* SUBSCRIBE: initial credit */
    int has_child_key;                   /* WRITE_MESSAGE: child_key holds a referral's key */
    uint8_t child_key[32];               /* computed by the verifier, off the writer's path */
    size_t len1;                         /* bytes of d1 after the envelope */
    size_t len2;                         /* bytes of d2 after d1 */
} broker_env_t;

/* Sends one item: env then d1 then d2 in one frame. `flags` is 0 or ZMQ_DONTWAIT.
 * Returns 0, or -1 with errno (EAGAIN when the queue is full and ZMQ_DONTWAIT was given). */
int broker_env_send(void *sock, const broker_env_t *env, const void *d1, size_t len1, const void *d2,
                    size_t len2, int flags);

/* Receives one item into `msg` (initialised here; the caller closes it). *d1 and *d2 point
 * into it. Returns 0, -1 with errno (EAGAIN, ETERM, EINTR), or 1 for a frame that is not an
 * item (closed already: a programmer error, logged). */
int broker_env_recv(void *sock, zmq_msg_t *msg, broker_env_t *env, const uint8_t **d1, const uint8_t **d2,
                    int flags);

/* Encodes `reply` and sends it as OUT_REPLY to `env`'s peer through `sock` (blocking).
 * Returns 0 or a status. */
int broker_send_reply(void *sock, const broker_env_t *env, const relais_reply_t *reply);

/* Sends an ERROR reply (wire code of `status`, the sentence `fmt`) to `env`'s peer and logs
 * `event=refused`. `msg_id` may be NULL. Returns 0 or a status. */
int broker_send_error(void *sock, const broker_env_t *env, int status, const uint8_t *msg_id, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Fills an ERROR reply for `env`'s request and logs `event=refused` (what broker_send_error
 * does, for a caller that sends the reply itself). */
void broker_error_fill(relais_reply_t *reply, const broker_env_t *env, int status, const uint8_t *msg_id,
                       const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

/* A socket of the broker's context with the internal queues' options (HWM, linger). */
void *broker_queue_socket(relais_broker_t *b, int type);

/* ---- Registry access (copies, so that a reload never pulls a peer from under a reader) -- */

/* Copies the peer named `name` into *out. Errors: RELAIS_E_UNKNOWN_SENDER. */
int broker_peer_by_name(relais_broker_t *b, const char *name, relais_peer_t *out);
/* The same by raw CURVE public key. */
int broker_peer_by_curve(relais_broker_t *b, const uint8_t key[32], relais_peer_t *out);
/* Loads the registry folder again; keeps the old one when the new one fails. */
int broker_registry_reload(relais_broker_t *b);

/* Signs `body` with the broker's key (serialised: one key, many threads). */
int broker_sign(relais_broker_t *b, const uint8_t *body, size_t len, uint8_t signature[64]);

/* ---- Logging and time -------------------------------------------------------------- */

/* One `ts=... level=... event=... <fields>` line on stderr, written with one write(2). */
void broker_log(const char *level, const char *event, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* `s` as a log value: unchanged when it has no space, quote, '=' or control character,
 * else double-quoted with escapes. Writes into `buf` (room `cap`) and returns it. */
const char *broker_logq(char *buf, size_t cap, const char *s);

/* Wall clock, milliseconds since the epoch. */
int64_t broker_now_ms(void);

/* Monotonic clock in microseconds, for durations in the log. */
int64_t broker_monotonic_us(void);

/* ---- Threads ------------------------------------------------------------------------- */

/* Binds the ZAP REP socket and starts its thread: after this returns 0, CURVE handshakes on
 * this context are decided by the registry. */
int broker_zap_start(relais_broker_t *b);
void broker_zap_stop(relais_broker_t *b);

/* Starts the verifier pool (each thread also serves queries). */
int broker_verifiers_start(relais_broker_t *b);
void broker_verifiers_join(relais_broker_t *b);

/* Starts the single writer; it signs a checkpoint at start if the log has outgrown the latest. */
int broker_writer_start(relais_broker_t *b);
void broker_writer_join(relais_broker_t *b);

/* The intake loop: binds the endpoint, serves until stop, drains, returns 0 or a status. */
int broker_intake_run(relais_broker_t *b);

/* ---- Worker (verifier) side: the per-thread sockets and the query handlers ------------- */

typedef struct {
    relais_broker_t *b;  /* the broker */
    int index;           /* thread number, for logs */
    void *jobs;          /* PULL from intake */
    void *to_writer;     /* PUSH to the writer */
    void *to_intake;     /* PUSH of replies to intake */
} broker_worker_t;

/* Serves a case or audit query (`req` = the Request bytes) and sends its reply, through the
 * writer when the read must be logged first. */
void broker_query_handle(broker_worker_t *w, const broker_env_t *env, const uint8_t *req, size_t len);

/* Logs a feed subscription's access record; the writer then starts the feed. */
void broker_query_subscribe(broker_worker_t *w, const broker_env_t *env);

/* ---- Feed (runs in the intake thread) ------------------------------------------------ */

typedef struct broker_feed broker_feed_t;

/* The feed of `router`'s peers; NULL on out-of-memory. */
broker_feed_t *broker_feed_new(relais_broker_t *b, void *router);
void broker_feed_destroy(broker_feed_t **self_p);

/* Registers (or replaces) the pending feed of a peer. Errors: RELAIS_E_UNAVAILABLE (cap). */
int broker_feed_subscribe(broker_feed_t *self, const broker_env_t *env, uint64_t from_seq, uint32_t credit);
/* The writer stored the feed's access record: start serving it (status 0), or drop it. */
void broker_feed_ready(broker_feed_t *self, const broker_env_t *env);
/* Adds credit. Errors: RELAIS_E_NOT_FOUND (no feed on this connection). */
int broker_feed_credit(broker_feed_t *self, const uint8_t *route, size_t route_len, uint32_t credit);
/* Removes the feed of a connection, if any. */
void broker_feed_forget(broker_feed_t *self, const uint8_t *route, size_t route_len);
/* The log grew to `head`. */
void broker_feed_head(broker_feed_t *self, uint64_t head);
/* Sends what credit and the socket allow. Returns 0 when every feed is served, else a mix of
 * BROKER_FEED_MORE (a feed stopped on its per-turn budget: serve again at once) and
 * BROKER_FEED_BLOCKED (a peer's pipe is full: try again a little later). */
#define BROKER_FEED_MORE 1
#define BROKER_FEED_BLOCKED 2
int broker_feed_serve(broker_feed_t *self);

/* ---- The case index (cases.c): relais_cases' rules applied to the store ------------------- */

/* Reads and decodes a case from the committed store. Errors: RELAIS_E_NOT_FOUND, ... */
int broker_case_load(relais_store_t *store, const char *case_id, relais_case_record_t *out);

/* The status right after event `seq` of a case, as stored with it. Errors:
 * RELAIS_E_NOT_FOUND (seq is no case's event), RELAIS_E_CORRUPT, ... */
int broker_case_event(relais_store_t *store, uint64_t seq, relais_case_status_t *status);

#endif
