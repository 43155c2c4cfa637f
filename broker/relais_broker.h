/* relais_broker.h -- relaisd, the hub's broker: options, start, run, stop.
 *
 * One broker owns one store, one trust registry and one CURVE endpoint. The calling thread
 * of relais_broker_run() becomes the intake thread (it owns the ROUTER socket and the live
 * feed); the broker starts its own ZAP handler, verifier pool and single writer beside it.
 */
#ifndef RELAIS_BROKER_H
#define RELAIS_BROKER_H

#include <stddef.h>
#include <stdint.h>

#include "relais_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct relais_broker relais_broker_t;

typedef struct {
    const char *endpoint;         /* ZeroMQ endpoint to bind, e.g. "tcp://127.0.0.1:7100" */
    const char *store_dir;        /* store directory (created if missing) */
    const char *certs_dir;        /* trust registry: a folder of public .cert files */
    const char *key_path;         /* the broker's NAME.cert_secret (NAME.sign.key beside it) */
    const char *origin;           /* checkpoint origin line; NULL = "relais/<broker name>" */
    int verifiers;                /* verifier threads; 0 = online cores */
    uint64_t checkpoint_every;    /* sign a checkpoint every this many records */
    int checkpoint_interval_s;    /* ... or this many seconds after the tree grew */
    size_t max_message;           /* largest request frame accepted, bytes */
    int64_t max_age_s;            /* oldest created_ms accepted (spooled messages come late) */
    int64_t max_skew_s;           /* how far in the future created_ms may be */
    uint64_t map_size_mib;        /* LMDB map size; 0 = the store's default */
    size_t batch_max;             /* largest group commit, messages */
    unsigned triage_hours[3];     /* triage targets: urgent (working hours), priority, routine (hours) */
    unsigned work_hours[2];       /* working day, Monday to Friday, local time (TZ): start and end in
                                   * minutes after midnight (default 09:00-18:00) */
    int holidays;                 /* relais_cases_holidays_t: public holidays that are not working
                                   * days (default RELAIS_CASES_HOLIDAYS_FR) */
    size_t max_subscribers;       /* live feeds served at once */
    int queue_hwm;                /* high-water mark of the internal queues, messages */
    uint64_t store_reserve_kib;   /* free map kept for the hub's own access records and checkpoints:
                                   * incoming messages get STORE_FULL below it (so that reads, which
                                   * are logged, and checkpoints go on with a full store);
                                   * RELAIS_BROKER_RESERVE_DEFAULT = 2% of the map, at least 1 MiB
                                   * (at most half the map) */
    unsigned brake_bad_signatures; /* bad signatures from one identity, in a burst, before its
                                    * submissions are refused unverified for a while (16; 0 never) */
    const char *data_key_path;     /* the hub's data key (KEK) file: records and the case index are
                                    * stored sealed under it; NULL runs a store in clear */
    int handshake_timeout_ms;      /* a connection that has not completed its CURVE handshake by
                                    * then is closed (5000): idle connections cannot hold the
                                    * hub's descriptors for long */
    unsigned active_days;          /* retention: a case leaves the active base this many days after
                                    * its last event (730) */
    unsigned archive_days;         /* then stays in the intermediate archive this long (1826) */
    unsigned reception_active_days;  /* an entry of the reception's register leaves the active base
                                      * this many days after its last event (365) */
    unsigned reception_archive_days; /* then stays in the intermediate archive this long (1826) */
    unsigned lost_active_days;     /* an item of the lost and found leaves the active base this many
                                    * days after its last event, or the end of its keeping (365) */
    unsigned lost_archive_days;    /* then stays in the intermediate archive this long (1096) */
    unsigned backup_days;          /* a retired data key generation is destroyed this long after it
                                    * was retired (30): the backup period */
    unsigned sweep_interval_s;     /* the retention sweep runs at start, then this often (86400) */
    const char *sweep_clock_path;  /* tests only: a file holding the sweep's time, milliseconds since
                                    * the epoch; NULL: the wall clock */
    const char *retired_keys_dir;  /* where retired data key generations go (the backup-key store);
                                    * NULL: "retired" beside the data key file */
    unsigned index_settle_ms;      /* idle this long after a commit, the derived indexes are synced
                                    * and marked clean in the log (1000) */
    unsigned reference_days;       /* a partner's reference may name a new referral once its first one's
                                    * case is closed and this old (400: a school year and more) */
    const char *const *witnesses;  /* the witnesses each new checkpoint is sent to (C2SP tlog-witness):
                                    * "URL,CERT", URL its add-checkpoint address, CERT its certificate
                                    * (role witness); none by default */
    size_t witness_count;
    const char *metrics_listen;    /* "127.0.0.1:PORT" (or localhost; 0: any free port): GET /metrics there,
                                    * in the Prometheus text format; NULL: no server. The loopback only */
    relais_validation_limits_t limits; /* the hub's own content rules (ages, consent and review
                                        * windows); the broker sets skew_ms from max_skew_s */
} relais_broker_options_t;

#define RELAIS_BROKER_RESERVE_DEFAULT UINT64_MAX

/* Fills `opts` with the documented defaults (endpoint/store/certs/key left NULL). */
void relais_broker_options_default(relais_broker_options_t *opts);

/* Loads the key, the registry, the hub secret and opens the store; binds nothing yet.
 * Strings of `opts` are copied. On failure a detail is left in relais_status_detail().
 * Errors: RELAIS_E_INVALID (options), RELAIS_E_IO, RELAIS_E_MALFORMED, RELAIS_E_VERSION,
 * RELAIS_E_CORRUPT, RELAIS_E_NOMEM. */
int relais_broker_new(const relais_broker_options_t *opts, relais_broker_t **out);

/* Starts the threads, binds the endpoint, logs `event=listening` and serves until
 * relais_broker_stop(); then finishes the in-flight batch, signs a final checkpoint and
 * returns 0. Returns a status when start-up fails (endpoint in use, ...). Call once. */
int relais_broker_run(relais_broker_t *self);

/* Asks a running broker to stop. Async-signal-safe. */
void relais_broker_stop(relais_broker_t *self);

/* Asks a running broker to reload its registry folder. Async-signal-safe. */
void relais_broker_reload(relais_broker_t *self);

/* Releases the broker; *self_p becomes NULL; safe on NULL and twice. */
void relais_broker_destroy(relais_broker_t **self_p);

#ifdef __cplusplus
}
#endif

#endif
