/* bench.h -- what the files of relais-bench share: options, results, messages, processes, phases.
 *
 * relais_bench.c  options, the order of the run, the JSON report
 * bench_setup.c   helpers, yardsticks, identities, signed messages, the prefill
 * bench_proc.c    child processes: relaisd, redis-server and redis-benchmark, relais audit verify
 * bench_load.c    the agents and subscribers over raw libzmq, the throughput and latency phases
 * bench_rabbitmq.c the RabbitMQ peer: a node of its own and publishers with confirms (rabbitmq-c)
 * bench_matcher.c --matcher: the likely-duplicate search a new case runs, on a store of N children
 *
 * Times are CLOCK_MONOTONIC nanoseconds (bench_now_ns) unless a name says otherwise. A result
 * that could not be measured is NAN and printed as JSON null.
 */
#ifndef RELAIS_BENCH_H
#define RELAIS_BENCH_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "relais_certs.h"

#define BENCH_STAGES_MAX 12 /* the broker's stage trace: stages read back at most */
#define BENCH_PATH_MAX 4096
#define BENCH_AGENT_PREFIX "bench-agent-"
#define BENCH_BROKER_NAME "relais-hub"
#define BENCH_COORDINATOR_NAME "bench-coordinator"
#define BENCH_AUDITOR_NAME "bench-auditor"

/* ---- Options and results ------------------------------------------------------------------ */

typedef struct {
    int agents;              /* K concurrent submitting agents */
    int subscribers;         /* S live subscribers in the latency phase */
    int tp_subscribers;      /* live subscribers during the throughput phase */
    size_t size;             /* target SignedMessage size, bytes */
    uint64_t count;          /* messages of the throughput phase (the cap when --duration is set) */
    double duration;         /* throughput phase time limit, s (0: until count is acknowledged) */
    double rate;             /* offered load of the latency phase, msg/s */
    double latency_s;        /* length of the latency phase, s */
    uint64_t prefill;        /* records written straight into the store before the broker starts */
    int sealing_cost;        /* with encryption: the runs in clear and sealed again that measure what
                              * sealing costs (--no-sealing-cost skips them: growth runs) */
    int rebuild;             /* remove the store's derived indexes before the broker starts: it
                              * rebuilds them from the log, and the bench reports how fast */
    int verifiers;           /* relaisd --verifiers (0: the broker's default, one per core) */
    int batch_max;           /* relaisd --batch-max (0: the broker's default) */
    int window;              /* outstanding submissions per agent in the throughput phase */
    const char *dir;         /* work folder (NULL: a fresh one under $TMPDIR) */
    int keep;                /* keep the work folder at the end */
    const char *relaisd;     /* path of relaisd */
    const char *relais;      /* path of relais, for the offline audit (may not exist) */
    int audit;               /* run relais audit verify at the end */
    int redis;               /* 1: run the Redis yardstick, 0: skip, -1: run if the tools are on PATH */
    uint64_t redis_requests; /* XADDs redis-benchmark sends */
    int rabbitmq;            /* the RabbitMQ peer, likewise: 1 run, 0 skip, -1 run if installed */
    uint64_t rabbitmq_messages; /* messages its publishers send at most */
    double rabbitmq_seconds; /* and for how long at most, s */
    int quick;               /* --quick: small counts, done within about a minute */
    int encryption;          /* 1: relaisd seals the store (--data-key), and a second, shorter run in
                              * clear measures what that costs; 0 (--no-encryption): in clear only */
    char data_key[BENCH_PATH_MAX]; /* the hub's data key in the work folder, when encryption */
    int matcher_mode;        /* --matcher: time the likely-duplicate search alone, no relaisd */
    uint64_t matcher;        /* ... on a store of this many children */
    uint64_t matcher_referrals; /* ... for this many new referrals */
} bench_opts_t;

typedef struct {
    /* yardsticks */
    double verify_sodium;  /* Ed25519 verifies/s on one core, libsodium */
    double verify_openssl; /* the same with OpenSSL 3 EVP */
    double verify_all;     /* libsodium on every core at once, total */
    double fsync_ms;       /* median of 4 KiB pwrite + fdatasync in the store's folder */
    double fsync_p99_ms;   /* their 99th percentile */
    double lmdb_commit_ms; /* median of a bare one-record synced LMDB write transaction, same filesystem */
    double lmdb_commit_p99_ms; /* their 99th percentile */
    double redis_xadd;     /* redis-benchmark XADD/s with appendfsync always */
    /* the RabbitMQ peer: a quorum queue, persistent messages, publisher confirms */
    double rabbitmq_confirmed_per_s; /* confirmed publishes / (first publish to last confirm) */
    uint64_t rabbitmq_sent, rabbitmq_confirmed, rabbitmq_nacked;
    uint64_t rabbitmq_unconfirmed;   /* published, neither acked nor nacked within the bounded wait */
    double rabbitmq_seconds;         /* first publish to last confirm */
    double rabbitmq_confirm_p50_ms, rabbitmq_confirm_p99_ms; /* publish -> its confirm */
    size_t rabbitmq_message_bytes;   /* body size, the relais messages' signed size */
    uint64_t rabbitmq_in_flight;     /* unconfirmed publishes allowed: publishers x window */
    const char *rabbitmq_status;     /* "measured", or why not (a static string) */
    /* throughput phase */
    double acked_per_s;    /* acknowledged submissions per second */
    uint64_t tp_sent;      /* submissions sent (first sends) */
    uint64_t tp_acked;     /* acknowledged */
    uint64_t tp_refused;   /* answered with an error other than UNAVAILABLE */
    uint64_t tp_retried;   /* resent after UNAVAILABLE */
    uint64_t tp_lost;      /* never answered within the bounded wait */
    double tp_seconds;     /* first send to last ack */
    double tp_ack_p50_ms, tp_ack_p99_ms; /* ack latency under full load */
    double tp_feed_p50_ms, tp_feed_p99_ms; /* feed latency of the live subscriber(s) */
    uint64_t tp_feed_missing; /* acked messages a live subscriber never received */
    /* latency phase */
    double ack_p50_ms, ack_p99_ms, ack_p999_ms;
    double feed_p50_ms, feed_p99_ms;
    double commit_p50_ms, commit_p99_ms; /* the broker's synced LMDB commits in that phase */
    double batch_p50_ms, batch_p99_ms;   /* the writer's batches then: rules, appends and commit */
    double lat_offered_per_s; /* what the pacing achieved */
    double send_lag_p99_ms;   /* how late the bench itself sent against its schedule */
    uint64_t lat_sent, lat_acked, lat_refused, lat_lost;
    uint64_t lat_feed_missing; /* (message, subscriber) pairs never delivered */
    /* after */
    double broker_rss_mib;      /* VmHWM of relaisd */
    double broker_rss_now_mib;  /* VmRSS just before the stop */
    double broker_rss_anon_mib; /* RssAnon then: the heap and stacks, without the store's mapped file */
    double broker_anon_peak_mib; /* the largest RssAnon sampled during the phases */
    double tp_broker_cores;     /* broker CPU seconds / wall seconds over the throughput phase */
    int stage_count;            /* the broker's stage trace over the throughput phase: stages found */
    char stage_names[BENCH_STAGES_MAX][16];
    double stage_us[BENCH_STAGES_MAX]; /* each one's mean microseconds a message */
    double tp_bench_cores;      /* the same for this bench (agents, subscribers, its ZeroMQ I/O) */
    double lat_broker_cores;    /* the same over the latency phase */
    double lat_bench_cores;
    uint64_t records;           /* log size at the end */
    uint64_t records_at_start;  /* log size when the broker started (prefill) */
    double bytes_per_msg;       /* data.mdb size / records */
    double used_bytes_per_msg;  /* LMDB pages in use / records */
    double audit_verify_per_s;  /* records / wall time of relais audit verify (with the data key
                                 * when the store is sealed) */
    int audit_exit;             /* its exit status (-1: not run) */
    double audit_unkeyed_per_s; /* the same without the data key: the integrity-only level */
    /* what sealing costs, when encryption: the throughput phase and the audit in clear
     * (relaisd --no-encryption) and sealed again, the best of each kind */
    double clear_acked_per_s;
    double clear_audit_per_s;
    double sealed_acked_best_per_s;
    double keyed_audit_best_per_s;
    uint64_t clear_records;
    double proof_us;            /* mean relais_store_inclusion_proof at the final size, map warm */
    double proof_cold_us;       /* the same seqs the first time, in a freshly opened store */
    size_t proof_len;           /* hashes in a proof at that size */
    double prefill_per_s;       /* records/s the prefill appended (signing excluded) */
    double rebuild_seconds;     /* --rebuild: the broker's rebuild of its indexes at start, as it logged it */
    uint64_t rebuild_records;   /* ... over this many records */
    int verifiers_used;         /* the broker's verifier threads */
} bench_result_t;

/* ---- Small helpers (bench_setup.c) ---------------------------------------------------------- */

int64_t bench_now_ns(void);
/* Progress line on stderr, prefixed with the elapsed time. */
void bench_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Percentile (0..1) of `n` samples sorted in place, in ms; NAN when n == 0. */
double bench_percentile_ms(int64_t *samples_ns, size_t n, double p, int sorted);
/* Sorts samples in place (ascending). */
void bench_sort(int64_t *samples_ns, size_t n);
/* A TCP port on 127.0.0.1 that was free a moment ago; 0 on failure. */
int bench_free_port(void);
/* Whether an executable of that name is on PATH. */
int bench_on_path(const char *name);
/* Removes a folder and everything in it (no symlink followed). 0, or -1 when something stayed. */
int bench_remove_tree(const char *path);

/* ---- Yardsticks ----------------------------------------------------------------------------- */

/* Verifies one signature over "relais/v1/msg" || 0 || 1 KiB in a loop for `seconds` on this
 * thread, with each library. Returns 0 or -1. */
int bench_verify_rates(double seconds, double *sodium_per_s, double *openssl_per_s);
/* The same libsodium loop on every core at once: the verify rate the whole machine offers
 * (vCPUs may share physical cores). NAN on failure. */
double bench_verify_all_cores(double seconds);
/* Median of `rounds` x (4 KiB pwrite + fdatasync) in folder `dir`, ms, and in *p99_ms their
 * 99th percentile (the disk's own tail, under every synced commit); NAN on failure. */
double bench_fsync_ms(const char *dir, int rounds, double *p99_ms);
/* Median of `rounds` bare LMDB write transactions (one small new record each, default sync,
 * so a synced commit) in an environment of its own made in folder `dir` and removed after, ms,
 * and in *p99_ms their 99th percentile: what the broker's commit costs before its own pages.
 * NAN on failure. */
double bench_lmdb_commit_ms(const char *dir, int rounds, double *p99_ms);

/* ---- Identities ----------------------------------------------------------------------------- */

typedef struct {
    char keys_dir[BENCH_PATH_MAX];     /* secrets and public certificates */
    char registry_dir[BENCH_PATH_MAX]; /* public certificates only: the broker's --certs */
    relais_identity_t *broker;         /* relais-hub, role broker */
    relais_identity_t *coordinator;    /* the frozen subscriber */
    relais_identity_t *auditor;        /* the live subscribers */
    relais_identity_t **agents;        /* bench-agent-0 .. K-1, role partner */
    int agent_count;
} bench_ids_t;

/* Loads the identities found in KEYS_DIR (a reused --dir) and creates the missing ones, then
 * fills REGISTRY_DIR with every public certificate. Returns 0 or -1 (reported). */
int bench_ids_setup(const char *work_dir, int agents, bench_ids_t *ids);
void bench_ids_release(bench_ids_t *ids);
/* The path of an identity's key file (NAME.cert_secret) in keys_dir. */
void bench_ids_key_path(const bench_ids_t *ids, const relais_identity_t *id, char *out, size_t cap);

/* ---- Signed referrals --------------------------------------------------------------------- */

typedef struct bench_factory bench_factory_t;

/* Builds each agent's referral template of about `size` signed bytes (`ids` must outlive the
 * factory). `run_tag` makes this run's message ids and children its own. 0 or -1 (reported). */
int bench_factory_new(size_t size, uint64_t run_tag, const bench_ids_t *ids, bench_factory_t **out);
void bench_factory_destroy(bench_factory_t **self_p);
/* Signed size of the factory's messages. */
size_t bench_factory_signed_size(const bench_factory_t *self);
/* The SignedMessage of global message `index`, sent and signed by agent `agent`, into `out`
 * (room `cap`, at least bench_factory_signed_size + 16); its length in *len and its message
 * id (index big-endian, then the run tag) in `msg_id`. Thread-safe. Returns 0 or -1. */
int bench_factory_make(const bench_factory_t *self, uint64_t index, int agent, uint8_t *out, size_t cap,
                       size_t *len, uint8_t msg_id[16]);
/* The global index a message id carries when this run made it; -1 otherwise. */
int64_t bench_factory_index_of(const bench_factory_t *self, const uint8_t msg_id[16]);

/* A set of pre-built Request frames: message i (global index base + i) belongs to agent i % K. */
typedef struct {
    uint64_t base;   /* global index of message 0 (also its request_id) */
    size_t n;        /* messages */
    uint8_t *buf;    /* the Request frames, back to back */
    size_t *off;     /* frame i starts at buf + off[i] */
    uint32_t *len;   /* and has len[i] bytes */
} bench_pool_t;

/* Signs and encodes `n` submissions on all cores. Returns 0 or -1 (reported). */
int bench_pool_build(const bench_factory_t *f, uint64_t base, size_t n, bench_pool_t *pool);
void bench_pool_release(bench_pool_t *pool);

/* Appends `n` valid signed referrals straight into the store in STORE_DIR (batches of 10,000,
 * one synced transaction each, map size `map_bytes`) with the case index the broker would
 * have written for them (relais_cases' rules, the store's hub secret), sealed as the broker
 * seals them under `data_key` (a KEK file; NULL: in clear). *per_s: records per second of the
 * store's share (rules, sealing, appends, commits). Returns 0 or -1. */
int bench_prefill(const bench_factory_t *f, const char *store_dir, const char *data_key, uint64_t map_bytes,
                  uint64_t base, uint64_t n, double *per_s);

/* ---- Child processes ------------------------------------------------------------------------ */

/* Every child started here is killed on any exit path (atexit and SIGINT/SIGTERM). */
void bench_children_install(void);
/* fork/exec argv[0] with stdout and stderr to `log_path` (NULL: /dev/null). 0 on failure. */
pid_t bench_spawn(char *const argv[], const char *log_path);
/* bench_spawn with the environment `envp` (NULL: this process's), in folder `cwd` (NULL: this
 * one's) and, when `own_group`, as the leader of a process group of its own that every exit
 * path kills whole: for a launcher script whose server runs as its child. 0 on failure. */
pid_t bench_spawn_in(char *const argv[], char *const envp[], const char *cwd, const char *log_path, int own_group);
/* Waits up to timeout_ms for the child; returns its exit status (128+sig when killed), or
 * -1 when it is still running. */
int bench_wait(pid_t pid, int timeout_ms);
/* SIGTERM, bounded wait, then SIGKILL; returns the exit status. */
int bench_stop(pid_t pid, int timeout_ms);
/* bench_stop for a group leader started with own_group: SIGTERM to the leader, a bounded wait
 * for it to exit, then SIGKILL to whatever is left in its group; reaped. Its exit status. */
int bench_stop_group(pid_t leader, int timeout_ms);
/* Whether something accepts TCP connections on 127.0.0.1:port. */
int bench_port_open(int port);
/* Prints the end of a log on stderr, so that a failed start says why. */
void bench_show_tail(const char *path);

typedef struct {
    pid_t pid;                  /* relaisd */
    int port;                   /* its port on 127.0.0.1 */
    char endpoint[64];          /* tcp://127.0.0.1:PORT */
    char log_path[BENCH_PATH_MAX]; /* its stderr */
} bench_broker_t;

/* The broker's log size now, to read what it logs from here on (0 on failure). */
long bench_broker_log_mark(const bench_broker_t *br);

/* The broker's stage trace (event=stages lines) from log offset `mark` on: each stage's mean
 * microseconds a message, weighted by the lines' messages, in the broker's order (names[]);
 * the number of stages, or 0 when no line was found. */
int bench_broker_stages(const bench_broker_t *br, long mark, char names[][16], double *us);

/* The rebuild of the indexes the broker logged at start (event=index-rebuilt): 0 and its figures,
 * or -1 when it logged none. */
int bench_broker_rebuild(const bench_broker_t *br, uint64_t *records, double *seconds);
/* The broker's synced commits logged since `mark` (`event=commit ... sync_us=`): median and
 * 99th percentile of the commit itself, and of the writer's whole batch (rules, appends,
 * commit), in ms. NANs when none was logged. */
void bench_broker_commit_times(const bench_broker_t *br, long mark, double *sync_p50_ms, double *sync_p99_ms,
                               double *batch_p50_ms, double *batch_p99_ms);

/* Starts relaisd with `data_key` (NULL: --no-encryption) and waits (bounded) for
 * `event=listening` in its log. 0 or -1 (reported). */
int bench_broker_start(const bench_opts_t *o, const bench_ids_t *ids, const char *work_dir, const char *store_dir,
                       const char *data_key, uint64_t map_mib, bench_broker_t *out);
/* CPU seconds (user + system) a process has used so far; NAN when unreadable. */
double bench_proc_cpu_s(pid_t pid);
/* Samples a process's RssAnon every 50 ms in a thread until bench_rss_watch_stop, which
 * returns the peak in MiB (NAN when never read). One watch at a time. */
int bench_rss_watch_start(pid_t pid);
double bench_rss_watch_stop(void);
/* VmHWM, VmRSS and RssAnon of a process in MiB (NAN when unreadable). */
void bench_proc_rss(pid_t pid, double *hwm_mib, double *rss_mib, double *anon_mib);

/* redis-server with appendfsync always, then redis-benchmark XADD of a 1 KiB field; XADD/s or NAN. */
double bench_redis_xadd(const char *work_dir, uint64_t requests, int clients, size_t value_size);

/* ---- The RabbitMQ peer (bench_rabbitmq.c) -------------------------------------------------- */

/* Whether rabbitmq-server (Debian's scripts), erl and epmd are installed. */
int bench_rabbitmq_installed(void);
/* Starts a RabbitMQ node of its own under WORK_DIR/rabbitmq (127.0.0.1, free ports, its data,
 * logs, config and Erlang cookie in that folder), declares a quorum queue, and has o->agents
 * publishers keep o->window persistent messages of `message_bytes` each unconfirmed (publisher
 * confirms) for o->rabbitmq_messages messages or o->rabbitmq_seconds; then stops the node and
 * its epmd, bounded, killed if need be. Fills the measured r->rabbitmq_* and rabbitmq_status
 * (the caller sets message_bytes and in_flight). 0, or -1 when not measured (the reason in
 * r->rabbitmq_status, and logged). */
int bench_rabbitmq_run(const bench_opts_t *o, const char *work_dir, size_t message_bytes, bench_result_t *r);

/* Runs `relais audit verify --store --certs --quiet` (with --data-key `data_key` unless NULL);
 * its wall time in seconds, NAN when it could not run; *exit_status gets its exit status. */
double bench_audit_verify(const char *relais, const char *store_dir, const char *certs_dir, const char *data_key,
                          int *exit_status);

/* ---- Load (bench_load.c) ------------------------------------------------------------------- */

typedef struct bench_load bench_load_t;

/* Connects one DEALER per agent (CURVE client) and checks each with a ping. 0 or -1. */
int bench_load_new(const bench_opts_t *o, const bench_ids_t *ids, const bench_factory_t *f, const char *endpoint,
                   bench_load_t **out);
void bench_load_destroy(bench_load_t **self_p);

/* Subscribes the frozen subscriber (coordinator, large credit, never reads) from the log's
 * current end. 0 or -1. */
int bench_load_freeze_one(bench_load_t *self, const bench_pool_t *probe, size_t probe_i);

/* Throughput phase: every agent keeps `window` submissions in flight until the pool is
 * acknowledged (or `duration` s pass), with `subs` live subscribers. Fills the tp_* results. */
int bench_load_throughput(bench_load_t *self, const bench_pool_t *pool, const bench_pool_t *probe, size_t probe_i,
                          int subs, bench_result_t *r);

/* Latency phase: paced open-loop sends of the pool at `rate` msg/s across the agents, with
 * `subs` live subscribers. Fills ack_p*, feed_p* and lat_*. */
int bench_load_latency(bench_load_t *self, const bench_pool_t *pool, const bench_pool_t *probe, size_t probe_i,
                       int subs, double rate, bench_result_t *r);

/* ---- The likely-duplicate search (bench_matcher.c) ---------------------------------------- */

/* --matcher: fills a store of its own in WORK_DIR/matcher-store (sealed under o->data_key unless
 * --no-encryption; reused when a kept --dir holds a finished fill of the same size) with
 * o->matcher children drawn from French names with a fixed seed, a tenth of them referred a
 * second time written otherwise, each referral through the writer's path; then times
 * relais_cases_batch_duplicates for o->matcher_referrals new referrals (half close variants of
 * children in the store, half new children) in one write batch, aborted. Prints its figures on
 * stdout, progress on stderr. 0 or -1 (reported). */
int bench_matcher_run(const bench_opts_t *o, const char *work_dir);

/* Work on every core: `fn` runs on one thread per core, each given a bench_slice_t of [0, n)
 * (and `ctx`), and sets `failed` when an item of its slice failed. Returns 0 when none did. */
typedef struct {
    void *ctx;       /* what the work reads and fills */
    size_t from, to; /* the slice of this thread */
    int failed;      /* an item of the slice failed */
} bench_slice_t;
int bench_parallel(void *ctx, size_t n, void *(*fn)(void *));

#endif
