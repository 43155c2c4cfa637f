/* store.c -- the LMDB store: opening, the append-only log, its Merkle nodes and proofs. */
#include "relais_store.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "relais_proto.h"
#include "store_internal.h"

#define S_DEFAULT_MAP_SIZE (4ULL << 30)
/* Records per read transaction while iterating: a long replay renews its snapshot this
 * often, so the writer can reuse the pages freed meanwhile. */
#define S_ITERATE_CHUNK 1024
#define S_NODE_KEY_SIZE (1 + 8)

const char *const store_db_names[STORE_DB_COUNT] = {"meta",  "log",     "nodes",    "msgid",   "checkpoints",
                                                   "keys",  "archive", "stats",    "refs",    "refseq",
                                                   "imeta", "cases",   "history",  "children", "seqcase",
                                                   "lifecycle", "blocks", "caseblocks", "meetings", "meetingseq",
                                                   "contacts", "contactevents", "contactseq", "lost", "lostevents", "lostseq",
                                                   "decrees", "decreenumbers"};
#define S_MSGID_VALUE_SIZE (STORE_SEQ_SIZE + RELAIS_HASH_SIZE) /* seq, then the SignedMessage's hash */

/* ---- Encoding --------------------------------------------------------------------------- */

static void s_put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 3; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static uint32_t s_get_u32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void s_node_key(uint8_t key[S_NODE_KEY_SIZE], unsigned level, uint64_t index)
{
    key[0] = (uint8_t)level;
    store_put_u64(key + 1, index);
}

/* ---- Errors ----------------------------------------------------------------------------- */

int store_lmdb_status(int rc, const char *what)
{
    if (rc == MDB_MAP_FULL)
        return relais_status_set(RELAIS_E_STORE_FULL, "%s: the store's map is full (%s)", what, mdb_strerror(rc));
    if (rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND || rc == MDB_INVALID)
        return relais_status_set(RELAIS_E_CORRUPT, "%s: %s", what, mdb_strerror(rc));
    if (rc == ENOMEM)
        return relais_status_set(RELAIS_E_NOMEM, "%s: %s", what, mdb_strerror(rc));
    return relais_status_set(RELAIS_E_IO, "%s: %s", what, mdb_strerror(rc));
}

int store_corrupt(const char *what)
{
    return relais_status_set(RELAIS_E_CORRUPT, "the store is corrupt: %s", what);
}

/* ---- Small LMDB helpers ----------------------------------------------------------------- */

/* 0 with `val` borrowed from the transaction, RELAIS_E_NOT_FOUND, or an error. */
int store_get(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t key_len, MDB_val *val)
{
    MDB_val k = store_val(key, key_len);
    int rc = mdb_get(txn, dbi, &k, val);
    if (rc == MDB_NOTFOUND)
        return RELAIS_E_NOT_FOUND;
    return rc ? store_lmdb_status(rc, "read") : 0;
}

int store_read_begin(const relais_store_t *self, int db, MDB_txn **txn)
{
    MDB_env *env = store_db_in_index(db) ? self->ienv : self->env;
    *txn = NULL;
    if (!env)
        return relais_status_set(RELAIS_E_NOT_FOUND, "the store in %s has no index to read", self->dir);
    int rc = mdb_txn_begin(env, NULL, MDB_RDONLY, txn);
    return rc ? store_lmdb_status(rc, "begin a read transaction") : 0;
}

int store_copy_out(const MDB_val *val, uint8_t **out, size_t *len)
{
    /* malloc(0) may give NULL, which would read as a failure. */
    *out = malloc(val->mv_size ? val->mv_size : 1);
    if (!*out)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory copying %zu bytes", val->mv_size);
    memcpy(*out, val->mv_data, val->mv_size);
    *len = val->mv_size;
    return 0;
}

/* The log size: the last key of the log, which must also be its number of entries. */
int store_head(const relais_store_t *self, MDB_txn *txn, uint64_t *head)
{
    MDB_cursor *cur;
    MDB_val k, v;
    MDB_stat st;
    int rc = mdb_cursor_open(txn, self->dbi[STORE_DB_LOG], &cur);
    if (rc)
        return store_lmdb_status(rc, "open a cursor on the log");
    rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
    mdb_cursor_close(cur);
    *head = 0;
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return store_lmdb_status(rc, "read the log's last record");
    if (k.mv_size != STORE_SEQ_SIZE)
        return store_corrupt("a log key is not 8 bytes");
    *head = store_get_u64(k.mv_data);
    rc = mdb_stat(txn, self->dbi[STORE_DB_LOG], &st);
    if (rc)
        return store_lmdb_status(rc, "count the log");
    if (st.ms_entries != *head)
        return relais_status_set(RELAIS_E_CORRUPT, "the log ends at %llu but holds %zu records",
                                 (unsigned long long)*head, st.ms_entries);
    return 0;
}

/* 0, RELAIS_E_NOT_FOUND (nothing there yet), or an error. */
static int s_node_get(const relais_store_t *self, MDB_txn *txn, unsigned level, uint64_t index, relais_hash_t out)
{
    uint8_t key[S_NODE_KEY_SIZE];
    MDB_val v;
    s_node_key(key, level, index);
    int rc = store_get(txn, self->dbi[STORE_DB_NODES], key, sizeof key, &v);
    if (rc)
        return rc;
    if (v.mv_size != RELAIS_HASH_SIZE)
        return store_corrupt("a Merkle node is not 32 bytes");
    memcpy(out, v.mv_data, RELAIS_HASH_SIZE);
    return 0;
}

/* relais_merkle_subtree_fn over the nodes database: every subtree a root or proof of a
 * size <= head asks for was written with the leaf that completed it. */
int store_subtree(void *ctx, unsigned level, uint64_t index, relais_hash_t out)
{
    const store_tree_ctx_t *tree = ctx;
    int rc = s_node_get(tree->store, tree->txn, level, index, out);
    if (rc == RELAIS_E_NOT_FOUND)
        return relais_status_set(RELAIS_E_CORRUPT, "the Merkle node at level %u, index %llu is missing", level,
                                 (unsigned long long)index);
    return rc;
}

/* Borrows the LogRecord of `seq` from the transaction and decodes it. */
static int s_record_load(const relais_store_t *self, MDB_txn *txn, uint64_t seq, relais_log_record_t *rec)
{
    uint8_t key[STORE_SEQ_SIZE];
    MDB_val v;
    store_put_u64(key, seq);
    int rc = store_get(txn, self->dbi[STORE_DB_LOG], key, sizeof key, &v);
    if (rc == RELAIS_E_NOT_FOUND)
        return store_corrupt("an indexed record is missing from the log");
    if (rc)
        return rc;
    if (relais_log_record_decode(v.mv_data, v.mv_size, rec) != 0 || rec->seq != seq)
        return relais_status_set(RELAIS_E_CORRUPT, "the store is corrupt: record %llu does not decode",
                                 (unsigned long long)seq);
    return 0;
}

/* Looks `msg_id` up and fills *ack as a duplicate; `content` gets the hash of the stored
 * SignedMessage (a sealed record's too: a resend is recognised without opening it). */
static int s_find_msg(const relais_store_t *self, MDB_txn *txn, const uint8_t *msg_id, relais_store_ack_t *ack,
                      relais_hash_t content)
{
    MDB_val v;
    relais_log_record_t rec;
    int rc = store_get(txn, self->dbi[STORE_DB_MSGID], msg_id, RELAIS_MSG_ID_SIZE, &v);
    if (rc)
        return rc;
    if (v.mv_size != S_MSGID_VALUE_SIZE)
        return store_corrupt("a message id index value is not a sequence number and a hash");
    uint64_t seq = store_get_u64(v.mv_data);
    memcpy(content, (const uint8_t *)v.mv_data + STORE_SEQ_SIZE, RELAIS_HASH_SIZE);
    rc = s_record_load(self, txn, seq, &rec);
    if (rc)
        return rc;
    memset(ack, 0, sizeof *ack);
    ack->duplicate = 1;
    ack->seq = seq;
    ack->received_ms = rec.received_ms;
    rc = s_node_get(self, txn, 0, seq - 1, ack->leaf_hash);
    return rc == RELAIS_E_NOT_FOUND ? store_corrupt("a record has no leaf hash") : rc;
}

/* ---- Opening ---------------------------------------------------------------------------- */

static int64_t s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int s_env_open(relais_store_t *self, const char *dir, uint64_t map_size)
{
    int rc = store_env_open(&self->env, dir, self->read_only ? MDB_RDONLY : 0, map_size);
    if (rc)
        return relais_status_set(rc == MDB_MAP_FULL ? RELAIS_E_STORE_FULL : RELAIS_E_IO,
                                 "cannot open the store in %s: %s", dir, mdb_strerror(rc));
    return 0;
}

/* A fresh environment must hold nothing else: a directory of another LMDB program is not
 * ours to write into. */
static int s_check_empty(MDB_txn *txn, const char *dir)
{
    MDB_dbi main_dbi;
    MDB_stat st;
    int rc = mdb_dbi_open(txn, NULL, 0, &main_dbi);
    if (!rc)
        rc = mdb_stat(txn, main_dbi, &st);
    if (rc)
        return store_lmdb_status(rc, "read the LMDB main database");
    if (st.ms_entries != 0)
        return relais_status_set(RELAIS_E_CORRUPT, "%s holds an LMDB environment that is not a relais store", dir);
    return 0;
}

static int s_format_check(relais_store_t *self, MDB_txn *txn, const char *dir)
{
    static const char key[] = "format";
    MDB_val v;
    int rc = store_get(txn, self->dbi[STORE_DB_META], key, sizeof key - 1, &v);
    if (rc == RELAIS_E_NOT_FOUND || (rc == 0 && v.mv_size != 4))
        return relais_status_set(RELAIS_E_CORRUPT, "store in %s has no valid format number", dir);
    if (rc)
        return rc;
    uint32_t format = s_get_u32(v.mv_data);
    if (format == 0)
        return relais_status_set(RELAIS_E_CORRUPT, "store in %s has format 0, which no relais wrote", dir);
    /* Format 1 kept no status per case event and no record -> case index: its feeds cannot be
     * served as this build serves them. Nothing was deployed with it. */
    if (format < RELAIS_STORE_FORMAT_OLDEST)
        return relais_status_set(RELAIS_E_VERSION,
                                 "store in %s has format %u, which this relais no longer reads (format %d and "
                                 "newer): start a new store",
                                 dir, format, RELAIS_STORE_FORMAT_OLDEST);
    if (format > RELAIS_STORE_FORMAT)
        return relais_status_set(RELAIS_E_VERSION,
                                 "store in %s was written by format %u; this relais reads format %d and older: "
                                 "upgrade relais",
                                 dir, format, RELAIS_STORE_FORMAT);
    return 0;
}

static int s_format_write(relais_store_t *self, MDB_txn *txn)
{
    static const char format_key[] = "format", created_key[] = "created_ms";
    uint8_t format[4], created[8];
    s_put_u32(format, RELAIS_STORE_FORMAT);
    store_put_u64(created, (uint64_t)s_now_ms());
    MDB_val k = store_val(format_key, sizeof format_key - 1), v = store_val(format, sizeof format);
    int rc = mdb_put(txn, self->dbi[STORE_DB_META], &k, &v, 0);
    if (!rc) {
        k = store_val(created_key, sizeof created_key - 1);
        v = store_val(created, sizeof created);
        rc = mdb_put(txn, self->dbi[STORE_DB_META], &k, &v, 0);
    }
    return rc ? store_lmdb_status(rc, "write the store's format") : 0;
}

/* Opens the log's databases from `first` on; a missing one in an existing store is corruption. */
static int s_dbis_open(relais_store_t *self, MDB_txn *txn, int first, unsigned flags, const char *dir)
{
    for (int i = first; i < STORE_DB_FIRST_INDEX; i++) {
        int rc = mdb_dbi_open(txn, store_db_names[i], flags, &self->dbi[i]);
        if (rc == MDB_NOTFOUND)
            return relais_status_set(RELAIS_E_CORRUPT, "store in %s has no '%s' database", dir, store_db_names[i]);
        if (rc)
            return store_lmdb_status(rc, "open a database");
    }
    return 0;
}

/* Reads the format before creating anything, so that a newer store is left untouched. */
static int s_layout_open(relais_store_t *self, MDB_txn *txn, const char *dir)
{
    int rc = mdb_dbi_open(txn, store_db_names[STORE_DB_META], 0, &self->dbi[STORE_DB_META]);
    if (rc == MDB_NOTFOUND && !self->read_only) {
        rc = s_check_empty(txn, dir);
        if (!rc)
            rc = s_dbis_open(self, txn, STORE_DB_META, MDB_CREATE, dir);
        return rc ? rc : s_format_write(self, txn);
    }
    if (rc == MDB_NOTFOUND)
        return relais_status_set(RELAIS_E_CORRUPT, "%s holds no relais store", dir);
    if (rc)
        return store_lmdb_status(rc, "open the meta database");
    rc = s_format_check(self, txn, dir);
    return rc ? rc : s_dbis_open(self, txn, STORE_DB_LOG, 0, dir);
}

static int s_dbs_open(relais_store_t *self, const char *dir)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(self->env, NULL, self->read_only ? MDB_RDONLY : 0, &txn);
    if (rc)
        return store_lmdb_status(rc, "begin the opening transaction");
    rc = s_layout_open(self, txn, dir);
    if (rc) {
        mdb_txn_abort(txn);
        return rc;
    }
    /* Committing, even a read-only transaction, keeps the database handles for the env. */
    rc = mdb_txn_commit(txn);
    return rc ? store_lmdb_status(rc, "commit the opening transaction") : 0;
}

int relais_store_open(const char *dir, const relais_store_options_t *opts, relais_store_t **out)
{
    int rc;
    if (!out)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_open needs somewhere to put the store");
    *out = NULL;
    if (!dir || !*dir)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_open needs a directory");
    relais_store_t *self = calloc(1, sizeof *self);
    if (!self)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory opening the store");
    self->dir = strdup(dir);
    if (!self->dir) {
        rc = relais_status_set(RELAIS_E_NOMEM, "out of memory opening the store");
        goto out_free_self;
    }
    self->read_only = opts && opts->read_only;
    rc = s_env_open(self, dir, opts ? opts->map_size : 0);
    if (rc)
        goto out_free_self;
    rc = s_dbs_open(self, dir);
    if (rc == 0)
        rc = store_index_open(self, opts ? opts->map_size : 0);
    if (rc)
        goto out_close_env;
    *out = self;
    return 0;

out_close_env:
    if (self->ienv)
        mdb_env_close(self->ienv);
    mdb_env_close(self->env);
out_free_self:
    free(self->dir);
    free(self);
    return rc;
}

void relais_store_destroy(relais_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    relais_store_t *self = *self_p;
    /* A writer that stops cleanly leaves indexes the next open can trust; should this fail, that
     * open rebuilds them. */
    (void)relais_store_index_settle(self);
    if (self->ienv)
        mdb_env_close(self->ienv);
    mdb_env_close(self->env);
    free(self->dir);
    free(self);
    *self_p = NULL;
}

int relais_store_head(relais_store_t *self, uint64_t *size)
{
    MDB_txn *txn;
    if (!self || !size)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_head needs a store and an output");
    int rc = store_read_begin(self, STORE_DB_LOG, &txn);
    if (rc)
        return rc;
    rc = store_head(self, txn, size);
    mdb_txn_abort(txn);
    return rc;
}

int relais_store_stat(relais_store_t *self, relais_store_stat_t *out)
{
    MDB_envinfo info;
    MDB_stat env_st, cp_st;
    MDB_txn *txn;
    if (!self || !out)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_stat needs a store and an output");
    int rc = store_read_begin(self, STORE_DB_LOG, &txn);
    if (rc)
        return rc;
    rc = store_head(self, txn, &out->records);
    if (rc)
        goto out_abort_txn;
    rc = mdb_stat(txn, self->dbi[STORE_DB_CHECKPOINTS], &cp_st);
    if (!rc)
        rc = mdb_env_info(self->env, &info);
    if (!rc)
        rc = mdb_env_stat(self->env, &env_st);
    if (rc) {
        rc = store_lmdb_status(rc, "read the store's statistics");
        goto out_abort_txn;
    }
    out->map_size = info.me_mapsize;
    out->used_bytes = ((uint64_t)info.me_last_pgno + 1) * env_st.ms_psize;
    out->checkpoints = cp_st.ms_entries;
    /* The two maps are as large: the fuller one is the one that fills first. */
    if (self->ienv && mdb_env_info(self->ienv, &info) == 0 && mdb_env_stat(self->ienv, &env_st) == 0 &&
        ((uint64_t)info.me_last_pgno + 1) * env_st.ms_psize > out->used_bytes)
        out->used_bytes = ((uint64_t)info.me_last_pgno + 1) * env_st.ms_psize;
out_abort_txn:
    mdb_txn_abort(txn);
    return rc;
}

/* Where the data file is mapped in this process. LMDB does not say (mdb_env_info's address
 * is only set for fixed maps), but any value a read transaction returns points into the map,
 * and /proc/self/maps gives the mapping that holds that address. */
static int s_map_range(relais_store_t *self, uintptr_t *start, uintptr_t *end)
{
    static const char key[] = "format";
    MDB_txn *txn = NULL;
    MDB_val v;
    int rc = store_read_begin(self, STORE_DB_LOG, &txn);
    if (rc == 0)
        rc = store_get(txn, self->dbi[STORE_DB_META], key, sizeof key - 1, &v);
    uintptr_t inside = rc == 0 ? (uintptr_t)v.mv_data : 0;
    if (txn)
        mdb_txn_abort(txn);
    if (rc)
        return rc;
    FILE *maps = fopen("/proc/self/maps", "r");
    if (!maps)
        return relais_status_set(RELAIS_E_IO, "cannot read /proc/self/maps: %s", strerror(errno));
    char line[4096];
    int found = 0;
    while (!found && fgets(line, sizeof line, maps)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo <= inside && inside < hi) {
            *start = lo;
            *end = hi;
            found = 1;
        }
    }
    fclose(maps);
    return found ? 0 : relais_status_set(RELAIS_E_IO, "the store's map is not in /proc/self/maps");
}

int relais_store_release_mapped(relais_store_t *self)
{
    uintptr_t start = 0, end = 0;
    if (!self)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_release_mapped needs a store");
    int rc = s_map_range(self, &start, &end);
    if (rc)
        return rc;
    /* The map is read-only and shared (no MDB_WRITEMAP), so dropping its pages discards
     * nothing: a page read again faults back in from the page cache or the file. */
    if (madvise((void *)start, end - start, MADV_DONTNEED) != 0)
        return relais_status_set(RELAIS_E_IO, "cannot release the store's mapped pages: %s", strerror(errno));
    return 0;
}

/* ---- Batches ---------------------------------------------------------------------------- */

static void s_batch_free(relais_store_batch_t *b)
{
    free(b->buf);
    free(b);
}

/* Every write of a batch goes through here: once a put fails, LMDB's transaction is
 * unusable, and so is the batch. */
int store_batch_put(relais_store_batch_t *b, int db, MDB_val key, MDB_val val, unsigned flags)
{
    int rc = mdb_put(store_batch_txn(b, db), b->store->dbi[db], &key, &val, flags);
    if (rc)
        b->error = store_lmdb_status(rc, "write to the store");
    return rc ? b->error : 0;
}

int store_batch_del(relais_store_batch_t *b, int db, MDB_val key)
{
    int rc = mdb_del(store_batch_txn(b, db), b->store->dbi[db], &key, NULL);
    if (rc == MDB_NOTFOUND)
        return relais_status_set(RELAIS_E_NOT_FOUND, "nothing to delete");
    if (rc)
        b->error = store_lmdb_status(rc, "delete from the store");
    return rc ? b->error : 0;
}

int store_batch_ready(const relais_store_batch_t *b)
{
    if (!b)
        return relais_status_set(RELAIS_E_INVALID, "no batch given");
    return b->error;
}

static int s_reserve(relais_store_batch_t *b, size_t need)
{
    if (need <= b->cap)
        return 0;
    uint8_t *buf = realloc(b->buf, need);
    if (!buf)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory encoding a record of %zu bytes", need);
    b->buf = buf;
    b->cap = need;
    return 0;
}

/* Writes the node of every perfect subtree that leaf `leaf_index` completes: subtree
 * (L, (i+1)/2^L - 1) for each L with 2^L dividing i+1. Its right child is the node just
 * written, kept in `right`; its left child was written earlier. */
static int s_complete_subtrees(relais_store_batch_t *b, uint64_t leaf_index, const relais_hash_t leaf)
{
    relais_hash_t left, right;
    uint8_t key[S_NODE_KEY_SIZE];
    uint64_t n = leaf_index + 1;
    unsigned level = 0;
    memcpy(right, leaf, RELAIS_HASH_SIZE);
    while ((n & 1) == 0) {
        n >>= 1;
        level++;
        int rc = s_node_get(b->store, b->txn, level - 1, 2 * (n - 1), left);
        if (rc == RELAIS_E_NOT_FOUND)
            rc = store_corrupt("the left half of a completed subtree is missing");
        if (rc)
            return rc;
        relais_merkle_node_hash(left, right, right);
        s_node_key(key, level, n - 1);
        rc = store_batch_put(b, STORE_DB_NODES, store_val(key, sizeof key), store_val(right, RELAIS_HASH_SIZE), 0);
        if (rc)
            return rc;
    }
    return 0;
}

static int s_append_new(relais_store_batch_t *b, const relais_store_entry_t *e, const relais_hash_t content,
                        relais_store_ack_t *ack)
{
    uint8_t seq_key[STORE_SEQ_SIZE], node_key[S_NODE_KEY_SIZE], msgid_value[S_MSGID_VALUE_SIZE];
    relais_hash_t leaf;
    size_t len;
    if (b->head == UINT64_MAX)
        return relais_status_set(RELAIS_E_INVALID, "the log cannot grow beyond 2^64 - 1 records");
    relais_log_record_t rec = {.seq = b->head + 1, .received_ms = e->received_ms, .copy_of = e->copy_of};
    if (e->key_id) {
        rec.key_id = e->key_id;
        rec.nonce = e->nonce;
        rec.sealed = e->sealed;
        rec.sealed_len = e->sealed_len;
    } else {
        rec.signed_message = e->signed_message;
        rec.signed_len = e->signed_len;
    }
    int rc = s_reserve(b, relais_log_record_max_size(e->key_id ? e->sealed_len : e->signed_len));
    if (!rc)
        rc = relais_log_record_encode(&rec, b->buf, b->cap, &len);
    if (rc)
        return rc;
    relais_merkle_leaf_hash(b->buf, len, leaf);
    store_put_u64(seq_key, rec.seq);
    s_node_key(node_key, 0, rec.seq - 1);
    rc = store_batch_put(b, STORE_DB_LOG, store_val(seq_key, sizeof seq_key), store_val(b->buf, len), MDB_APPEND);
    if (!rc)
        rc = store_batch_put(b, STORE_DB_NODES, store_val(node_key, sizeof node_key), store_val(leaf, sizeof leaf), 0);
    if (!rc)
        rc = s_complete_subtrees(b, rec.seq - 1, leaf);
    memcpy(msgid_value, seq_key, sizeof seq_key);
    memcpy(msgid_value + sizeof seq_key, content, RELAIS_HASH_SIZE);
    if (!rc && !e->copy_of)
        rc = store_batch_put(b, STORE_DB_MSGID, store_val(e->msg_id, RELAIS_MSG_ID_SIZE),
                             store_val(msgid_value, sizeof msgid_value), MDB_NOOVERWRITE);
    if (rc)
        return rc;
    b->head = rec.seq;
    memset(ack, 0, sizeof *ack);
    ack->seq = rec.seq;
    ack->received_ms = rec.received_ms;
    memcpy(ack->leaf_hash, leaf, sizeof leaf);
    return 0;
}

/* An id already stored answers with the original when the bytes are the same, and is
 * refused when they differ; either way nothing is written. */
static int s_append(relais_store_batch_t *b, const relais_store_entry_t *e, relais_store_ack_t *ack)
{
    relais_hash_t content, old;
    relais_merkle_leaf_hash(e->signed_message, e->signed_len, content);
    if (e->copy_of)
        return s_append_new(b, e, content, ack);
    int rc = s_find_msg(b->store, b->txn, e->msg_id, ack, old);
    if (rc == RELAIS_E_NOT_FOUND)
        return s_append_new(b, e, content, ack);
    if (rc)
        return rc;
    if (memcmp(old, content, RELAIS_HASH_SIZE) != 0) {
        memset(ack, 0, sizeof *ack);
        ack->status = RELAIS_E_DUPLICATE_CONFLICT;
    }
    return 0;
}

int relais_store_batch_begin(relais_store_t *self, relais_store_batch_t **out)
{
    int rc;
    if (!out)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_batch_begin needs somewhere to put the batch");
    *out = NULL;
    if (!self)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_batch_begin needs a store");
    if (self->read_only)
        return relais_status_set(RELAIS_E_INVALID, "the store in %s is open read-only", self->dir);
    relais_store_batch_t *b = calloc(1, sizeof *b);
    if (!b)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory beginning a batch");
    b->store = self;
    rc = mdb_txn_begin(self->env, NULL, 0, &b->txn);
    if (rc) {
        rc = store_lmdb_status(rc, "begin a write transaction");
        goto out_free_batch;
    }
    rc = mdb_txn_begin(self->ienv, NULL, 0, &b->itxn);
    if (rc) {
        rc = store_lmdb_status(rc, "begin a write transaction on the indexes");
        goto out_abort_txn;
    }
    rc = store_head(self, b->txn, &b->head);
    if (rc == 0)
        rc = store_index_batch_prepare(b);
    if (rc)
        goto out_abort_txn;
    *out = b;
    return 0;

out_abort_txn:
    if (b->itxn)
        mdb_txn_abort(b->itxn);
    mdb_txn_abort(b->txn);
out_free_batch:
    s_batch_free(b);
    return rc;
}

int relais_store_batch_append(relais_store_batch_t *self, const relais_store_entry_t *entry,
                              relais_store_ack_t *ack)
{
    int rc = store_batch_ready(self);
    if (rc)
        return rc;
    if (self->catching_up)
        return relais_status_set(RELAIS_E_INVALID, "the indexes are behind the log (they reflect %llu of %llu "
                                                   "records): they are rebuilt before anything is appended",
                                 (unsigned long long)self->applied, (unsigned long long)self->head);
    if (!entry || !ack || !entry->msg_id || !entry->signed_message ||
        (entry->key_id && (!entry->nonce || !entry->sealed || entry->sealed_len != entry->signed_len + RELAIS_SEAL_TAG_BYTES)))
        return relais_status_set(RELAIS_E_INVALID, "an entry needs a message id and signed message bytes, and when "
                                                   "sealed a nonce and their ciphertext");
    rc = s_append(self, entry, ack);
    /* INVALID is only ever found before anything is written; any other failure may
     * leave half an entry in the transaction. */
    if (rc && rc != RELAIS_E_INVALID && !self->error)
        self->error = rc;
    return rc;
}

int relais_store_batch_find_msg(relais_store_batch_t *self, const uint8_t *msg_id, relais_store_ack_t *ack)
{
    relais_hash_t content;
    int rc = store_batch_ready(self);
    if (rc)
        return rc;
    if (!msg_id || !ack)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_batch_find_msg needs a message id and an ack");
    return s_find_msg(self->store, self->txn, msg_id, ack, content);
}

uint64_t relais_store_batch_head(relais_store_batch_t *self)
{
    return self ? self->head : 0;
}

int relais_store_batch_commit(relais_store_batch_t **self_p)
{
    int rc;
    if (!self_p || !*self_p)
        return relais_status_set(RELAIS_E_INVALID, "no batch to commit");
    relais_store_batch_t *b = *self_p;
    *self_p = NULL;
    rc = b->error ? b->error : store_index_batch_seal(b);
    if (rc) {
        mdb_txn_abort(b->itxn);
        mdb_txn_abort(b->txn);
    } else {
        /* The log first, synced: once it is on disk the batch stands, whatever becomes of its
         * indexes. mdb_txn_commit frees the transaction whether it succeeds or not. */
        rc = mdb_txn_commit(b->txn);
        if (rc) {
            rc = store_lmdb_status(rc, "commit the batch");
            mdb_txn_abort(b->itxn);
        } else {
            store_index_batch_finish(b);
        }
    }
    s_batch_free(b);
    return rc;
}

void relais_store_batch_abort(relais_store_batch_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mdb_txn_abort((*self_p)->itxn);
    mdb_txn_abort((*self_p)->txn);
    s_batch_free(*self_p);
    *self_p = NULL;
}

int relais_store_append_batch(relais_store_t *self, const relais_store_entry_t *entries, size_t n,
                              relais_store_ack_t *acks)
{
    relais_store_batch_t *b;
    if (!self || (n > 0 && (!entries || !acks)))
        return relais_status_set(RELAIS_E_INVALID, "relais_store_append_batch needs a store, entries and acks");
    if (n == 0)
        return 0;
    int rc = relais_store_batch_begin(self, &b);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        rc = relais_store_batch_append(b, &entries[i], &acks[i]);
        if (rc) {
            relais_store_batch_abort(&b);
            return rc;
        }
    }
    return relais_store_batch_commit(&b);
}

/* ---- Reading the log -------------------------------------------------------------------- */

static int s_record_copy(const relais_store_t *self, MDB_txn *txn, uint64_t seq, uint8_t **record, size_t *len)
{
    uint8_t key[STORE_SEQ_SIZE];
    MDB_val v;
    store_put_u64(key, seq);
    int rc = store_get(txn, self->dbi[STORE_DB_LOG], key, sizeof key, &v);
    if (rc == RELAIS_E_NOT_FOUND)
        rc = relais_status_set(rc, "no record %llu in the log", (unsigned long long)seq);
    return rc ? rc : store_copy_out(&v, record, len);
}

int relais_store_get_record(relais_store_t *self, uint64_t seq, uint8_t **record, size_t *len)
{
    MDB_txn *txn;
    if (!self || !record || !len)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_get_record needs a store and outputs");
    int rc = store_read_begin(self, STORE_DB_LOG, &txn);
    if (rc)
        return rc;
    rc = s_record_copy(self, txn, seq, record, len);
    mdb_txn_abort(txn);
    return rc;
}

int relais_store_batch_get_record(relais_store_batch_t *self, uint64_t seq, uint8_t **record, size_t *len)
{
    int rc = store_batch_ready(self);
    if (rc)
        return rc;
    if (!record || !len)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_batch_get_record needs outputs");
    return s_record_copy(self->store, self->txn, seq, record, len);
}

int relais_store_batch_leaf_hash(relais_store_batch_t *self, uint64_t seq, relais_hash_t out)
{
    int rc = store_batch_ready(self);
    if (rc)
        return rc;
    if (!out || seq == 0 || seq > self->head)
        return relais_status_set(RELAIS_E_NOT_FOUND, "no record %llu in the log", (unsigned long long)seq);
    return s_node_get(self->store, self->txn, 0, seq - 1, out);
}

int relais_store_get_leaf_hash(relais_store_t *self, uint64_t seq, relais_hash_t out)
{
    MDB_txn *txn;
    if (!self || !out)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_get_leaf_hash needs a store and an output");
    if (seq == 0)
        return relais_status_set(RELAIS_E_NOT_FOUND, "sequence numbers start at 1");
    int rc = store_read_begin(self, STORE_DB_LOG, &txn);
    if (rc)
        return rc;
    rc = s_node_get(self, txn, 0, seq - 1, out);
    if (rc == RELAIS_E_NOT_FOUND)
        rc = relais_status_set(rc, "no record %llu in the log", (unsigned long long)seq);
    mdb_txn_abort(txn);
    return rc;
}

int relais_store_find_msg(relais_store_t *self, const uint8_t *msg_id, relais_store_ack_t *ack)
{
    relais_hash_t content;
    MDB_txn *txn;
    if (!self || !msg_id || !ack)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_find_msg needs a store, a message id and an ack");
    int rc = store_read_begin(self, STORE_DB_LOG, &txn);
    if (rc)
        return rc;
    rc = s_find_msg(self, txn, msg_id, ack, content);
    mdb_txn_abort(txn);
    return rc;
}

/* Moves the log cursor with `op` onto record `seq`, which must be exactly there. */
static int s_log_step(MDB_cursor *cur, MDB_cursor_op op, uint64_t seq, MDB_val *k, MDB_val *v)
{
    int rc = mdb_cursor_get(cur, k, v, op);
    if (rc == MDB_NOTFOUND)
        return store_corrupt("a record below the head is missing");
    if (rc)
        return store_lmdb_status(rc, "read the log");
    if (k->mv_size != STORE_SEQ_SIZE || store_get_u64(k->mv_data) != seq)
        return store_corrupt("the log has a gap");
    return 0;
}

/* Calls `fn` for records *seq.. up to `to` or S_ITERATE_CHUNK of them, advancing *seq. */
static int s_iterate_chunk(relais_store_t *self, MDB_txn *txn, uint64_t *seq, uint64_t to,
                           relais_store_record_fn fn, void *ctx)
{
    uint8_t key[STORE_SEQ_SIZE];
    relais_hash_t leaf;
    MDB_cursor *cur;
    MDB_val k, v;
    store_put_u64(key, *seq);
    k = store_val(key, sizeof key);
    int rc = mdb_cursor_open(txn, self->dbi[STORE_DB_LOG], &cur);
    if (rc)
        return store_lmdb_status(rc, "open a cursor on the log");
    for (int count = 0; count < S_ITERATE_CHUNK && *seq <= to; count++) {
        rc = s_log_step(cur, count ? MDB_NEXT : MDB_SET_KEY, *seq, &k, &v);
        if (!rc)
            rc = s_node_get(self, txn, 0, *seq - 1, leaf);
        if (rc == RELAIS_E_NOT_FOUND)
            rc = store_corrupt("a record has no leaf hash");
        if (!rc)
            rc = fn(ctx, *seq, v.mv_data, v.mv_size, leaf);
        if (rc)
            break;
        (*seq)++;
    }
    mdb_cursor_close(cur);
    return rc;
}

int relais_store_iterate(relais_store_t *self, uint64_t from_seq, uint64_t to_seq, relais_store_record_fn fn,
                         void *ctx)
{
    MDB_txn *txn;
    uint64_t head;
    if (!self || !fn)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_iterate needs a store and a callback");
    int rc = store_read_begin(self, STORE_DB_LOG, &txn);
    if (rc)
        return rc;
    rc = store_head(self, txn, &head);
    if (rc)
        goto out_abort_txn;
    uint64_t seq = from_seq ? from_seq : 1, to = to_seq ? to_seq : head;
    if (to > head) {
        rc = relais_status_set(RELAIS_E_INVALID, "cannot iterate to record %llu: the log has %llu",
                               (unsigned long long)to, (unsigned long long)head);
        goto out_abort_txn;
    }
    while (seq <= to) {
        rc = s_iterate_chunk(self, txn, &seq, to, fn, ctx);
        if (rc || seq > to)
            break;
        /* A fresh snapshot lets the writer reuse what this replay no longer needs. */
        mdb_txn_reset(txn);
        rc = mdb_txn_renew(txn);
        if (rc) {
            rc = store_lmdb_status(rc, "renew a read transaction");
            break;
        }
    }
out_abort_txn:
    mdb_txn_abort(txn);
    return rc;
}

/* ---- The Merkle tree -------------------------------------------------------------------- */

/* Begins the read transaction a tree question is answered in, with the head it sees. */
static int s_tree_begin(relais_store_t *self, store_tree_ctx_t *tree, uint64_t *head)
{
    tree->store = self;
    int rc = store_read_begin(self, STORE_DB_LOG, &tree->txn);
    if (rc)
        return rc;
    rc = store_head(self, tree->txn, head);
    if (rc)
        mdb_txn_abort(tree->txn);
    return rc;
}

static int s_beyond_head(uint64_t size, uint64_t head)
{
    return relais_status_set(RELAIS_E_INVALID, "tree size %llu is beyond the log's head %llu",
                             (unsigned long long)size, (unsigned long long)head);
}

int relais_store_root(relais_store_t *self, uint64_t size, relais_hash_t out)
{
    store_tree_ctx_t tree;
    uint64_t head;
    if (!self || !out)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_root needs a store and an output");
    int rc = s_tree_begin(self, &tree, &head);
    if (rc)
        return rc;
    rc = size > head ? s_beyond_head(size, head) : relais_merkle_root(store_subtree, &tree, size, out);
    mdb_txn_abort(tree.txn);
    return rc;
}

int relais_store_inclusion_proof(relais_store_t *self, uint64_t seq, uint64_t size, relais_hash_t *path,
                                 size_t *path_len)
{
    store_tree_ctx_t tree;
    uint64_t head;
    if (!self || !path || !path_len)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_inclusion_proof needs a store and outputs");
    int rc = s_tree_begin(self, &tree, &head);
    if (rc)
        return rc;
    if (size == 0)
        size = head;
    if (size > head)
        rc = s_beyond_head(size, head);
    else if (seq == 0 || seq > size)
        rc = relais_status_set(RELAIS_E_INVALID, "record %llu is not in the tree of size %llu",
                               (unsigned long long)seq, (unsigned long long)size);
    else
        rc = relais_merkle_inclusion_proof(store_subtree, &tree, seq - 1, size, path, path_len);
    mdb_txn_abort(tree.txn);
    return rc;
}

int relais_store_consistency_proof(relais_store_t *self, uint64_t old_size, uint64_t new_size, relais_hash_t *path,
                                   size_t *path_len)
{
    store_tree_ctx_t tree;
    uint64_t head;
    if (!self || !path || !path_len)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_consistency_proof needs a store and outputs");
    int rc = s_tree_begin(self, &tree, &head);
    if (rc)
        return rc;
    if (new_size > head)
        rc = s_beyond_head(new_size, head);
    else if (old_size == 0 || old_size > new_size)
        rc = relais_status_set(RELAIS_E_INVALID, "no consistency proof from size %llu to size %llu",
                               (unsigned long long)old_size, (unsigned long long)new_size);
    else
        rc = relais_merkle_consistency_proof(store_subtree, &tree, old_size, new_size, path, path_len);
    mdb_txn_abort(tree.txn);
    return rc;
}
