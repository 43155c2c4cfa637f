/* sweep.c -- the retention sweep: cases moved from the active base to the archive and erased, the
 * hub's data key rotated after, its retired generations kept for the backup period and destroyed.
 *
 * Runs on the writer thread between batches, so that it is the store's only writer. A case
 * archived has its data key sealed to the data protection officer (and wrapped under the KEK,
 * so that the box dies with the generation in old snapshots), its KEK-wrapped key deleted and
 * its case index forgotten: from then on the hub cannot read it. A case erased loses the box.
 * Each move is a record the hub signs. Destroying a key in LMDB leaves its old bytes in free
 * pages and in snapshots taken before, still opened by the same KEK: so every sweep that moved a
 * case rotates the KEK, and the old generation goes to the backup-key store, destroyed when the
 * backup period ends (docs/privacy.md).
 */
#include "broker_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "relais_stats.h"

#define S_DAY_MS (24LL * 3600 * 1000)
#define S_STATS_KEY_ID UINT64_MAX /* the retired cases' statistics, sealed under a data key of their own */

/* ---- Clocks and paths ------------------------------------------------------------------------ */

int64_t broker_sweep_clock(const relais_broker_t *b)
{
    if (!b->sweep_clock_path)
        return broker_now_ms();
    FILE *f = fopen(b->sweep_clock_path, "r");
    long long ms = 0;
    int ok = f && fscanf(f, "%lld", &ms) == 1 && ms > 0;
    if (f)
        fclose(f);
    if (!ok) {
        broker_log("warn", "sweep-clock", "what=\"unreadable, the wall clock is used\"");
        return broker_now_ms();
    }
    return (int64_t)ms;
}

char *broker_retired_dir(const char *data_key_path, const char *dir)
{
    if (dir)
        return strdup(dir);
    if (!data_key_path)
        return NULL;
    const char *slash = strrchr(data_key_path, '/');
    size_t n = slash ? (size_t)(slash - data_key_path) : 1;
    char *out = malloc(n + sizeof "/retired");
    if (out)
        snprintf(out, n + sizeof "/retired", "%.*s/retired", (int)n, slash ? data_key_path : ".");
    return out;
}

static int s_sync_dir_of(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int ok = fd >= 0 && fsync(fd) == 0;
    if (fd >= 0)
        close(fd);
    return ok ? 0 : relais_status_set(RELAIS_E_IO, "cannot sync the folder of %s: %s", path, strerror(errno));
}

/* ---- The KEK's rotation ------------------------------------------------------------------ */

static void s_next_path(const relais_broker_t *b, char *out, size_t cap)
{
    snprintf(out, cap, "%s.next", b->data_key_path);
}

/* The next generation takes the data key file's place in one rename: the old generation's copy
 * is in the backup-key store already, and a crash leaves one file or the other, never none. */
static int s_promote(const relais_broker_t *b, const char *next)
{
    if (rename(next, b->data_key_path) != 0)
        return relais_status_set(RELAIS_E_IO, "cannot rename %s to %s: %s", next, b->data_key_path, strerror(errno));
    return s_sync_dir_of(b->data_key_path);
}

/* The generation the store's keys are wrapped under (the child secret's, key 0, which moves with
 * every other key in a rotation's one transaction); 0 when it cannot be read. */
static uint32_t s_store_generation(relais_store_t *store)
{
    uint8_t *wrapped = NULL;
    size_t len = 0;
    uint32_t generation = 0;
    if (relais_store_key_get(store, RELAIS_KEY_ID_CHILD_SECRET, &wrapped, &len) == 0)
        generation = relais_wrapped_generation(wrapped, len);
    free(wrapped);
    return generation;
}

static uint32_t s_file_generation(const char *path)
{
    relais_kek_t *kek = NULL;
    uint32_t generation = relais_kek_load(path, &kek) == 0 ? relais_kek_generation(kek) : 0;
    relais_kek_destroy(&kek);
    return generation;
}

int broker_rotation_recover(relais_broker_t *b)
{
    char next[4096];
    s_next_path(b, next, sizeof next);
    if (access(next, F_OK) != 0)
        return 0;
    uint32_t store_gen = s_store_generation(b->store), next_gen = s_file_generation(next);
    if (store_gen == 0)
        return relais_status_set(RELAIS_E_CORRUPT, "%s is left from a rotation, and the store's keys do not say "
                                                   "which generation they are under", next);
    if (next_gen == store_gen) {
        broker_log("warn", "data-key-rotation-finished", "what=\"an interrupted rotation was completed at start\"");
        return s_promote(b, next);
    }
    if (s_file_generation(b->data_key_path) != store_gen)
        return relais_status_set(RELAIS_E_CRYPTO, "neither %s nor %s left by a rotation opens the store's keys "
                                                  "(generation %u)", b->data_key_path, next, store_gen);
    /* The store never moved to it: a rotation stopped before its commit. */
    broker_log("warn", "data-key-rotation-undone", "what=\"an interrupted rotation left the store's keys as they "
                                                   "were; its new generation was removed\"");
    if (next_gen && relais_kek_erase(next) == 0)
        return 0;
    return unlink(next) == 0 ? 0 : relais_status_set(RELAIS_E_IO, "cannot remove %s: %s", next, strerror(errno));
}

/* The current generation's copy goes to the backup-key store, named by its generation and
 * when it was retired (the sweep's clock: the backup period counts from it). */
static int s_retire(relais_broker_t *b, int64_t now, char *path, size_t cap)
{
    if (mkdir(b->retired_dir, 0700) == 0)
        (void)s_sync_dir_of(b->retired_dir);
    else if (errno != EEXIST)
        return relais_status_set(RELAIS_E_IO, "cannot create %s: %s", b->retired_dir, strerror(errno));
    char name[96];
    relais_kek_retired_name(relais_kek_generation(b->kek), now, name, sizeof name);
    snprintf(path, cap, "%s/%s", b->retired_dir, name);
    int rc = relais_kek_save(b->kek, path);
    return rc ? rc : s_sync_dir_of(path);
}

/* A file left at .next by an earlier rotation: the live generation, whose promotion failed
 * (finish it), or a generation the store never moved to (remove it). */
static int s_settle_next(relais_broker_t *b, const char *next)
{
    if (access(next, F_OK) != 0)
        return 0;
    uint32_t generation = s_file_generation(next);
    if (generation == relais_kek_generation(b->kek))
        return s_promote(b, next);
    if (generation && relais_kek_erase(next) == 0)
        return 0;
    return unlink(next) == 0 ? 0 : relais_status_set(RELAIS_E_IO, "cannot remove %s: %s", next, strerror(errno));
}

static int s_rotate(relais_broker_t *b, int64_t now)
{
    char next[4096], retired[4096] = "";
    s_next_path(b, next, sizeof next);
    relais_kek_t *fresh = NULL;
    uint64_t moved = 0;
    int rc = s_settle_next(b, next);
    if (rc == 0)
        rc = relais_kek_create(next, relais_kek_generation(b->kek) + 1);
    if (rc == 0)
        rc = s_sync_dir_of(next); /* the new file's name is on disk before the store depends on it */
    if (rc == 0)
        rc = relais_kek_load(next, &fresh);
    if (rc == 0)
        rc = s_retire(b, now, retired, sizeof retired);
    if (rc == 0)
        rc = relais_keys_rotate(b->store, b->kek, fresh, &moved);
    /* A commit that failed after it reached the disk is a rotation all the same. */
    if (rc != 0 && fresh && s_store_generation(b->store) == relais_kek_generation(fresh))
        rc = 0;
    if (rc != 0) {
        int saved = rc;
        relais_kek_destroy(&fresh);
        if (access(next, F_OK) == 0)
            (void)relais_kek_erase(next);
        return saved;
    }
    /* From here the store's keys are the new generation's: the hub uses it at once. */
    relais_kek_t *old = b->kek;
    relais_keyring_set_kek(b->keyring, fresh);
    b->kek = fresh;
    relais_kek_destroy(&old);
    rc = s_promote(b, next);
    char q[4200];
    broker_log(rc ? "error" : "info", "data-key-rotated", "generation=%u keys=%" PRIu64 " retired=%s%s",
               relais_kek_generation(b->kek), moved, broker_logq(q, sizeof q, retired),
               rc ? " what=\"the new file could not take the old one's place: it is left as .next, and taken at "
                    "the next start or rotation\""
                  : "");
    return rc;
}

/* Destroys the retired generations whose backup period is over. */
static void s_expire_retired(relais_broker_t *b, int64_t now)
{
    DIR *d = opendir(b->retired_dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        uint32_t generation;
        int64_t retired_ms;
        if (relais_kek_retired_parse(e->d_name, &generation, &retired_ms) != 0 ||
            now < retired_ms + (int64_t)b->opts.backup_days * S_DAY_MS)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", b->retired_dir, e->d_name);
        int rc = relais_kek_erase(path);
        char q[256];
        broker_log(rc ? "error" : "info", "retired-key-destroyed", "generation=%u code=%s why=%s", generation,
                   rc ? relais_status_name(rc) : "OK",
                   broker_logq(q, sizeof q, rc ? relais_status_detail() : "its backup period is over"));
    }
    closedir(d);
}

/* ---- The moves --------------------------------------------------------------------------- */

typedef struct {
    char case_id[RELAIS_CASE_ID_LEN];
    relais_lifecycle_t lc;
    relais_cases_move_t move;
    const char *follows;  /* a merged case: the case it moves with */
    uint64_t follows_seq; /* and that case's record of the move */
} s_move_t;

typedef struct {
    const relais_cases_retention_t *retention;  /* a case's */
    const relais_cases_retention_t *reception;  /* an entry of the reception's register's */
    const relais_cases_retention_t *lost;       /* an item of the lost and found's */
    relais_store_t *store;                      /* the items' state, for a kept one's keeping */
    int64_t now;
    s_move_t *moves;
    size_t count, room;
} s_plan_t;

/* An entry of the reception's register ("A-<seq>") or an item of its lost and found ("O-", "P-")
 * rather than a case: its own retention, no case record, no statistics, its entry in its register's
 * index. */
static int s_is_entry(const char *id)
{
    return relais_register_handle_seq(id) != 0;
}

static relais_store_register_t s_register_of(const char *id)
{
    return relais_entry_handle_seq(id) ? RELAIS_STORE_REGISTER_CONTACTS : RELAIS_STORE_REGISTER_LOST;
}

/* The record whose keys an id names: a case's number or an entry's. */
static uint64_t s_owner(const char *id)
{
    return s_is_entry(id) ? relais_register_handle_seq(id) : relais_cases_number(id);
}

static const relais_cases_retention_t *s_retention(const s_plan_t *plan, const char *id)
{
    return !s_is_entry(id) ? plan->retention
           : s_register_of(id) == RELAIS_STORE_REGISTER_CONTACTS ? plan->reception
                                                                 : plan->lost;
}

static unsigned s_days(const relais_broker_t *b, const char *id, int archive)
{
    if (!s_is_entry(id))
        return archive ? b->opts.archive_days : b->opts.active_days;
    if (s_register_of(id) == RELAIS_STORE_REGISTER_CONTACTS)
        return archive ? b->opts.reception_archive_days : b->opts.reception_active_days;
    return archive ? b->opts.lost_archive_days : b->opts.lost_active_days;
}

static int s_plan_case(void *ctx, const char *case_id, const uint8_t *value, size_t len)
{
    s_plan_t *plan = ctx;
    relais_lifecycle_t lc;
    if (relais_lifecycle_decode(value, len, &lc) != 0)
        return relais_status_set(RELAIS_E_CORRUPT, "the lifecycle of %s does not decode", case_id);
    /* A found item still kept is not archived before its keeping ends and its active period after. */
    relais_lifecycle_t clock = lc;
    relais_lost_record_t *item = relais_found_handle_seq(case_id) ? malloc(sizeof *item) : NULL;
    if (item && lc.tier == RELAIS_TIER_ACTIVE && relais_lost_load(plan->store, relais_found_handle_seq(case_id), item) == 0)
        clock.last_event_ms = relais_lost_active_from(item, lc.last_event_ms);
    free(item);
    relais_cases_move_t move = relais_cases_sweep_move(&clock, s_retention(plan, case_id), plan->now, NULL);
    if (move == RELAIS_CASES_MOVE_NONE)
        return 0;
    if (plan->count == plan->room) {
        size_t room = plan->room ? 2 * plan->room : 16;
        s_move_t *grown = realloc(plan->moves, room * sizeof *grown);
        if (!grown)
            return relais_status_set(RELAIS_E_NOMEM, "out of memory planning the sweep");
        plan->moves = grown;
        plan->room = room;
    }
    s_move_t *m = &plan->moves[plan->count++];
    *m = (s_move_t){.move = move};
    snprintf(m->case_id, sizeof m->case_id, "%s", case_id);
    m->lc = lc;
    m->move = move;
    return 0;
}

/* The data protection officer's X25519 key: the CURVE key of the registry's one dpo identity. */
static int s_dpo_key(relais_broker_t *b, uint8_t out[RELAIS_ARCHIVE_PUBLIC_BYTES], char *name, size_t cap)
{
    int found = 0;
    pthread_rwlock_rdlock(&b->registry_lock);
    for (size_t i = 0; i < relais_registry_count(b->registry); i++) {
        const relais_peer_t *p = relais_registry_at(b->registry, i);
        if (p->role != RELAIS_ROLE_DPO)
            continue;
        if (found++ == 0) {
            memcpy(out, p->curve_public, RELAIS_ARCHIVE_PUBLIC_BYTES);
            snprintf(name, cap, "%s", p->name);
        }
    }
    pthread_rwlock_unlock(&b->registry_lock);
    if (found == 1)
        return 0;
    return relais_status_set(RELAIS_E_INVALID, found ? "the registry holds %d identities of role dpo: the archive is "
                                                       "sealed to one"
                                                     : "the registry holds no identity of role dpo%.0d: nothing can be "
                                                       "archived until the data protection officer has one",
                             found);
}

int broker_append_privacy(relais_broker_t *b, relais_store_batch_t *batch, const relais_privacy_view_t *view,
                          int64_t received_ms, uint64_t *seq)
{
    uint8_t msg_id[RELAIS_MSG_ID_BYTES], signature[RELAIS_SIGNATURE_BYTES];
    uint8_t *body = NULL, *signed_message = NULL;
    size_t body_len = 0, signed_len = 0;
    relais_msg_id_stamp(msg_id, received_ms);
    if (RAND_bytes(msg_id + 6, sizeof msg_id - 6) != 1)
        return relais_status_set(RELAIS_E_CRYPTO, "no random bytes for a message id");
    int rc = relais_message_encode_privacy(b->name, msg_id, received_ms, view, &body, &body_len);
    if (rc == 0)
        rc = broker_sign(b, body, body_len, signature);
    if (rc == 0)
        rc = relais_signed_encode(body, body_len, signature, &signed_message, &signed_len);
    relais_store_ack_t ack;
    if (rc == 0)
        rc = relais_store_batch_append(batch,
                                       &(relais_store_entry_t){.signed_message = signed_message,
                                                               .signed_len = signed_len,
                                                               .msg_id = msg_id,
                                                               .received_ms = received_ms},
                                       &ack);
    if (rc == 0 && (ack.status != 0 || ack.duplicate))
        rc = relais_status_set(RELAIS_E_CORRUPT, "the hub's %s record was not appended",
                               relais_privacy_kind_name(view->kind));
    free(body);
    free(signed_message);
    *seq = rc == 0 ? ack.seq : 0;
    return rc;
}

/* Age in whole years on `at_ms` of someone born on an ISO date; -1 when it is no date. */
static int s_age(const char *birth_date, int64_t at_ms)
{
    int y, m, d;
    if (!birth_date || sscanf(birth_date, "%4d-%2d-%2d", &y, &m, &d) != 3)
        return -1;
    time_t t = (time_t)(at_ms / 1000);
    struct tm now;
    if (!gmtime_r(&t, &now))
        return -1;
    int age = now.tm_year + 1900 - y - ((now.tm_mon + 1 < m || (now.tm_mon + 1 == m && now.tm_mday < d)) ? 1 : 0);
    return age < 0 ? -1 : age;
}

int broker_case_profile(relais_broker_t *b, const relais_case_record_t *rec, relais_stats_case_t *out)
{
    *out = (relais_stats_case_t){.opened_ms = rec->summary.opened_ms,
                                 .age_years = -1,
                                 .duration_ms = rec->summary.updated_ms - rec->summary.opened_ms,
                                 .outcome = rec->summary.state};
    if (rec->referral_seq_count == 0)
        return 0;
    uint8_t *record = NULL, *opened = NULL;
    size_t len = 0, opened_len = 0;
    relais_message_t *msg = NULL;
    relais_log_record_t lr;
    relais_signed_t sm;
    int rc = relais_store_get_record(b->store, broker_referral_record(b->store, rec->referral_seqs[0]), &record, &len);
    if (rc == 0)
        rc = relais_log_record_decode(record, len, &lr);
    if (rc == 0)
        rc = relais_keyring_open_record(b->keyring, b->store, &lr, &opened, &opened_len);
    if (rc == 0)
        rc = relais_signed_decode(opened, opened_len, &sm);
    if (rc == 0)
        rc = relais_message_decode_stored(sm.body, sm.body_len, &msg);
    relais_referral_view_t ref;
    if (rc == 0 && relais_message_referral(msg, &ref) == 0) {
        out->source = ref.referrer_role;
        out->domains = ref.domains;
        out->age_years = s_age(ref.birth_date, rec->summary.opened_ms);
    }
    relais_message_destroy(&msg);
    if (opened)
        OPENSSL_cleanse(opened, opened_len);
    free(opened);
    free(record);
    return rc;
}

typedef struct {
    relais_broker_t *b;
    relais_store_batch_t *batch;
    int64_t now;                             /* the sweep's clock */
    int64_t received_ms;                     /* the wall clock: the hub's records' receive time */
    int have_dpo;                            /* dpo_key holds the officer's key */
    uint8_t dpo_key[RELAIS_ARCHIVE_PUBLIC_BYTES];
    relais_stats_t *retired;                 /* the retired cases' statistics, loaded once archiving */
    uint64_t forgotten[64];                  /* cases whose keys the keyring forgets once committed */
    size_t forgotten_count;
} s_sweep_t;

int broker_retired_stats(relais_broker_t *b, relais_store_batch_t *batch, relais_stats_t **out)
{
    uint8_t *stored = NULL, *plain = NULL, key[RELAIS_DATA_KEY_BYTES];
    size_t len = 0;
    int rc = batch ? relais_store_batch_stats_get(batch, &stored, &len) : relais_store_stats_get(b->store, &stored, &len);
    if (rc == RELAIS_E_NOT_FOUND) {
        free(stored);
        return relais_stats_new(out);
    }
    size_t head = RELAIS_SEAL_NONCE_BYTES;
    if (rc == 0 && len < head + RELAIS_SEAL_TAG_BYTES)
        rc = relais_status_set(RELAIS_E_CORRUPT, "the retired cases' statistics are too short");
    if (rc == 0)
        rc = relais_keyring_key(b->keyring, b->store, batch, S_STATS_KEY_ID, key);
    if (rc == 0 && !(plain = malloc(len - head)))
        rc = relais_status_set(RELAIS_E_NOMEM, "out of memory");
    uint8_t ad[RELAIS_RECORD_AD_BYTES];
    relais_record_ad(0, S_STATS_KEY_ID, ad);
    if (rc == 0 && relais_open(key, ad, sizeof ad, stored, stored + head, len - head, plain) != 0)
        rc = relais_status_set(RELAIS_E_CORRUPT, "the retired cases' statistics do not open");
    if (rc == 0)
        rc = relais_stats_decode(plain, len - head - RELAIS_SEAL_TAG_BYTES, out);
    OPENSSL_cleanse(key, sizeof key);
    free(plain);
    free(stored);
    return rc;
}

static int s_stats_load(s_sweep_t *s)
{
    return s->retired ? 0 : broker_retired_stats(s->b, s->batch, &s->retired);
}

/* nonce || AES-256-GCM of the counts under their own data key, like a record at place 0. */
static int s_stats_save(s_sweep_t *s)
{
    if (!s->retired)
        return 0;
    char *json = NULL;
    size_t len = 0;
    uint8_t key[RELAIS_DATA_KEY_BYTES], ad[RELAIS_RECORD_AD_BYTES];
    int rc = relais_keyring_key(s->b->keyring, s->b->store, s->batch, S_STATS_KEY_ID, key);
    if (rc == RELAIS_E_NOT_FOUND)
        rc = relais_keyring_create(s->b->keyring, s->batch, S_STATS_KEY_ID, key);
    if (rc == 0)
        rc = relais_stats_encode(s->retired, &json, &len);
    uint8_t *sealed = rc == 0 ? malloc(RELAIS_SEAL_NONCE_BYTES + len + RELAIS_SEAL_TAG_BYTES) : NULL;
    if (rc == 0 && !sealed)
        rc = relais_status_set(RELAIS_E_NOMEM, "out of memory");
    relais_record_ad(0, S_STATS_KEY_ID, ad);
    if (rc == 0)
        rc = relais_seal(key, ad, sizeof ad, (const uint8_t *)json, len, sealed, sealed + RELAIS_SEAL_NONCE_BYTES);
    if (rc == 0)
        rc = relais_store_batch_stats_put(s->batch, sealed, RELAIS_SEAL_NONCE_BYTES + len + RELAIS_SEAL_TAG_BYTES);
    OPENSSL_cleanse(key, sizeof key);
    free(json);
    free(sealed);
    return rc;
}

static void s_reason(const s_move_t *m, const relais_broker_t *b, char *out, size_t cap)
{
    if (m->follows)
        snprintf(out, cap, "merged into %s, which %s with record %" PRIu64, m->follows,
                 m->move == RELAIS_CASES_MOVE_ARCHIVE ? "left the active base" : "was erased", m->follows_seq);
    else if (m->lc.erasure_requested_seq)
        snprintf(out, cap, "erasure asked by record %" PRIu64, m->lc.erasure_requested_seq);
    else if (m->move == RELAIS_CASES_MOVE_ARCHIVE)
        snprintf(out, cap, "%u days without an event since record %" PRIu64 ": the end of the active period",
                 s_days(b, m->case_id, 0), m->lc.last_event_seq);
    else
        snprintf(out, cap, "%u days in the intermediate archive since record %" PRIu64 ": the end of the archive period",
                 s_days(b, m->case_id, 1), m->lc.archived_seq);
}

/* What an archiving needs, read before anything is written: a case that cannot be read is
 * skipped (S_SKIP, the detail says why) and the others move. */
#define S_SKIP 1

/* The ids of a case's keys: its own, and its referrals' (those a split left it). */
typedef struct {
    uint64_t *ids;
    size_t count, room;
} s_key_ids_t;

static int s_key_id_add(void *ctx, uint64_t key_id, const uint8_t *wrapped, size_t len)
{
    (void)wrapped;
    (void)len;
    s_key_ids_t *k = ctx;
    if (k->count == k->room) {
        size_t room = k->room ? 2 * k->room : 8;
        uint64_t *ids = realloc(k->ids, room * sizeof *ids);
        if (!ids)
            return relais_status_set(RELAIS_E_NOMEM, "out of memory listing a case's keys");
        k->ids = ids;
        k->room = room;
    }
    k->ids[k->count++] = key_id;
    return 0;
}

static int s_case_key_ids(relais_store_t *store, relais_store_batch_t *batch, relais_store_keys_t which,
                          const char *case_id, s_key_ids_t *out)
{
    uint64_t n = s_owner(case_id);
    memset(out, 0, sizeof *out);
    return relais_store_key_range(store, batch, which, relais_key_id_of(n, 0), relais_key_id_of(n, RELAIS_KEY_ID_PART_MAX),
                                  s_key_id_add, out);
}

/* Each key of the case sealed to the officer and wrapped under the KEK (a box each), made before
 * anything is written: a case whose keys cannot be read is skipped. *boxes: the caller frees. */
static int s_seal_boxes(s_sweep_t *s, const s_key_ids_t *ids, uint8_t (**boxes)[RELAIS_WRAPPED_ARCHIVE_BYTES])
{
    relais_broker_t *b = s->b;
    *boxes = calloc(ids->count ? ids->count : 1, sizeof **boxes);
    int rc = *boxes ? 0 : relais_status_set(RELAIS_E_NOMEM, "out of memory archiving a case's keys");
    for (size_t i = 0; rc == 0 && i < ids->count; i++) {
        uint8_t key[RELAIS_DATA_KEY_BYTES], box[RELAIS_ARCHIVED_KEY_BYTES];
        rc = relais_keyring_key(b->keyring, b->store, s->batch, ids->ids[i], key);
        if (rc == 0)
            rc = relais_keys_archive_seal(s->dpo_key, ids->ids[i], key, box);
        OPENSSL_cleanse(key, sizeof key);
        if (rc == 0)
            rc = relais_kek_wrap_archive(b->kek, ids->ids[i], box, (*boxes)[i]);
    }
    return rc;
}

static int s_archive(s_sweep_t *s, s_move_t *m)
{
    relais_broker_t *b = s->b;
    if (!s->have_dpo)
        return RELAIS_E_NOT_FOUND; /* told once, by the caller */
    if (s->forgotten_count == sizeof s->forgotten / sizeof s->forgotten[0])
        return RELAIS_E_UNAVAILABLE; /* the next sweep takes the rest */
    uint8_t *bytes = NULL;
    size_t len = 0;
    relais_case_record_t rec;
    relais_stats_case_t profile;
    s_key_ids_t ids = {0};
    int entry = s_is_entry(m->case_id);
    int rc = entry ? 0 : relais_store_batch_case_get(s->batch, m->case_id, &bytes, &len);
    if (rc == 0 && !entry)
        rc = relais_case_record_decode(bytes, len, &rec);
    free(bytes);
    if (rc == 0 && !entry)
        rc = broker_case_profile(b, &rec, &profile);
    if (rc == 0)
        rc = s_case_key_ids(b->store, s->batch, RELAIS_STORE_KEYS_LIVE, m->case_id, &ids);
    if (rc == 0 && ids.count == 0)
        rc = relais_status_set(RELAIS_E_CORRUPT, "the store holds no data key of %s", m->case_id);
    uint8_t (*boxes)[RELAIS_WRAPPED_ARCHIVE_BYTES] = NULL;
    if (rc == 0)
        rc = s_seal_boxes(s, &ids, &boxes);
    if (rc != 0) {
        free(ids.ids);
        free(boxes);
        return S_SKIP;
    }
    rc = entry ? 0 : s_stats_load(s);
    /* A merged case was the surviving case's child: counted with it, never on its own. */
    if (rc == 0 && !entry && !rec.summary.merged_into[0])
        rc = relais_stats_add(s->retired, &profile);
    /* A case still open leaves its child: the next referral of the child opens a new case. A
     * merged case's child key led to the case it was merged into, which leaves with it. */
    char linked[RELAIS_CASE_ID_MAX];
    if (rc == 0 && !entry && relais_store_batch_child_get(s->batch, rec.child_key, linked) == 0 &&
        (strcmp(linked, m->case_id) == 0 || (m->follows && strcmp(linked, m->follows) == 0)))
        rc = relais_store_batch_child_del(s->batch, rec.child_key);
    /* The boxes in place of the keys themselves. */
    for (size_t i = 0; rc == 0 && i < ids.count; i++) {
        rc = relais_store_batch_archive_put(s->batch, ids.ids[i], boxes[i], sizeof boxes[i]);
        if (rc == 0)
            rc = relais_store_batch_key_del(s->batch, ids.ids[i]);
    }
    free(ids.ids);
    free(boxes);
    if (rc == 0)
        rc = entry ? relais_store_batch_register_forget(s->batch, s_register_of(m->case_id), s_owner(m->case_id))
                   : relais_store_batch_case_forget(s->batch, m->case_id);
    if (rc == 0)
        s->forgotten[s->forgotten_count++] = s_owner(m->case_id);
    return rc;
}

static int s_erase(s_sweep_t *s, s_move_t *m)
{
    s_key_ids_t ids;
    int rc = s_case_key_ids(s->b->store, s->batch, RELAIS_STORE_KEYS_ARCHIVED, m->case_id, &ids);
    if (rc == 0 && ids.count == 0) {
        relais_status_set(RELAIS_E_CORRUPT, "the archive holds no key of %s", m->case_id);
        rc = S_SKIP;
    }
    for (size_t i = 0; rc == 0 && i < ids.count; i++)
        rc = relais_store_batch_archive_del(s->batch, ids.ids[i]);
    free(ids.ids);
    return rc;
}

static int s_move(s_sweep_t *s, s_move_t *m, uint64_t *seq);

/* The cases merged into a case that moved move with it, each with a record of its own. */
static int s_move_merged(s_sweep_t *s, const s_move_t *m, uint64_t seq)
{
    for (size_t i = 0; i < m->lc.merged_count; i++) {
        s_move_t follower = {.move = m->move, .follows = m->case_id, .follows_seq = seq};
        snprintf(follower.case_id, sizeof follower.case_id, "%s", m->lc.merged[i]);
        uint64_t its_seq = 0;
        int rc = relais_cases_batch_lifecycle_get(s->batch, follower.case_id, &follower.lc);
        if (rc == 0)
            rc = s_move(s, &follower, &its_seq);
        if (rc)
            return rc == S_SKIP ? relais_status_set(RELAIS_E_CORRUPT, "%s, merged into %s, cannot move with it: %s",
                                                    follower.case_id, m->case_id, relais_status_detail())
                                : rc;
        broker_log("info", m->move == RELAIS_CASES_MOVE_ARCHIVE ? "archived" : "erased",
                   "case=%s seq=%" PRIu64 " merged-into=%s", follower.case_id, its_seq, m->case_id);
    }
    return 0;
}

/* One move and its record; the lifecycle after it. */
static int s_move(s_sweep_t *s, s_move_t *m, uint64_t *seq)
{
    int rc = m->move == RELAIS_CASES_MOVE_ARCHIVE ? s_archive(s, m) : s_erase(s, m);
    if (rc)
        return rc;
    char reason[200], why[256];
    s_reason(m, s->b, reason, sizeof reason);
    relais_privacy_kind_t kind = m->move == RELAIS_CASES_MOVE_ARCHIVE ? RELAIS_PRIVACY_ARCHIVED : RELAIS_PRIVACY_ERASED;
    relais_privacy_view_t view = {.kind = kind, .case_id = m->case_id, .reason = reason};
    rc = broker_append_privacy(s->b, s->batch, &view, s->received_ms, seq);
    if (rc == 0 && relais_cases_lifecycle_apply(&m->lc, 1, &view, "", *seq, s->received_ms, why, sizeof why) != 0)
        rc = relais_status_set(RELAIS_E_CORRUPT, "the sweep's own move is refused: %s", why);
    if (rc == 0)
        rc = relais_cases_batch_lifecycle_put(s->batch, m->case_id, &m->lc);
    return rc ? rc : s_move_merged(s, m, *seq);
}

/* Applies the plan in one transaction; *moved counts the moves made. */
static int s_apply_plan(s_sweep_t *s, s_plan_t *plan, size_t *moved)
{
    relais_broker_t *b = s->b;
    int rc = relais_store_batch_begin(b->store, &s->batch);
    int told = 0;
    for (size_t i = 0; rc == 0 && i < plan->count; i++) {
        s_move_t *m = &plan->moves[i];
        uint64_t seq = 0;
        int r = s_move(s, m, &seq);
        if (r == RELAIS_E_NOT_FOUND && m->move == RELAIS_CASES_MOVE_ARCHIVE && !s->have_dpo) {
            if (!told++)
                broker_log("error", "sweep-blocked", "what=\"cases are due for the archive, and %s\"",
                           relais_status_detail());
            continue;
        }
        if (r == RELAIS_E_UNAVAILABLE) {
            b->sweep_more = 1;
            break;
        }
        if (r == S_SKIP) {
            char q[256];
            broker_log("error", "sweep-skipped", "case=%s move=%s why=%s", m->case_id,
                       m->move == RELAIS_CASES_MOVE_ARCHIVE ? "archive" : "erase",
                       broker_logq(q, sizeof q, relais_status_detail()));
            continue;
        }
        rc = r;
        if (rc == 0) {
            (*moved)++;
            broker_log("info", m->move == RELAIS_CASES_MOVE_ARCHIVE ? "archived" : "erased", "case=%s seq=%" PRIu64,
                       m->case_id, seq);
        }
    }
    if (rc == 0)
        rc = s_stats_save(s);
    if (rc == 0 && *moved)
        rc = relais_store_batch_rotation_owed(s->batch, 1);
    if (rc == 0 && *moved)
        rc = relais_store_batch_commit(&s->batch);
    else
        relais_store_batch_abort(&s->batch);
    relais_keyring_settle(b->keyring, rc == 0 && *moved);
    if (rc == 0)
        for (size_t i = 0; i < s->forgotten_count; i++)
            relais_keyring_forget(b->keyring, relais_key_id_of(s->forgotten[i], 0),
                                  relais_key_id_of(s->forgotten[i], RELAIS_KEY_ID_PART_MAX));
    return rc;
}

int broker_sweep(relais_broker_t *b, uint64_t *head)
{
    if (!b->keyring)
        return 0; /* a store in clear has nothing sealed to archive */
    relais_cases_retention_t retention = {.active_ms = (int64_t)b->opts.active_days * S_DAY_MS,
                                          .archive_ms = (int64_t)b->opts.archive_days * S_DAY_MS};
    relais_cases_retention_t reception = {.active_ms = (int64_t)b->opts.reception_active_days * S_DAY_MS,
                                          .archive_ms = (int64_t)b->opts.reception_archive_days * S_DAY_MS};
    s_sweep_t s = {.b = b, .now = broker_sweep_clock(b), .received_ms = broker_now_ms()};
    relais_cases_retention_t lost = {.active_ms = (int64_t)b->opts.lost_active_days * S_DAY_MS,
                                     .archive_ms = (int64_t)b->opts.lost_archive_days * S_DAY_MS};
    s_plan_t plan = {.retention = &retention, .reception = &reception, .lost = &lost, .store = b->store, .now = s.now};
    char name[RELAIS_IDENT_NAME_MAX];
    int rc = relais_store_lifecycle_iterate(b->store, s_plan_case, &plan);
    size_t moved = 0;
    if (rc == 0 && plan.count) {
        s.have_dpo = s_dpo_key(b, s.dpo_key, name, sizeof name) == 0;
        rc = s_apply_plan(&s, &plan, &moved);
    }
    relais_stats_destroy(&s.retired);
    free(plan.moves);
    char q[256];
    if (rc != 0)
        broker_log("error", "sweep-failed", "code=%s why=%s", relais_status_name(rc),
                   broker_logq(q, sizeof q, relais_status_detail()));
    /* Whatever a sweep moved must leave no key of it openable by the live hub's KEK: a rotation
     * that failed is owed, and tried again at every sweep until it is done. */
    if (rc == 0 && (moved || b->rotation_owed)) {
        int r = s_rotate(b, s.now);
        b->rotation_owed = r != 0;
        if (r != 0)
            broker_log("error", "data-key-rotation-failed", "code=%s why=%s", relais_status_name(r),
                       broker_logq(q, sizeof q, relais_status_detail()));
    }
    s_expire_retired(b, s.now);
    broker_log("info", "sweep", "moved=%zu due=%zu", moved, plan.count);
    (void)relais_store_head(b->store, head);
    return rc;
}
