/* store_envs.c -- the store's two environments: the log, synced at every commit, and the indexes
 * derived from it, synced lazily; the marker in the log that says when the indexes can be trusted.
 *
 * A lazily synced LMDB environment survives a process crash (the page cache keeps its pages) but
 * not a power loss: its meta page can reach the disk before the pages it points to, and LMDB
 * reuses the pages of the last synced state two commits later. LMDB does not notice either. So
 * the indexes are trusted at open only in the one state known to be whole: synced, with nothing
 * committed since, which the log's marker records (in a synced commit) and the next batch's log
 * commit withdraws before that batch touches the indexes. In any other state they are made anew
 * and rebuilt from the log by their owner.
 */
#include "relais_store.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "relais_proto.h"
#include "store_internal.h"

#define S_MARKER_SIZE (1 + STORE_INDEX_ID_SIZE + 8 + 8)

static const char s_marker_key[] = "index", s_id_key[] = "id", s_applied_key[] = "applied";

typedef struct {
    int clean;                        /* the indexes were synced and nothing was committed since */
    uint8_t id[STORE_INDEX_ID_SIZE];  /* the index environment's id */
    uint64_t txnid;                   /* its last transaction when it was synced */
    uint64_t applied;                 /* the log size it reflected */
} s_marker_t;

int store_env_open(MDB_env **env, const char *path, unsigned flags, uint64_t map_size)
{
    int rc = mdb_env_create(env);
    if (rc)
        return rc;
    rc = mdb_env_set_maxdbs(*env, STORE_DB_COUNT);
    if (!rc)
        rc = mdb_env_set_mapsize(*env, map_size ? map_size : (4ULL << 30));
    if (!rc)
        rc = mdb_env_open(*env, path, MDB_NOTLS | flags, 0600);
    if (rc) {
        mdb_env_close(*env);
        *env = NULL;
    }
    return rc;
}

/* ---- The marker ------------------------------------------------------------------------------ */

static void s_marker_encode(const s_marker_t *m, uint8_t out[S_MARKER_SIZE])
{
    out[0] = (uint8_t)m->clean;
    memcpy(out + 1, m->id, STORE_INDEX_ID_SIZE);
    store_put_u64(out + 1 + STORE_INDEX_ID_SIZE, m->txnid);
    store_put_u64(out + 1 + STORE_INDEX_ID_SIZE + 8, m->applied);
}

/* 0, RELAIS_E_NOT_FOUND (no marker: a store whose indexes were never settled), or an error. */
static int s_marker_read(MDB_txn *txn, MDB_dbi meta, s_marker_t *m)
{
    MDB_val v;
    int rc = store_get(txn, meta, s_marker_key, sizeof s_marker_key - 1, &v);
    if (rc)
        return rc;
    if (v.mv_size != S_MARKER_SIZE)
        return store_corrupt("the index marker has a wrong size");
    const uint8_t *p = v.mv_data;
    m->clean = p[0] == 1;
    memcpy(m->id, p + 1, STORE_INDEX_ID_SIZE);
    m->txnid = store_get_u64(p + 1 + STORE_INDEX_ID_SIZE);
    m->applied = store_get_u64(p + 1 + STORE_INDEX_ID_SIZE + 8);
    return 0;
}

static int s_marker_put(MDB_txn *txn, MDB_dbi meta, const s_marker_t *m)
{
    uint8_t bytes[S_MARKER_SIZE];
    s_marker_encode(m, bytes);
    MDB_val k = store_val(s_marker_key, sizeof s_marker_key - 1), v = store_val(bytes, sizeof bytes);
    int rc = mdb_put(txn, meta, &k, &v, 0);
    return rc ? store_lmdb_status(rc, "write the index marker") : 0;
}

/* Writes the marker in a synced commit of its own on the log's environment `env`. */
static int s_marker_commit(MDB_env *env, MDB_dbi meta, const s_marker_t *m)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(env, NULL, 0, &txn);
    if (rc)
        return store_lmdb_status(rc, "begin a write transaction");
    rc = s_marker_put(txn, meta, m);
    if (rc) {
        mdb_txn_abort(txn);
        return rc;
    }
    rc = mdb_txn_commit(txn);
    return rc ? store_lmdb_status(rc, "commit the index marker") : 0;
}

/* ---- The index environment ------------------------------------------------------------------- */

static int s_index_path(const char *dir, const char *file, char *out, size_t cap)
{
    if ((size_t)snprintf(out, cap, "%s/index%s%s", dir, file ? "/" : "", file ? file : "") >= cap)
        return relais_status_set(RELAIS_E_IO, "path too long: %s", dir);
    return 0;
}

/* Opens the index databases in `txn` (creating them when `flags` says so) and reads the id and
 * the applied size; a missing database or value is RELAIS_E_NOT_FOUND. */
static int s_index_layout(relais_store_t *self, MDB_txn *txn, unsigned flags, uint8_t id[STORE_INDEX_ID_SIZE],
                          uint64_t *applied)
{
    for (int i = STORE_DB_FIRST_INDEX; i < STORE_DB_COUNT; i++) {
        int rc = mdb_dbi_open(txn, store_db_names[i], flags, &self->dbi[i]);
        if (rc == MDB_NOTFOUND)
            return RELAIS_E_NOT_FOUND;
        if (rc)
            return store_lmdb_status(rc, "open an index database");
    }
    if (!id)
        return 0;
    MDB_val v;
    int rc = store_get(txn, self->dbi[STORE_DB_IMETA], s_id_key, sizeof s_id_key - 1, &v);
    if (rc == 0 && v.mv_size != STORE_INDEX_ID_SIZE)
        rc = RELAIS_E_NOT_FOUND;
    if (rc)
        return rc;
    memcpy(id, v.mv_data, STORE_INDEX_ID_SIZE);
    rc = store_get(txn, self->dbi[STORE_DB_IMETA], s_applied_key, sizeof s_applied_key - 1, &v);
    if (rc == 0 && v.mv_size != 8)
        rc = RELAIS_E_NOT_FOUND;
    if (rc == 0)
        *applied = store_get_u64(v.mv_data);
    return rc;
}

/* Whether the index environment's file holds every page its meta page counts: a truncated file
 * would fault (SIGBUS) at the first read of a page beyond its end. Reads nothing but the meta. */
static int s_index_whole(relais_store_t *self, uint64_t *txnid)
{
    char path[4096];
    MDB_envinfo info;
    MDB_stat st;
    struct stat file;
    if (s_index_path(self->dir, "data.mdb", path, sizeof path) != 0 || mdb_env_info(self->ienv, &info) != 0 ||
        mdb_env_stat(self->ienv, &st) != 0 || stat(path, &file) != 0)
        return 0;
    *txnid = info.me_last_txnid;
    return (uint64_t)file.st_size >= ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
}

static void s_untrusted(relais_store_t *self, const char *why)
{
    self->index.trusted = 0;
    self->index.applied = 0;
    snprintf(self->index.why, sizeof self->index.why, "%s", why);
}

/* Checks the opened index environment against the marker: 1 when it is the environment the
 * marker names, as it was synced, reflecting `head`; else 0 with the reason in self->index. */
static int s_index_matches(relais_store_t *self, const s_marker_t *m, uint64_t head)
{
    uint64_t txnid = 0, applied = 0;
    uint8_t id[STORE_INDEX_ID_SIZE];
    if (!s_index_whole(self, &txnid)) {
        s_untrusted(self, "the index file is shorter than its pages (truncated)");
        return 0;
    }
    if (txnid != m->txnid) {
        s_untrusted(self, "the index is not the one the log marked clean (written since, or torn)");
        return 0;
    }
    MDB_txn *txn;
    if (mdb_txn_begin(self->ienv, NULL, self->read_only ? MDB_RDONLY : 0, &txn) != 0) {
        s_untrusted(self, "the index cannot be read");
        return 0;
    }
    int rc = s_index_layout(self, txn, 0, id, &applied);
    /* Committing keeps the database handles for the environment. */
    rc = rc == 0 ? mdb_txn_commit(txn) : (mdb_txn_abort(txn), rc);
    if (rc != 0)
        s_untrusted(self, "the index lacks a database or its id");
    else if (memcmp(id, m->id, sizeof id) != 0)
        s_untrusted(self, "the index belongs to another log");
    else if (applied != m->applied || applied != head)
        s_untrusted(self, "the index does not reflect the whole log (stale)");
    else
        return 1;
    return 0;
}

/* Removes the index environment's files: whatever they hold is not to be read again. */
static int s_index_wipe(relais_store_t *self)
{
    static const char *const files[] = {"data.mdb", "lock.mdb"};
    char path[4096];
    if (self->ienv) {
        mdb_env_close(self->ienv);
        self->ienv = NULL;
    }
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        int rc = s_index_path(self->dir, files[i], path, sizeof path);
        if (rc)
            return rc;
        if (unlink(path) != 0 && errno != ENOENT)
            return relais_status_set(RELAIS_E_IO, "cannot remove %s: %s", path, strerror(errno));
    }
    return 0;
}

/* A new, empty index environment with a new id, reflecting nothing; the log's marker names it,
 * not clean. */
static int s_index_create(relais_store_t *self, uint64_t map_size)
{
    char path[4096];
    int rc = s_index_wipe(self);
    if (rc == 0)
        rc = s_index_path(self->dir, NULL, path, sizeof path);
    if (rc)
        return rc;
    int lrc = store_env_open(&self->ienv, path, MDB_NOSYNC, map_size);
    if (lrc)
        return relais_status_set(lrc == MDB_MAP_FULL ? RELAIS_E_STORE_FULL : RELAIS_E_IO,
                                 "cannot create the store's index in %s: %s", path, mdb_strerror(lrc));
    if (RAND_bytes(self->index_id, sizeof self->index_id) != 1)
        return relais_status_set(RELAIS_E_CRYPTO, "no random bytes for the index's id");
    uint8_t zero[8] = {0};
    MDB_txn *txn;
    lrc = mdb_txn_begin(self->ienv, NULL, 0, &txn);
    if (lrc)
        return store_lmdb_status(lrc, "begin the index's first transaction");
    rc = s_index_layout(self, txn, MDB_CREATE, NULL, NULL);
    MDB_val k = store_val(s_id_key, sizeof s_id_key - 1), v = store_val(self->index_id, sizeof self->index_id);
    if (rc == 0 && (lrc = mdb_put(txn, self->dbi[STORE_DB_IMETA], &k, &v, 0)) == 0) {
        k = store_val(s_applied_key, sizeof s_applied_key - 1);
        v = store_val(zero, sizeof zero);
        lrc = mdb_put(txn, self->dbi[STORE_DB_IMETA], &k, &v, 0);
    }
    if (rc == 0 && lrc)
        rc = store_lmdb_status(lrc, "write the index's id");
    if (rc) {
        mdb_txn_abort(txn);
        return rc;
    }
    /* Synced: the marker names this id from the next commit on, and no open must find the
     * marker's id without its environment. */
    lrc = mdb_txn_commit(txn);
    if (lrc == 0)
        lrc = mdb_env_sync(self->ienv, 1);
    if (lrc)
        return store_lmdb_status(lrc, "commit the index's first transaction");
    s_marker_t m = {.clean = 0, .txnid = 0, .applied = 0};
    memcpy(m.id, self->index_id, sizeof m.id);
    self->index_marked_clean = 0;
    self->index.applied = 0;
    return s_marker_commit(self->env, self->dbi[STORE_DB_META], &m);
}

/* Reads the log's marker and head in one read transaction. */
static int s_log_state(relais_store_t *self, s_marker_t *m, int *have_marker, uint64_t *head)
{
    MDB_txn *txn;
    int rc = store_read_begin(self, STORE_DB_LOG, &txn);
    if (rc)
        return rc;
    rc = s_marker_read(txn, self->dbi[STORE_DB_META], m);
    *have_marker = rc == 0;
    if (rc == RELAIS_E_NOT_FOUND)
        rc = 0;
    if (rc == 0)
        rc = store_head(self, txn, head);
    mdb_txn_abort(txn);
    return rc;
}

/* The indexes of a hub that is running are whole in memory, and read as they stand; those a hub
 * left without settling them (a crash) are not read at all: they may be torn. */
static int s_index_open_live(relais_store_t *self, const char *path, uint64_t map_size)
{
    if (!store_writer_running(self->dir)) {
        s_untrusted(self, "the hub stopped without settling its index (a crash): it is rebuilt at its next start");
        return 0;
    }
    MDB_txn *txn = NULL;
    uint64_t applied = 0;
    int rc = store_env_open(&self->ienv, path, MDB_RDONLY, map_size) == 0 &&
                     mdb_txn_begin(self->ienv, NULL, MDB_RDONLY, &txn) == 0
                 ? s_index_layout(self, txn, 0, self->index_id, &applied)
                 : RELAIS_E_IO;
    if (rc == 0)
        rc = mdb_txn_commit(txn) ? RELAIS_E_IO : 0; /* keeps the database handles */
    else if (txn)
        mdb_txn_abort(txn);
    if (rc != 0) {
        if (self->ienv)
            mdb_env_close(self->ienv);
        self->ienv = NULL;
        s_untrusted(self, "the running hub's index cannot be read");
        return 0;
    }
    self->index.trusted = 1;
    self->index.applied = applied;
    snprintf(self->index.why, sizeof self->index.why, "the hub is running: its index is read as it stands");
    return 0;
}

/* A read-only open reads the indexes only when they were left clean or their hub runs; it
 * changes nothing. */
static int s_index_open_read_only(relais_store_t *self, const s_marker_t *m, int have_marker, uint64_t head,
                                  uint64_t map_size)
{
    char path[4096];
    int rc = s_index_path(self->dir, NULL, path, sizeof path);
    if (rc)
        return rc;
    if (access(path, F_OK) != 0) {
        s_untrusted(self, "the store has no index");
        return 0;
    }
    if (!have_marker || !m->clean)
        return s_index_open_live(self, path, map_size);
    if (store_env_open(&self->ienv, path, MDB_RDONLY, map_size) != 0) {
        s_untrusted(self, "the index cannot be opened");
        return 0;
    }
    if (s_index_matches(self, m, head)) {
        self->index.trusted = 1;
        self->index.applied = head;
        memcpy(self->index_id, m->id, sizeof self->index_id);
        return 0;
    }
    mdb_env_close(self->ienv);
    self->ienv = NULL;
    return 0;
}

int store_index_open(relais_store_t *self, uint64_t map_size)
{
    s_marker_t m;
    int have_marker = 0;
    uint64_t head = 0;
    memset(&m, 0, sizeof m);
    int rc = s_log_state(self, &m, &have_marker, &head);
    if (rc)
        return rc;
    if (self->read_only)
        return s_index_open_read_only(self, &m, have_marker, head, map_size);
    char path[4096];
    rc = s_index_path(self->dir, NULL, path, sizeof path);
    if (rc)
        return rc;
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return relais_status_set(RELAIS_E_IO, "cannot create %s: %s", path, strerror(errno));
    if (!have_marker) {
        s_untrusted(self, head ? "the log has no index marker" : "a new store");
    } else if (!m.clean) {
        s_untrusted(self, "the hub stopped without settling its index (a crash or a power loss): it may be torn");
    } else if (store_env_open(&self->ienv, path, MDB_NOSYNC, map_size) != 0) {
        s_untrusted(self, "the index cannot be opened (lost or damaged)");
    } else if (s_index_matches(self, &m, head)) {
        self->index.trusted = 1;
        self->index.applied = head;
        self->index_marked_clean = 1;
        memcpy(self->index_id, m.id, sizeof self->index_id);
        return 0;
    }
    return s_index_create(self, map_size);
}

int relais_store_index_state(relais_store_t *self, relais_store_index_t *out)
{
    if (!self || !out)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_index_state needs a store and an output");
    *out = self->index;
    return 0;
}

/* ---- Batches --------------------------------------------------------------------------------- */

int store_index_batch_prepare(relais_store_batch_t *b)
{
    MDB_val v;
    int rc = store_get(b->itxn, b->store->dbi[STORE_DB_IMETA], s_applied_key, sizeof s_applied_key - 1, &v);
    if (rc == RELAIS_E_NOT_FOUND || (rc == 0 && v.mv_size != 8))
        return store_corrupt("the index does not say how much of the log it reflects");
    if (rc)
        return rc;
    b->applied = store_get_u64(v.mv_data);
    if (b->applied > b->head)
        return store_corrupt("the index reflects more of the log than the log holds");
    b->catching_up = b->applied < b->head;
    return 0;
}

int store_index_batch_seal(relais_store_batch_t *b)
{
    relais_store_t *self = b->store;
    uint8_t applied[8];
    if (!b->catching_up)
        b->applied = b->head;
    store_put_u64(applied, b->applied);
    int rc = store_batch_put(b, STORE_DB_IMETA, store_val(s_applied_key, sizeof s_applied_key - 1),
                             store_val(applied, sizeof applied), 0);
    if (rc == 0 && self->index_marked_clean) {
        s_marker_t m = {.clean = 0, .txnid = 0, .applied = b->applied};
        memcpy(m.id, self->index_id, sizeof m.id);
        rc = s_marker_put(b->txn, self->dbi[STORE_DB_META], &m);
    }
    return rc;
}

void store_index_batch_finish(relais_store_batch_t *b)
{
    relais_store_t *self = b->store;
    self->index_marked_clean = 0; /* the log's commit said so */
    int rc = mdb_txn_commit(b->itxn);
    b->itxn = NULL;
    if (rc) {
        /* The next batch finds the indexes behind the log and catches them up. */
        snprintf(self->index.why, sizeof self->index.why, "the index could not take a batch: %s", mdb_strerror(rc));
        return;
    }
    self->index.applied = b->applied;
    self->index_unsynced = 1;
}

int relais_store_batch_set_applied(relais_store_batch_t *self, uint64_t applied)
{
    int rc = store_batch_ready(self);
    if (rc)
        return rc;
    if (!self->catching_up || applied <= self->applied || applied > self->head)
        return relais_status_set(RELAIS_E_INVALID, "the indexes cannot be said to reflect %llu records (they "
                                                   "reflect %llu of %llu)",
                                 (unsigned long long)applied, (unsigned long long)self->applied,
                                 (unsigned long long)self->head);
    self->applied = applied;
    return 0;
}

uint64_t relais_store_batch_applied(relais_store_batch_t *self, int *catching_up)
{
    if (catching_up)
        *catching_up = self ? self->catching_up : 0;
    return self ? self->applied : 0;
}

/* ---- Settling -------------------------------------------------------------------------------- */

int relais_store_index_settle(relais_store_t *self)
{
    if (!self || self->read_only || !self->ienv || self->index_marked_clean)
        return 0;
    uint64_t head = 0;
    int rc = relais_store_head(self, &head);
    if (rc || self->index.applied != head)
        return rc;
    int lrc = mdb_env_sync(self->ienv, 1);
    MDB_envinfo info;
    if (lrc == 0)
        lrc = mdb_env_info(self->ienv, &info);
    if (lrc)
        return store_lmdb_status(lrc, "sync the index");
    s_marker_t m = {.clean = 1, .txnid = info.me_last_txnid, .applied = head};
    memcpy(m.id, self->index_id, sizeof m.id);
    rc = s_marker_commit(self->env, self->dbi[STORE_DB_META], &m);
    if (rc == 0) {
        self->index_marked_clean = 1;
        self->index_unsynced = 0;
    }
    return rc;
}

/* ---- A copy ---------------------------------------------------------------------------------- */

static int s_adopt_copy(const char *dir)
{
    relais_store_t copy;
    memset(&copy, 0, sizeof copy);
    copy.dir = (char *)dir;
    char path[4096];
    int rc = s_index_path(dir, NULL, path, sizeof path);
    if (rc)
        return rc;
    int lrc = store_env_open(&copy.env, dir, 0, 0);
    if (lrc)
        return relais_status_set(RELAIS_E_IO, "cannot open the copy in %s: %s", dir, mdb_strerror(lrc));
    MDB_txn *txn = NULL;
    s_marker_t m = {.clean = 0};
    uint64_t head = 0;
    lrc = mdb_txn_begin(copy.env, NULL, 0, &txn);
    if (lrc == 0)
        lrc = mdb_dbi_open(txn, store_db_names[STORE_DB_META], 0, &copy.dbi[STORE_DB_META]);
    if (lrc == 0)
        lrc = mdb_dbi_open(txn, store_db_names[STORE_DB_LOG], 0, &copy.dbi[STORE_DB_LOG]);
    rc = lrc ? store_lmdb_status(lrc, "open the copy's log") : store_head(&copy, txn, &head);
    /* The copied indexes are whole (a copy comes from one read transaction): they are clean
     * when they reflect the whole copied log. */
    if (rc == 0 && access(path, F_OK) == 0 && store_env_open(&copy.ienv, path, MDB_RDONLY, 0) == 0) {
        MDB_txn *itxn;
        MDB_envinfo info;
        if (mdb_txn_begin(copy.ienv, NULL, MDB_RDONLY, &itxn) == 0) {
            if (s_index_layout(&copy, itxn, 0, m.id, &m.applied) == 0 && m.applied == head &&
                mdb_env_info(copy.ienv, &info) == 0) {
                m.clean = 1;
                m.txnid = info.me_last_txnid;
            }
            mdb_txn_abort(itxn);
        }
        mdb_env_close(copy.ienv);
    }
    if (rc == 0)
        rc = s_marker_put(txn, copy.dbi[STORE_DB_META], &m);
    if (rc == 0) {
        lrc = mdb_txn_commit(txn);
        txn = NULL;
        rc = lrc ? store_lmdb_status(lrc, "mark the copy's index") : 0;
    }
    if (txn)
        mdb_txn_abort(txn);
    mdb_env_close(copy.env);
    /* The copy's lock file is LMDB's, not data: the copy stays a data file (and its index). */
    char lock[4200];
    snprintf(lock, sizeof lock, "%s/lock.mdb", dir);
    unlink(lock);
    snprintf(lock, sizeof lock, "%s/lock.mdb", path);
    unlink(lock);
    return rc;
}

/* ---- Copying a store --------------------------------------------------------------------------- */

#define S_COPY_TXN_PUTS 65536 /* puts a copy commits at once */
#define S_COPY_PAIR_TRIES 400 /* ... read pairs it tries, 5 ms apart, for one where the indexes are current */

/* Copies databases [first, last) as `from` sees them into the new environment at `dir` (its
 * data.mdb must not exist: made 0600), in key order, appended: the copy is compact. Synced once
 * whole, with its directory. */
static int s_copy_env(const relais_store_t *self, MDB_txn *from, int first, int last, const char *dir)
{
    char path[4096];
    MDB_envinfo info;
    if ((size_t)snprintf(path, sizeof path, "%s/data.mdb", dir) >= sizeof path)
        return relais_status_set(RELAIS_E_IO, "path too long: %s", dir);
    if (access(path, F_OK) == 0)
        return relais_status_set(RELAIS_E_INVALID, "%s already holds a store; copy into an empty directory", dir);
    mdb_env_info(mdb_txn_env(from), &info);
    MDB_env *to = NULL;
    int lrc = store_env_open(&to, dir, MDB_NOSYNC, info.me_mapsize);
    if (lrc)
        return relais_status_set(RELAIS_E_IO, "cannot create a copy in %s: %s", dir, mdb_strerror(lrc));
    MDB_txn *txn = NULL;
    int rc = 0;
    for (int db = first; rc == 0 && db < last; db++) {
        MDB_dbi dbi;
        MDB_cursor *cur = NULL;
        MDB_val k, v;
        size_t puts = 0;
        lrc = mdb_txn_begin(to, NULL, 0, &txn);
        if (lrc == 0)
            lrc = mdb_dbi_open(txn, store_db_names[db], MDB_CREATE, &dbi);
        if (lrc == 0)
            lrc = mdb_cursor_open(from, self->dbi[db], &cur);
        int got = lrc ? lrc : mdb_cursor_get(cur, &k, &v, MDB_FIRST);
        for (; lrc == 0 && got == 0; got = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
            lrc = mdb_put(txn, dbi, &k, &v, MDB_APPEND);
            /* A bounded transaction: a large store is not copied in one. */
            if (lrc == 0 && ++puts % S_COPY_TXN_PUTS == 0 && (lrc = mdb_txn_commit(txn)) == 0)
                lrc = mdb_txn_begin(to, NULL, 0, &txn);
            if (lrc)
                txn = NULL; /* a failed commit freed it; a failed begin made none */
        }
        if (cur)
            mdb_cursor_close(cur);
        if (lrc == 0 && got != MDB_NOTFOUND)
            lrc = got;
        if (lrc == 0)
            lrc = mdb_txn_commit(txn);
        else if (txn)
            mdb_txn_abort(txn);
        txn = NULL;
        if (lrc)
            rc = relais_status_set(RELAIS_E_IO, "cannot copy the store's %s into %s: %s", store_db_names[db], dir,
                                   mdb_strerror(lrc));
    }
    /* A copy made for a backup must be on disk, name included, when the command says it is. */
    if (rc == 0 && (lrc = mdb_env_sync(to, 1)) != 0)
        rc = relais_status_set(RELAIS_E_IO, "cannot sync the copy in %s: %s", dir, mdb_strerror(lrc));
    mdb_env_close(to);
    char lock[4200];
    snprintf(lock, sizeof lock, "%s/lock.mdb", dir);
    unlink(lock); /* LMDB's, not data: made again by whoever opens the copy */
    int dir_fd = rc == 0 ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (rc == 0 && (dir_fd < 0 || fsync(dir_fd) != 0))
        rc = relais_status_set(RELAIS_E_IO, "cannot sync %s: %s", dir, strerror(errno));
    if (dir_fd >= 0)
        close(dir_fd);
    if (rc != 0)
        unlink(path); /* a half-written copy is no store */
    return rc;
}

/* Read transactions on both environments in which the indexes reflect the whole log: the
 * indexes' first, since a batch commits the log before them. After S_COPY_PAIR_TRIES pairs
 * without (a hub under load), the last pair: its copy's indexes are rebuilt by its first writer. */
static int s_copy_pair(relais_store_t *self, MDB_txn **log, MDB_txn **index)
{
    for (int tries = 0;; tries++) {
        uint64_t head = 0, applied = 0;
        uint8_t id[STORE_INDEX_ID_SIZE];
        int rc = store_read_begin(self, STORE_DB_IMETA, index);
        if (rc == RELAIS_E_NOT_FOUND) {
            *index = NULL; /* no index to copy */
            rc = 0;
        }
        if (rc == 0 && *index)
            rc = s_index_layout(self, *index, 0, id, &applied);
        if (rc == 0)
            rc = store_read_begin(self, STORE_DB_LOG, log);
        if (rc == 0)
            rc = store_head(self, *log, &head);
        if (rc == 0 && (!*index || applied == head || tries == S_COPY_PAIR_TRIES))
            return 0;
        if (*log)
            mdb_txn_abort(*log);
        if (*index)
            mdb_txn_abort(*index);
        *log = *index = NULL;
        if (rc)
            return rc;
        usleep(5000);
    }
}

int relais_store_copy(relais_store_t *self, const char *dir)
{
    char index_dir[4096];
    if (!self || !dir)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_copy needs a store and a directory");
    int rc = s_index_path(dir, NULL, index_dir, sizeof index_dir);
    MDB_txn *log = NULL, *index = NULL;
    if (rc == 0)
        rc = s_copy_pair(self, &log, &index);
    if (rc)
        return rc;
    rc = s_copy_env(self, log, 0, STORE_DB_FIRST_INDEX, dir);
    int made_index = 0;
    if (rc == 0 && index) {
        if (mkdir(index_dir, 0700) != 0 && errno != EEXIST)
            rc = relais_status_set(RELAIS_E_IO, "cannot create %s: %s", index_dir, strerror(errno));
        else
            rc = s_copy_env(self, index, STORE_DB_FIRST_INDEX, STORE_DB_COUNT, index_dir);
        made_index = rc == 0;
    }
    mdb_txn_abort(log);
    if (index)
        mdb_txn_abort(index);
    if (rc == 0)
        rc = s_adopt_copy(dir);
    if (rc != 0 && rc != RELAIS_E_INVALID) {
        char path[4200];
        snprintf(path, sizeof path, "%s/data.mdb", dir);
        unlink(path);
        if (made_index) {
            snprintf(path, sizeof path, "%s/data.mdb", index_dir);
            unlink(path);
            rmdir(index_dir);
        }
    }
    return rc;
}
