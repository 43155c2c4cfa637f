/* broker.c -- the broker's life: load keys, registry, store and hub secret; run; stop; destroy. */
#include "broker_internal.h"

#include <openssl/crypto.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

void relais_broker_options_default(relais_broker_options_t *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->verifiers = 0;
    opts->checkpoint_every = 1000;
    opts->checkpoint_interval_s = 10;
    opts->max_message = 65536;
    opts->max_age_s = 30 * 24 * 3600;
    opts->max_skew_s = 300;
    opts->map_size_mib = 0;
    opts->batch_max = 512;
    opts->triage_hours[0] = 4;
    opts->triage_hours[1] = 24;
    opts->triage_hours[2] = 72;
    opts->work_hours[0] = 9 * 60;
    opts->work_hours[1] = 18 * 60;
    opts->holidays = RELAIS_CASES_HOLIDAYS_FR;
    opts->max_subscribers = 1024;
    opts->queue_hwm = 10000;
    opts->store_reserve_kib = RELAIS_BROKER_RESERVE_DEFAULT;
    opts->brake_bad_signatures = 16;
    opts->handshake_timeout_ms = 5000;
    opts->active_days = RELAIS_CASES_ACTIVE_DAYS_DEFAULT;
    opts->archive_days = RELAIS_CASES_ARCHIVE_DAYS_DEFAULT;
    opts->reception_active_days = RELAIS_RECEPTION_ACTIVE_DAYS_DEFAULT;
    opts->reception_archive_days = RELAIS_RECEPTION_ARCHIVE_DAYS_DEFAULT;
    opts->lost_active_days = RELAIS_LOST_ACTIVE_DAYS_DEFAULT;
    opts->lost_archive_days = RELAIS_LOST_ARCHIVE_DAYS_DEFAULT;
    opts->backup_days = 30;
    opts->sweep_interval_s = 86400;
    opts->index_settle_ms = 1000;
    opts->reference_days = 400;
    relais_validation_limits_default(&opts->limits);
}

/* ---- Start-up ------------------------------------------------------------------------- */

/* Prefixes the detail the failing module left (copied first: it is the buffer we rewrite). */
static int s_fail(int rc, const char *what, const char *path)
{
    char detail[512];
    const char *d = relais_status_detail();
    snprintf(detail, sizeof detail, "%s", d && d[0] ? d : relais_strerror(rc));
    return relais_status_set(rc, "cannot %s %s: %s", what, path, detail);
}

static int s_copy_options(relais_broker_t *b, const relais_broker_options_t *opts)
{
    if (!opts->endpoint || !opts->store_dir || !opts->certs_dir || !opts->key_path)
        return relais_status_set(RELAIS_E_INVALID, "--endpoint, --store, --certs and --key are all required");
    if (opts->checkpoint_every == 0 || opts->checkpoint_interval_s <= 0 || opts->max_message < 64 ||
        opts->max_age_s <= 0 || opts->max_skew_s < 0 || opts->batch_max == 0 || opts->max_subscribers == 0 ||
        opts->queue_hwm <= 0 || opts->verifiers < 0 || opts->handshake_timeout_ms < 100 || opts->work_hours[0] >= opts->work_hours[1] ||
        opts->work_hours[1] > 24 * 60 || opts->active_days == 0 || opts->archive_days == 0 ||
        opts->reception_active_days == 0 || opts->reception_archive_days == 0 || opts->lost_active_days == 0 ||
        opts->lost_archive_days == 0 ||
        opts->sweep_interval_s == 0 || opts->index_settle_ms == 0 ||
        opts->limits.child_age_min < 0 || opts->limits.child_age_max < opts->limits.child_age_min ||
        (opts->holidays != RELAIS_CASES_HOLIDAYS_NONE && opts->holidays != RELAIS_CASES_HOLIDAYS_FR))
        return relais_status_set(RELAIS_E_INVALID, "an option is out of range (see --help)");
    b->opts = *opts;
    b->opts.limits.skew_ms = b->opts.max_skew_s * 1000; /* one clock skew for the header and the content */
    relais_cases_policy_default(&b->policy);
    memcpy(b->policy.hours, opts->triage_hours, sizeof b->policy.hours);
    b->policy.work_start_min = opts->work_hours[0];
    b->policy.work_end_min = opts->work_hours[1];
    b->policy.holidays = (relais_cases_holidays_t)opts->holidays;
    b->endpoint = strdup(opts->endpoint);
    b->store_dir = strdup(opts->store_dir);
    b->certs_dir = strdup(opts->certs_dir);
    b->key_path = strdup(opts->key_path);
    b->data_key_path = opts->data_key_path ? strdup(opts->data_key_path) : NULL;
    b->sweep_clock_path = opts->sweep_clock_path ? strdup(opts->sweep_clock_path) : NULL;
    b->retired_dir = broker_retired_dir(opts->data_key_path, opts->retired_keys_dir);
    if (!b->endpoint || !b->store_dir || !b->certs_dir || !b->key_path || (opts->data_key_path && !b->data_key_path) ||
        (opts->sweep_clock_path && !b->sweep_clock_path) || (opts->data_key_path && !b->retired_dir))
        return relais_status_set(RELAIS_E_NOMEM, "out of memory");
    b->opts.sweep_clock_path = b->sweep_clock_path;
    b->opts.retired_keys_dir = b->retired_dir;
    b->opts.data_key_path = b->data_key_path;
    b->opts.endpoint = b->endpoint;
    b->opts.store_dir = b->store_dir;
    b->opts.certs_dir = b->certs_dir;
    b->opts.key_path = b->key_path;
    b->opts.origin = NULL;
    if (b->opts.verifiers == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        b->opts.verifiers = cores > 0 ? (int)cores : 1;
    }
    return 0;
}

static int s_load_identity(relais_broker_t *b)
{
    int rc = relais_identity_load(b->key_path, &b->identity);
    if (rc != 0)
        return s_fail(rc, "load the broker key", b->key_path);
    const relais_peer_t *me = relais_identity_peer(b->identity);
    snprintf(b->name, sizeof b->name, "%s", me->name);
    /* A partner's key would sign checkpoints and access records no auditor takes for the
     * hub's, and agents pin the hub's certificate: the mistake is caught now, not by them. */
    if (me->role != RELAIS_ROLE_BROKER)
        return relais_status_set(RELAIS_E_INVALID,
                                 "the key %s is the identity %s, of role %s: relaisd runs with the hub's own key, of "
                                 "role broker (relais keygen NAME --role broker)",
                                 b->key_path, b->name, relais_role_name(me->role) ? relais_role_name(me->role) : "none");
    return 0;
}

static int s_load_registry(relais_broker_t *b)
{
    int rc = relais_registry_load(b->certs_dir, &b->registry);
    if (rc != 0)
        return s_fail(rc, "load the registry", b->certs_dir);
    if (!relais_registry_by_name(b->registry, b->name))
        broker_log("warn", "config", "what=\"the broker's own certificate is not in the registry; auditors "
                                     "cannot check its checkpoints and access records\" name=%s", b->name);
    return 0;
}

static int s_open_store(relais_broker_t *b)
{
    if (mkdir(b->store_dir, 0700) != 0 && errno != EEXIST)
        return relais_status_set(RELAIS_E_IO, "cannot create the store directory %s: %s", b->store_dir,
                                 strerror(errno));
    int lrc = relais_store_lock_writer(b->store_dir, "relaisd", &b->store_lock);
    if (lrc != 0)
        return lrc;
    relais_store_options_t so = {.map_size = b->opts.map_size_mib * 1024ull * 1024ull, .read_only = 0};
    int rc = relais_store_open(b->store_dir, &so, &b->store);
    if (rc != 0)
        return s_fail(rc, "open the store", b->store_dir);
    /* The room kept for the broker's own records (writer.c): by default 2% of the map, at
     * least 1 MiB, at most half of it. */
    relais_store_stat_t st;
    rc = relais_store_stat(b->store, &st);
    if (rc != 0)
        return s_fail(rc, "read the statistics of the store", b->store_dir);
    const uint64_t mib = 1024ull * 1024ull;
    if (b->opts.store_reserve_kib == RELAIS_BROKER_RESERVE_DEFAULT) {
        b->store_reserve = st.map_size / 50 > mib ? st.map_size / 50 : mib;
        if (b->store_reserve > st.map_size / 2)
            b->store_reserve = st.map_size / 2;
    } else if (b->opts.store_reserve_kib >= st.map_size / 1024) {
        return relais_status_set(RELAIS_E_INVALID, "--store-reserve %llu KiB leaves nothing of the %llu KiB map",
                                 (unsigned long long)b->opts.store_reserve_kib,
                                 (unsigned long long)(st.map_size / 1024));
    } else {
        b->store_reserve = b->opts.store_reserve_kib * 1024;
    }
    return 0;
}

/* Signs a throw-away checkpoint so that a bad origin fails at start, not at the first commit. */
static int s_check_origin(relais_broker_t *b, const char *origin)
{
    if (origin)
        snprintf(b->origin, sizeof b->origin, "%s", origin);
    else
        snprintf(b->origin, sizeof b->origin, "relais/%s", b->name);
    relais_checkpoint_t cp;
    memset(&cp, 0, sizeof cp);
    snprintf(cp.origin, sizeof cp.origin, "%s", b->origin);
    char note[RELAIS_CHECKPOINT_MAX];
    int rc = relais_checkpoint_sign(&cp, b->name, relais_identity_sign_seed(b->identity), note, sizeof note);
    if (rc != 0)
        return relais_status_set(rc, "cannot sign checkpoints with origin \"%s\" and key name %s", b->origin,
                                 b->name);
    return 0;
}

static int s_make_wake_pipe(relais_broker_t *b)
{
    if (pipe(b->wake_pipe) != 0)
        return relais_status_set(RELAIS_E_IO, "pipe: %s", strerror(errno));
    for (int i = 0; i < 2; i++) {
        fcntl(b->wake_pipe[i], F_SETFL, fcntl(b->wake_pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(b->wake_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    return 0;
}

/* The hub secret of the child keys, and for a sealed store the data keys. A store is sealed or
 * in clear for its whole life: in clear its secret is a file beside it, sealed it is a key in
 * it, wrapped under the data key. */
static int s_open_secrets(relais_broker_t *b)
{
    uint64_t head = 0;
    int created = 0, rc = relais_store_head(b->store, &head);
    if (rc != 0)
        return rc;
    char clear_secret[4096];
    snprintf(clear_secret, sizeof clear_secret, "%s/%s", b->store_dir, RELAIS_CASES_SECRET_FILE);
    int in_clear = access(clear_secret, F_OK) == 0;
    if (!b->data_key_path) {
        uint8_t *wrapped = NULL;
        size_t wrapped_len = 0;
        if (!in_clear && relais_store_key_get(b->store, RELAIS_KEY_ID_CHILD_SECRET, &wrapped, &wrapped_len) == 0) {
            free(wrapped);
            return relais_status_set(RELAIS_E_INVALID, "the store %s is sealed: start relaisd with its --data-key, "
                                                       "not --no-encryption",
                                     b->store_dir);
        }
        rc = relais_cases_secret_load(b->store_dir, head == 0, b->hub_secret, &created);
    } else if (in_clear) {
        return relais_status_set(RELAIS_E_INVALID, "the store %s was made in clear (--no-encryption): it cannot "
                                                   "be sealed afterwards; start relaisd with --no-encryption, or on "
                                                   "a new store",
                                 b->store_dir);
    } else {
        rc = broker_rotation_recover(b);
        if (rc == 0)
            rc = relais_kek_load(b->data_key_path, &b->kek);
        if (rc == 0)
            rc = relais_keyring_new(b->kek, &b->keyring);
        /* A key destroyed before the hub stopped, and no rotation since: the first sweep rotates. */
        if (rc == 0)
            rc = relais_store_rotation_owed(b->store, &b->rotation_owed);
        if (rc == 0)
            rc = relais_cases_secret_load_sealed(b->store, b->keyring, head == 0, b->hub_secret, &created);
        if (rc == RELAIS_E_NOT_FOUND)
            return relais_status_set(RELAIS_E_INVALID, "the store %s holds no data key: it was not made with one",
                                     b->store_dir);
        if (rc == RELAIS_E_CRYPTO)
            return relais_status_set(RELAIS_E_CRYPTO, "the data key %s does not open this store's keys: %s",
                                     b->data_key_path, relais_status_detail());
        if (rc == 0)
            relais_cases_seal_store(b->store, b->keyring);
    }
    if (rc != 0)
        return rc;
    if (created)
        broker_log("info", "hub-secret-created", "dir=%s sealed=%d", b->store_dir, b->keyring != NULL);
    if (b->keyring)
        broker_log("info", "data-key", "generation=%u", relais_kek_generation(b->kek));
    else
        broker_log("warn", "config",
                   "what=\"--no-encryption: the store keeps everything in clear (benchmarks only)\"");
    return 0;
}

typedef struct {
    int64_t started_us, told_us;
    uint64_t from;
} s_rebuild_t;

static void s_rebuild_progress(void *ctx, uint64_t applied, uint64_t head)
{
    s_rebuild_t *r = ctx;
    int64_t now = broker_monotonic_us();
    if (applied < head && now - r->told_us < 2000000)
        return;
    r->told_us = now;
    broker_log("info", "index-rebuild-progress", "applied=%llu head=%llu percent=%.1f", (unsigned long long)applied,
               (unsigned long long)head, head ? 100.0 * (double)applied / (double)head : 100.0);
}

/* The reception's register is derived from the log with the cases. */
static const relais_cases_other_t s_register = {relais_reception_fold, relais_reception_fold_gone};

int broker_index_catch_up(relais_broker_t *b, const char *when)
{
    relais_store_index_t index;
    uint64_t head = 0;
    int rc = relais_store_index_state(b->store, &index);
    if (rc == 0)
        rc = relais_store_head(b->store, &head);
    if (rc != 0 || index.applied == head)
        return rc;
    char q[300];
    broker_log("info", "index-rebuild", "when=%s applied=%llu head=%llu why=%s", when,
               (unsigned long long)index.applied, (unsigned long long)head, broker_logq(q, sizeof q, index.why));
    s_rebuild_t r = {.started_us = broker_monotonic_us(), .from = index.applied};
    r.told_us = r.started_us;
    rc = relais_cases_index_catch_up(b->store, b->keyring, b->hub_secret, 0, &s_register, s_rebuild_progress, &r);
    double s = (double)(broker_monotonic_us() - r.started_us) / 1e6;
    if (rc != 0) {
        broker_log("error", "index-rebuild-failed", "code=%s why=%s", relais_status_name(rc),
                   broker_logq(q, sizeof q, relais_status_detail()));
        return relais_status_set(rc, "the store's indexes cannot be rebuilt from its log: %s", relais_status_detail());
    }
    broker_log("info", "index-rebuilt", "records=%llu seconds=%.3f per_s=%.0f", (unsigned long long)(head - r.from), s,
               s > 0 ? (double)(head - r.from) / s : 0.0);
    return 0;
}

int broker_record_opened(relais_broker_t *b, const uint8_t *record, size_t len, uint8_t **out, size_t *out_len,
                         relais_hash_t leaf)
{
    relais_log_record_t rec;
    if (leaf)
        relais_merkle_leaf_hash(record, len, leaf);
    if (relais_log_record_decode(record, len, &rec) != 0)
        return relais_status_set(RELAIS_E_CORRUPT, "a stored record does not decode");
    if (!rec.key_id) {
        *out = malloc(len ? len : 1);
        if (!*out)
            return RELAIS_E_NOMEM;
        memcpy(*out, record, len);
        *out_len = len;
        return 0;
    }
    if (!b->keyring)
        return relais_status_set(RELAIS_E_CRYPTO, "record %llu is sealed and this hub has no data key",
                                 (unsigned long long)rec.seq);
    /* The record in clear is encoded around the ciphertext, which is as long as the message,
     * and the message is then opened over it: one buffer, no copy of the message in clear. */
    size_t plain_len = relais_log_record_opened_len(&rec);
    relais_log_record_t opened = {.seq = rec.seq, .received_ms = rec.received_ms, .signed_message = rec.sealed,
                                  .signed_len = plain_len, .copy_of = rec.copy_of}, placed;
    size_t cap = relais_log_record_max_size(plain_len);
    *out = plain_len ? malloc(cap) : NULL;
    int rc = *out ? relais_log_record_encode(&opened, *out, cap, out_len)
                  : relais_status_set(plain_len ? RELAIS_E_NOMEM : RELAIS_E_CORRUPT, "record %llu cannot be opened",
                                      (unsigned long long)rec.seq);
    if (rc == 0)
        rc = relais_log_record_decode(*out, *out_len, &placed);
    if (rc == 0)
        rc = relais_keyring_open_record_to(b->keyring, b->store, &rec, *out + (placed.signed_message - *out));
    if (rc != 0) {
        if (*out)
            OPENSSL_cleanse(*out, cap);
        free(*out);
        *out = NULL;
    }
    return rc;
}

int relais_broker_new(const relais_broker_options_t *opts, relais_broker_t **out)
{
    if (!opts || !out)
        return relais_status_set(RELAIS_E_INVALID, "no options");
    relais_broker_t *b = calloc(1, sizeof *b);
    if (!b)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory");
    b->wake_pipe[0] = b->wake_pipe[1] = -1;
    b->store_lock = -1;
    atomic_init(&b->registry_gen, 1); /* 0 in an envelope: never authorised */
    pthread_rwlock_init(&b->registry_lock, NULL);
    pthread_mutex_init(&b->sign_lock, NULL);
    broker_metrics_init(&b->metrics);
    int rc = s_copy_options(b, opts);
    if (rc == 0)
        rc = broker_metrics_bind(b);
    if (rc == 0)
        rc = s_load_identity(b);
    if (rc == 0)
        rc = s_check_origin(b, opts->origin);
    if (rc == 0)
        rc = s_load_registry(b);
    if (rc == 0)
        rc = s_open_store(b);
    if (rc == 0)
        rc = s_open_secrets(b);
    if (rc == 0)
        rc = broker_witnesses_new(b);
    if (rc == 0)
        rc = broker_index_catch_up(b, "start");
    if (rc == 0)
        rc = s_make_wake_pipe(b);
    if (rc != 0) {
        relais_broker_destroy(&b);
        return rc;
    }
    *out = b;
    return 0;
}

/* ---- Running ---------------------------------------------------------------------------- */

/* Every connection is a descriptor, those that never complete a handshake too: the hub takes
 * all the system allows it (the hard limit; its systemd unit sets it) and says how many. */
static void s_raise_descriptors(void)
{
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0)
        return;
    rlim_t was = lim.rlim_cur;
    if (lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &lim) != 0)
            lim.rlim_cur = was;
    }
    broker_log(lim.rlim_cur < 4096 ? "warn" : "info", "limits", "nofile=%llu was=%llu",
               (unsigned long long)lim.rlim_cur, (unsigned long long)was);
}

int relais_broker_run(relais_broker_t *self)
{
    if (!self || atomic_exchange(&self->running, 1))
        return relais_status_set(RELAIS_E_INVALID, "the broker runs once");
    s_raise_descriptors();
    self->ctx = zmq_ctx_new();
    if (!self->ctx)
        return relais_status_set(RELAIS_E_NOMEM, "zmq_ctx_new: %s", zmq_strerror(errno));
    /* Every thread started from here (ours and libzmq's) inherits a mask without the stop
     * and reload signals, so that only the intake thread is interrupted by them. */
    sigset_t signals, saved;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, &saved);
    int rc = broker_metrics_start(self);
    if (rc == 0)
        rc = broker_zap_start(self);
    if (rc == 0)
        rc = broker_writer_start(self);
    if (rc == 0 && (rc = broker_verifiers_start(self)) != 0) {
        /* The writer waits for work that will not come: tell it to leave. */
        atomic_store(&self->writer_drain, 1);
        broker_writer_join(self);
    }
    /* A witness that fails to start costs the cosignatures, not the hub: logged, the log goes on. */
    if (rc == 0 && broker_witnesses_start(self) != 0)
        broker_log("error", "witnesses-not-started", "why=\"%s\"", relais_status_detail());
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    if (rc != 0)
        goto out_zap;
    /* From here the intake loop owns the shutdown of the verifiers and the writer. */
    rc = broker_intake_run(self);
    broker_witnesses_stop(self);
out_zap:
    broker_zap_stop(self);
    broker_metrics_stop(self);
    zmq_ctx_term(self->ctx);
    self->ctx = NULL;
    return rc;
}

void relais_broker_stop(relais_broker_t *self)
{
    if (!self)
        return;
    atomic_store(&self->stop_requested, 1);
    if (self->wake_pipe[1] >= 0) {
        ssize_t w = write(self->wake_pipe[1], "s", 1);
        (void)w;
    }
}

void relais_broker_reload(relais_broker_t *self)
{
    if (!self)
        return;
    atomic_store(&self->reload_requested, 1);
    if (self->wake_pipe[1] >= 0) {
        ssize_t w = write(self->wake_pipe[1], "r", 1);
        (void)w;
    }
}

void relais_broker_destroy(relais_broker_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    relais_broker_t *b = *self_p;
    broker_metrics_stop(b); /* before the store and the registry it reads */
    broker_witnesses_destroy(b);
    relais_store_destroy(&b->store);
    relais_keyring_destroy(&b->keyring);
    relais_kek_destroy(&b->kek);
    free(b->data_key_path);
    free(b->sweep_clock_path);
    free(b->retired_dir);
    if (b->store_lock >= 0)
        close(b->store_lock); /* the lock goes with it, after the store is closed */
    relais_registry_destroy(&b->registry);
    relais_identity_destroy(&b->identity);
    for (int i = 0; i < 2; i++)
        if (b->wake_pipe[i] >= 0)
            close(b->wake_pipe[i]);
    pthread_rwlock_destroy(&b->registry_lock);
    pthread_mutex_destroy(&b->sign_lock);
    free(b->verifier_threads);
    free(b->endpoint);
    free(b->store_dir);
    free(b->certs_dir);
    free(b->key_path);
    memset(b->hub_secret, 0, sizeof b->hub_secret);
    free(b);
    *self_p = NULL;
}

/* ---- Registry and signing key, shared by threads ---------------------------------------- */

int broker_peer_by_name(relais_broker_t *b, const char *name, relais_peer_t *out)
{
    pthread_rwlock_rdlock(&b->registry_lock);
    const relais_peer_t *p = relais_registry_by_name(b->registry, name);
    if (p)
        *out = *p;
    pthread_rwlock_unlock(&b->registry_lock);
    return p ? 0 : RELAIS_E_UNKNOWN_SENDER;
}

int broker_peer_by_curve(relais_broker_t *b, const uint8_t key[32], relais_peer_t *out)
{
    pthread_rwlock_rdlock(&b->registry_lock);
    const relais_peer_t *p = relais_registry_by_curve(b->registry, key);
    if (p)
        *out = *p;
    pthread_rwlock_unlock(&b->registry_lock);
    return p ? 0 : RELAIS_E_UNKNOWN_SENDER;
}

int broker_peer_authorise(relais_broker_t *b, const char *user, const uint8_t key[32], relais_peer_t *out,
                          unsigned *gen)
{
    pthread_rwlock_rdlock(&b->registry_lock);
    const relais_peer_t *p = relais_registry_by_curve(b->registry, key);
    int ok = p && strcmp(p->name, user) == 0;
    if (ok && out)
        *out = *p;
    if (gen)
        *gen = atomic_load(&b->registry_gen);
    pthread_rwlock_unlock(&b->registry_lock);
    return ok ? 0 : RELAIS_E_UNKNOWN_SENDER;
}

int broker_peer_trusted(relais_broker_t *b, const char *user, const uint8_t key[32], unsigned *gen)
{
    if (*gen == atomic_load(&b->registry_gen))
        return 1;
    return broker_peer_authorise(b, user, key, NULL, gen) == 0;
}

int broker_registry_reload(relais_broker_t *b)
{
    relais_registry_t *fresh = NULL;
    int rc = relais_registry_load(b->certs_dir, &fresh);
    if (rc != 0) {
        char q[512];
        broker_log("error", "registry-reload-failed", "code=%s dir=%s why=%s kept=old", relais_status_name(rc),
                   b->certs_dir, broker_logq(q, sizeof q, relais_status_detail()));
        return rc;
    }
    pthread_rwlock_wrlock(&b->registry_lock);
    relais_registry_t *old = b->registry;
    b->registry = fresh;
    atomic_fetch_add(&b->registry_gen, 1);
    pthread_rwlock_unlock(&b->registry_lock);
    relais_registry_destroy(&old);
    broker_log("info", "registry-reloaded", "dir=%s peers=%zu", b->certs_dir, relais_registry_count(fresh));
    return 0;
}

int broker_sign(relais_broker_t *b, const uint8_t *body, size_t len, uint8_t signature[64])
{
    pthread_mutex_lock(&b->sign_lock);
    int rc = relais_identity_sign(b->identity, body, len, signature);
    pthread_mutex_unlock(&b->sign_lock);
    return rc;
}

