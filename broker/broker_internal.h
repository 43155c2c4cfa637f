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
#include "relais_keys.h"
#include "relais_metrics.h"
#include "relais_proto.h"
#include "relais_reception.h"
#include "relais_stats.h"
#include "relais_store.h"

#define BROKER_EP_VERIFY "inproc://relais-verify"
#define BROKER_EP_WRITE "inproc://relais-write"
#define BROKER_EP_REPLY "inproc://relais-reply"
#define BROKER_EP_ZAP "inproc://zeromq.zap.01"
#define BROKER_ZAP_DOMAIN "relais"
#define BROKER_ZAP_KEY_PROPERTY "Relais-Curve-Key" /* ZAP metadata: the peer's CURVE key, Z85 */
#define BROKER_ROUTE_MAX 256 /* a ZeroMQ routing id is at most 255 bytes */
#define BROKER_VERIFY_DEPTH_PER_THREAD 64     /* jobs queued to each verifier at most (fair shares) */
#define BROKER_VERIFY_BYTES_PER_THREAD (128u << 10) /* and their bytes (large frames cost more) */
#define BROKER_FLOW_BYTES_MAX (16u << 20)     /* requests waiting or in flight, all identities */
#define BROKER_OUT_PEER_MAX (1u << 20)        /* bytes queued to one connection before it reads */
#define BROKER_OUT_BULK_MAX (16u << 20)       /* feed deliveries and large replies queued, all peers */
#define BROKER_OUT_BULK_MIN 4096              /* a reply this large counts as bulk */
#define BROKER_HEARTBEAT_IVL_MS 5000
#define BROKER_HEARTBEAT_TIMEOUT_MS 15000

/* ---- The broker ---------------------------------------------------------------------- */

/* The stages of a message through the broker, for the stage trace (stages.c): where its time
 * goes, beside its signature. Each is timed on the thread that runs it, so a busy stage's time is
 * its CPU; COMMIT alone is mostly waiting on the disk. */
typedef enum {
    BROKER_STAGE_RECEIVE, /* intake: a request read from the ROUTER, checked, handed on */
    BROKER_STAGE_VERIFY,  /* verifier: the Ed25519 signature */
    BROKER_STAGE_CHECK,   /* verifier: decoding, the text rule, the sender's checks, the child key */
    BROKER_STAGE_RULES,   /* writer: decoding again, duplicates, the case and lifecycle rules, the indexes */
    BROKER_STAGE_SEAL,    /* writer: sealing the record under its data key */
    BROKER_STAGE_APPEND,  /* writer: the record, its Merkle nodes and its id into the log */
    BROKER_STAGE_COMMIT,  /* writer: the log's synced commit and the indexes' */
    BROKER_STAGE_ANSWER,  /* writer: the acks and the new head queued, the log lines written */
    BROKER_STAGE_FEED,    /* intake: the feeds' deliveries */
    BROKER_STAGE_COUNT
} broker_stage_t;

typedef struct broker_witnesses broker_witnesses_t;

/* What relaisd --metrics serves (metrics.c): counters bumped where things happen, with atomics and
 * no lock, read by the metrics server's thread. What lives behind a lock already (the registry)
 * or in the store is read there at each scrape instead. */
#define BROKER_WIRE_CODES (-RELAIS_E_WIRE_LAST - RELAIS_E_BASE + 1) /* wire codes 1.. (0 unused) */
#define BROKER_ROLES (RELAIS_ROLE_WITNESS + 1)                      /* RELAIS_ROLE_NONE: not known */
typedef struct {
    _Atomic uint64_t acknowledged[BROKER_ROLES];                  /* messages acked, by sender's role */
    _Atomic uint64_t refused[BROKER_WIRE_CODES][BROKER_ROLES];    /* ERROR replies, by code and role */
    relais_metrics_histogram_t commit_us;                          /* a batch's time, as event=commit us= */
    relais_metrics_histogram_t batch_records;                      /* a batch's records, as records= */
    _Atomic uint64_t feed_subscribers;                             /* feeds held (intake publishes) */
    _Atomic uint64_t feed_lag_max;                                 /* records behind the head, the worst */
    _Atomic uint64_t feed_lag_sum;                                 /* ... and over every feed */
    _Atomic uint64_t connections_accepted;                         /* the ROUTER's socket monitor's counts */
    _Atomic uint64_t connections_closed;
    _Atomic uint64_t handshakes_failed;
    _Atomic uint64_t accepts_failed;
} broker_metrics_t;

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
    atomic_uint registry_gen;        /* bumped by every reload: a peer authorised under an older
                                      * generation is checked again before anything goes out */
    pthread_rwlock_t registry_lock;  /* readers copy peers out; reload swaps under the write lock */
    pthread_mutex_t sign_lock;       /* serialises use of the broker's signing key */
    int store_lock;                  /* STORE_DIR/relaisd.lock, flock'ed for the process's life; -1 */
    relais_store_t *store;           /* the log */
    char *data_key_path;             /* opts.data_key_path, owned, or NULL */
    relais_kek_t *kek;               /* the hub's data key, or NULL: a store in clear */
    relais_keyring_t *keyring;       /* the store's data keys, unwrapped by the KEK, or NULL */
    char *sweep_clock_path;          /* opts.sweep_clock_path, owned, or NULL */
    char *retired_dir;               /* the backup-key store of retired KEK generations, owned */
    int rotation_owed;               /* a sweep moved a case and the KEK's rotation after it failed
                                      * (writer thread only): the next sweep rotates */
    int sweep_more;                  /* a sweep stopped before every move due (writer thread only) */
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
    atomic_int verify_pending;       /* jobs sent to the verifiers and not yet taken by one */
    atomic_size_t verify_pending_bytes; /* their bytes */
    atomic_int flow_waiting;         /* intake holds jobs back until the verifiers take some */
    pthread_t zap_thread;            /* ZAP handler */
    int zap_started;                 /* the ZAP thread exists */
    void *zap_socket;                /* REP bound before the ROUTER, handed to the ZAP thread */
    broker_witnesses_t *witnesses;   /* the witnesses' thread and the cosignatures (witness.c), or NULL */
    pthread_t writer_thread;         /* the single writer */
    int writer_started;              /* the writer thread exists */
    pthread_t *verifier_threads;     /* the verifier pool */
    int verifier_count;              /* threads started */
    _Atomic uint64_t stage_ns[BROKER_STAGE_COUNT]; /* time spent in each stage since the last trace line */
    _Atomic uint64_t stage_messages; /* messages stored since then */
    int64_t stage_logged_ms;         /* writer: when the last trace line went out */
    broker_metrics_t metrics;        /* what --metrics serves */
    relais_metrics_server_t *metrics_server; /* bound by relais_broker_new, served while it runs; or NULL */
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
#define BROKER_F_LOGGED_READ 2u /* a job that reads content (logged): it takes from the read budget */

typedef struct {
    broker_kind_t kind;                  /* what this item is */
    unsigned flags;                      /* BROKER_F_* */
    int status;                          /* OUT_SUB_READY: 0 or why the feed cannot start */
    uint64_t request_id;                 /* the agent's request id, echoed */
    int64_t received_ms;                 /* when intake received the frame */
    uint8_t route[BROKER_ROUTE_MAX];     /* the peer's ROUTER routing id */
    size_t route_len;                    /* its length */
    char user[RELAIS_IDENT_NAME_MAX];    /* the peer's CURVE identity (ZAP User-Id) */
    uint8_t curve_key[32];               /* the CURVE key it connected with (ZAP metadata) */
    unsigned registry_gen;               /* the registry generation it was authorised under */
    int role;                            /* relais_role_t of that identity */
    uint64_t seq;                        /* OUT_HEAD: the head; SUBSCRIBE: from_seq */
    uint32_t credit;                     /* SUBSCRIBE: initial credit */
    int has_child_key;                   /* WRITE_MESSAGE: child_key holds a referral's key */
    uint8_t child_key[32];               /* computed by the verifier, off the writer's path */
    int has_ref;                         /* WRITE_MESSAGE: a referral that names its partner's reference */
    uint8_t ref_key[32];                 /* the reference's key in the store (keyed hash, with the sender) */
    uint8_t ref_content[32];             /* SHA-256 of the referral alone: "sent again" or "other content" */
    size_t job_bytes;                    /* a job's bytes as intake counted them (0: no job); its answer
                                          * gives them back */
    size_t len1;                         /* bytes of d1 after the envelope */
    size_t len2;                         /* bytes of d2 after d1 */
} broker_env_t;

/* Builds one item's frame (env then d1 then d2) into `msg`. Returns 0, or -1 with errno. */
int broker_env_frame(zmq_msg_t *msg, const broker_env_t *env, const void *d1, size_t len1, const void *d2,
                     size_t len2);

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
/* The peer a connection speaks for, by the CURVE key it connected with: its certificate must
 * still be in the registry under the same name (a revoked or re-keyed identity is not).
 * `gen`, when not NULL, receives the registry generation the answer holds for. Errors:
 * RELAIS_E_UNKNOWN_SENDER. */
int broker_peer_authorise(relais_broker_t *b, const char *user, const uint8_t key[32], relais_peer_t *out,
                          unsigned *gen);
/* Whether a peer authorised under generation *gen is still trusted: at once when no reload
 * happened since, else by the registry (and *gen moves to the current generation). */
int broker_peer_trusted(relais_broker_t *b, const char *user, const uint8_t key[32], unsigned *gen);
/* Loads the registry folder again; keeps the old one when the new one fails. */
int broker_registry_reload(relais_broker_t *b);

/* The broker's signed AccessRecord (a SignedMessage, *out caller frees): who read what. */
int broker_access_sign(relais_broker_t *b, const relais_access_t *access, uint8_t **out, size_t *out_len);

/* A stored record as a reader entitled to it gets it: its SignedMessage in clear (the record
 * opened with its case's data key, or copied when stored in clear) as a LogRecord (*out,
 * caller frees), and the hash of the leaf as stored (when `leaf` is not NULL). Errors: RELAIS_E_CRYPTO, RELAIS_E_CORRUPT,
 * RELAIS_E_NOMEM. */
int broker_record_opened(relais_broker_t *b, const uint8_t *record, size_t len, uint8_t **out, size_t *out_len,
                         relais_hash_t leaf);

/* Signs `body` with the broker's key (serialised: one key, many threads). */
int broker_sign(relais_broker_t *b, const uint8_t *body, size_t len, uint8_t signature[64]);

/* ---- Logging and time -------------------------------------------------------------- */

/* One `ts=... level=... event=... <fields>` line on stderr, written with one write(2). */
void broker_log(const char *level, const char *event, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Log lines gathered and written a few at a time (a batch's: one write a pipe's atomic size
 * rather than one a line), all with the time of broker_logbuf_begin. Lines never split. */
typedef struct {
    char stamp[40]; /* "ts=... " */
    size_t len;     /* bytes waiting in data */
    char data[4096];
} broker_logbuf_t;
void broker_logbuf_begin(broker_logbuf_t *lb);
void broker_logbuf_add(broker_logbuf_t *lb, const char *level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void broker_logbuf_flush(broker_logbuf_t *lb);

/* `s` as a log value: unchanged when it has no space, quote, '=' or control character,
 * else double-quoted with escapes. Writes into `buf` (room `cap`) and returns it. */
const char *broker_logq(char *buf, size_t cap, const char *s);

/* Wall clock, milliseconds since the epoch. */
int64_t broker_now_ms(void);

/* The stage trace: a monotonic clock in nanoseconds, time added to a stage, and (writer, after a
 * commit of `messages` messages) a line `event=stages` every few seconds with each stage's mean
 * microseconds a message since the last one. */
int64_t broker_clock_ns(void);
void broker_stage_add(relais_broker_t *b, broker_stage_t stage, int64_t ns);
void broker_stages_commit(relais_broker_t *b, uint64_t messages, int force);

/* Brings the store's derived indexes up to its log, with log lines (`when`: start, or the
 * writer after an index commit that failed). */
int broker_index_catch_up(relais_broker_t *b, const char *when);

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
    char why[256];       /* the sentence of the last content refusal */
} broker_worker_t;

/* Serves a case or audit query (`req` = the Request bytes) and sends its reply, through the
 * writer when the read must be logged first. */
void broker_query_handle(broker_worker_t *w, const broker_env_t *env, const uint8_t *req, size_t len);

/* Sends the access record of a read to the writer, with the reply it releases once stored
 * (`flags` BROKER_F_SUBSCRIBE: the feed starts instead). */
void broker_logged_reply(broker_worker_t *w, const broker_env_t *env, const relais_access_t *access,
                         const relais_reply_t *reply, unsigned flags);

/* Record `seq` as its reader gets it (opened from a sealed store; *out caller frees) and its
 * stored leaf's hash. Errors: RELAIS_E_NOT_FOUND (no such record, or its key is gone), the
 * store's and the keyring's (logged). */
int broker_record_get_opened(relais_broker_t *b, uint64_t seq, uint8_t **out, size_t *out_len, relais_hash_t leaf);

/* The reception's register (reception.c): a list, an entry, the figures. */
void broker_reception_query(broker_worker_t *w, const broker_env_t *env, const relais_request_t *req);
/* The lost and found's queries (lost.c: the desk's and the auditors'), and the decrees' (decree.c:
 * anyone's, unlogged: public acts). */
void broker_lost_query(broker_worker_t *w, const broker_env_t *env, const relais_request_t *req);
void broker_decree_query(broker_worker_t *w, const broker_env_t *env, const relais_request_t *req);

/* What a record is to the register's need-to-know, decided from the record itself (opened), so
 * that a record the index does not know yet is still the register's: any record of an entry (its
 * ContactLog, updates, transfers, answers), of the lost and found, or a Privacy record about one
 * of those ("A-", "O-", "P-<seq>"). A decree is a public act: everyone's. */
typedef struct {
    int is_public;                    /* a public act (a decree): every reader's, in full */
    int is_register;                  /* the register's record */
    int is_privacy;                   /* a Privacy record about an entry (in clear in the log) */
    uint64_t entry_seq;               /* its entry, when known */
    int party_kind;                   /* BROKER_PARTY_*: who besides the desk may see it */
    char party[RELAIS_CONTACT_LABEL_LEN]; /* that identity */
} broker_register_class_t;
enum { BROKER_PARTY_NONE = 0, BROKER_PARTY_TRANSFER, BROKER_PARTY_ANSWER };

/* Classifies record `seq` as opened (a LogRecord in clear: `opened`). A record that does not
 * decode is no register record (it shows nothing to anyone). */
void broker_register_classify(relais_broker_t *b, uint64_t seq, const uint8_t *opened, size_t len,
                              broker_register_class_t *out);

/* Whether identity `reader` of `role` may read a register record so classified: the desk and the
 * auditors every one; the data protection officer the Privacy records about entries it signs; a
 * partner or the coordinator a transfer made to it (to be shown with its entry) and its own
 * answer; no one else. */
int broker_register_readable(const broker_register_class_t *c, const char *reader, int role);

/* Logs a feed subscription's access record; the writer then starts the feed. */
void broker_query_subscribe(broker_worker_t *w, const broker_env_t *env);

/* ---- Outbound bytes (out.c; the intake thread sends, libzmq's thread gives back) ----- */

typedef struct broker_out broker_out_t;

/* The counters of what goes out through `router`; NULL on out-of-memory. */
broker_out_t *broker_out_new(void *router);
/* Safe while libzmq still holds messages (a closed socket lingers): their counters outlive it. */
void broker_out_destroy(broker_out_t **self_p);
/* Whether a peer may take `len` more bytes now: at most BROKER_OUT_PEER_MAX queued to it (but one
 * message of any size to a peer with nothing queued), and for `bulk` (feed deliveries, large
 * replies) at most BROKER_OUT_BULK_MAX over all peers. */
int broker_out_room(broker_out_t *self, const uint8_t *route, size_t route_len, size_t len, int bulk);
/* Sends `bytes` (malloc'd) to a peer without waiting, counted until libzmq lets go of them.
 * Returns 0 (the bytes are libzmq's, freed when it is done), or with the bytes still the
 * caller's: EAGAIN (no room: try again later) or another errno (the peer is gone, or out of
 * memory). */
int broker_out_send(broker_out_t *self, const uint8_t *route, size_t route_len, uint8_t *bytes, size_t len, int bulk);
/* Bytes queued to one peer, and bulk bytes queued to all. */
size_t broker_out_queued(broker_out_t *self, const uint8_t *route, size_t route_len);
size_t broker_out_bulk(broker_out_t *self);
/* Intake's count of the bytes it holds back for a peer (its deferred replies); NULL on
 * out-of-memory. */
size_t *broker_out_deferred(broker_out_t *self, const uint8_t *route, size_t route_len);
/* The peer has gone: its counter is dropped once libzmq holds nothing of it. */
void broker_out_forget(broker_out_t *self, const uint8_t *route, size_t route_len);
/* Forgets the peers that have nothing queued or held back and got nothing for `idle_ms`: a
 * connection that closes quietly leaves no error to learn it by. */
void broker_out_sweep(broker_out_t *self, int64_t idle_ms);

/* ---- Connections accepted and their handshakes (monitor.c, intake thread) ------------- */

typedef struct broker_monitor broker_monitor_t;

/* Starts monitoring `router`'s connections; NULL when libzmq refuses (the hub runs without). */
broker_monitor_t *broker_monitor_new(relais_broker_t *b, void *router);
void broker_monitor_destroy(broker_monitor_t **self_p, void *router);
/* The PAIR socket to poll for events. */
void *broker_monitor_socket(broker_monitor_t *self);
/* Takes the events waiting. */
void broker_monitor_read(broker_monitor_t *self);
/* Logs failed accepts (at most once a second) and the connections' counts when they changed
 * (every 10 s): handshakes pending, done, failed. */
void broker_monitor_tick(broker_monitor_t *self);

/* ---- Fair shares of the verifiers (flow.c, intake thread) ---------------------------- */

typedef struct broker_flow broker_flow_t;

broker_flow_t *broker_flow_new(relais_broker_t *b, void *to_verify);
void broker_flow_destroy(broker_flow_t **self_p);
/* Queues job `env` (its kind set; `data` copied) under its identity. Returns 0, or with the
 * sentence for the agent in `why`: RELAIS_E_UNAVAILABLE (the identity or the hub has too much
 * waiting, or the identity is braked for bad signatures), RELAIS_E_RATE_LIMITED (a read,
 * BROKER_F_LOGGED_READ, beyond its role's read budget). Sets env->job_bytes. */
int broker_flow_submit(broker_flow_t *self, broker_env_t *env, const void *data, size_t len, char *why, size_t cap);
/* Whether a submission of `len` bytes from `user` would be refused (braked, or its queue
 * full), said before the frame is even decoded: a flood costs intake as little as possible.
 * Returns 0 or RELAIS_E_UNAVAILABLE with the sentence in `why`. */
int broker_flow_admit_submit(broker_flow_t *self, const char *user, size_t len, int64_t now, char *why, size_t cap);
/* Hands waiting jobs to the verifiers, the identities in turn, while their queue has room.
 * Returns 1 when jobs still wait (the verifiers wake intake when room comes), else 0. */
int broker_flow_dispatch(broker_flow_t *self);
/* The answer to a job passed through intake: its bytes are given back; a BAD_SIGNATURE counts
 * against its identity. Items that are no job's answer are ignored. */
void broker_flow_done(broker_flow_t *self, const broker_env_t *env);
/* Bytes of requests waiting or in flight. */
size_t broker_flow_bytes(const broker_flow_t *self);
/* A verifier took a job of `job_bytes` (its frame): counts it out of the verifiers' queue, and
 * wakes intake once if it holds jobs back and the queue has fallen to half. */
void broker_flow_wake(relais_broker_t *b, size_t job_bytes);

/* ---- Feed (runs in the intake thread) ------------------------------------------------ */

typedef struct broker_feed broker_feed_t;

/* The feed of `router`'s peers, sent through `out`; NULL on out-of-memory. */
broker_feed_t *broker_feed_new(relais_broker_t *b, void *router, broker_out_t *out);
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

/* ---- A case's lifecycle (sweep.c): the retention sweep, the KEK rotation after it ---------- */

/* The backup-key store's folder: `dir`, or "retired" beside the data key file (malloc'd; NULL
 * without a data key or out of memory). */
char *broker_retired_dir(const char *data_key_path, const char *dir);

/* At start, before the KEK is read: a rotation the hub did not finish (its next generation
 * written beside the data key) is completed when the store's keys were moved to it, else
 * undone. Errors: RELAIS_E_IO, RELAIS_E_CRYPTO. */
int broker_rotation_recover(relais_broker_t *b);

/* The sweep (writer thread, between batches): moves every case whose time has come (archive,
 * erase), one signed record each, in one transaction; then rotates the KEK if it moved any, and
 * destroys the retired generations whose backup period is over. *head gets the log size after
 * it. Returns 0 or a status (logged; nothing moved). */
int broker_sweep(relais_broker_t *b, uint64_t *head);

/* The sweep's time: the test clock's file when there is one (--sweep-clock), else the wall clock. */
int64_t broker_sweep_clock(const relais_broker_t *b);

/* What a case leaves to the statistics, read from its record and its first referral (which the
 * hub opens). Errors: the store's, the keys'. */
int broker_case_profile(relais_broker_t *b, const relais_case_record_t *rec, relais_stats_case_t *out);

/* A Privacy record the hub signs (a move of the sweep, a merge's lifecycle), appended in clear
 * to the batch as record *seq. The caller applies it to the lifecycles. */
int broker_append_privacy(relais_broker_t *b, relais_store_batch_t *batch, const relais_privacy_view_t *view,
                          int64_t received_ms, uint64_t *seq);

/* The counts of the cases gone from the active base, as stored (sealed) in the store, through
 * `batch` when not NULL; an empty aggregate when none left yet. *out is the caller's. */
int broker_retired_stats(relais_broker_t *b, relais_store_batch_t *batch, relais_stats_t **out);

/* ---- The case index (cases.c): relais_cases' rules applied to the store ------------------- */

/* Reads and decodes a case from the committed store. Errors: RELAIS_E_NOT_FOUND, ... */
int broker_case_load(relais_store_t *store, const char *case_id, relais_case_record_t *out);
/* The same, as a batch sees it (its own writes included). */
int broker_case_load_batch(relais_store_batch_t *batch, const char *case_id, relais_case_record_t *out);

/* The case as it stands now: `case_id`'s record, or, when it was merged, the record of the case
 * it was merged into (to the end of the chain). Errors: those of broker_case_load,
 * RELAIS_E_CORRUPT (a chain longer than a case may hold). */
int broker_case_load_current(relais_store_t *store, const char *case_id, relais_case_record_t *out);

/* Calls `fn` for each event of `rec` and of the cases merged into it, in sequence order (as
 * relais_store_case_history does for one case). */
int broker_case_history_all(relais_store_t *store, const relais_case_record_t *rec, relais_store_event_fn fn,
                            void *ctx);

/* Takes out of a case's likely duplicates those that left the active base since it opened:
 * nothing of them can be shown or decided any more (and the audit, which cannot open them,
 * never finds them). */
void broker_case_live_duplicates(relais_store_t *store, relais_case_summary_t *summary);

/* The record that holds referral `seq`'s message now: its own, or, for a referral a split moved
 * into a case of its own (whose first copy's key is destroyed), the hub's copy of it. */
uint64_t broker_referral_record(relais_store_t *store, uint64_t seq);

/* The status right after event `seq` of a case, as stored with it. Errors:
 * RELAIS_E_NOT_FOUND (seq is no case's event), RELAIS_E_CORRUPT, ... */
int broker_case_event(relais_store_t *store, uint64_t seq, relais_case_status_t *status);

/* ---- Metrics (metrics.c): relaisd --metrics ---------------------------------------------------- */

void broker_metrics_init(broker_metrics_t *m);
/* A message acknowledged (stored, or found stored already) from a sender of `role`. */
void broker_metrics_acknowledged(relais_broker_t *b, int role);
/* An ERROR reply of `status` (a local code counts as the UNAVAILABLE it travels as) to `role`. */
void broker_metrics_refused(relais_broker_t *b, int status, int role);
/* A committed batch of `records` records that took `us` microseconds. */
void broker_metrics_commit(relais_broker_t *b, size_t records, int64_t us);
/* Checks and binds --metrics (nothing without it). Errors: RELAIS_E_INVALID, RELAIS_E_IO. */
int broker_metrics_bind(relais_broker_t *b);
/* Starts serving what was bound, and logs `event=metrics url=...`. Errors: RELAIS_E_IO. */
int broker_metrics_start(relais_broker_t *b);
/* Stops serving and closes the socket; safe when nothing was bound. */
void broker_metrics_stop(relais_broker_t *b);

/* ---- Witnesses (witness.c): the hub's side of C2SP tlog-witness ------------------------------ */

/* What the hub holds of its witnesses' cosignatures, for the checkpoint it serves. */
typedef struct {
    uint32_t witnesses;   /* witnesses relaisd was given */
    int64_t newest_ms;    /* when the newest cosignature (any witness, any size) came, the hub's clock; 0: none */
    uint64_t newest_size; /* the size it cosigned */
} broker_cosigned_t;

/* Reads --witness (certificates of role witness) and starts libcurl. Errors: RELAIS_E_INVALID,
 * RELAIS_E_MALFORMED, RELAIS_E_IO, RELAIS_E_NOMEM, RELAIS_E_UNAVAILABLE. */
int broker_witnesses_new(relais_broker_t *b);
/* Starts the thread that sends each new checkpoint to the witnesses. Errors: RELAIS_E_NOMEM. */
int broker_witnesses_start(relais_broker_t *b);
/* Stops it (a request in flight ends within its timeout). */
void broker_witnesses_stop(relais_broker_t *b);
void broker_witnesses_destroy(relais_broker_t *b);
/* Appends to `note` (room `cap`) the cosignature lines the witnesses gave for the checkpoint of
 * `size`, and says how old the newest is. */
void broker_witnesses_cosign(relais_broker_t *b, uint64_t size, char *note, size_t cap, broker_cosigned_t *info);

#endif
