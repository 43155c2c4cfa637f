/* store_lifecycle.c -- what a case's lifecycle keeps (its tier, the archive's sealed keys, the retired cases'
 * statistics) and what it forgets (the case index of a case gone from the active base). */
#include "relais_store.h"

#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "relais_proto.h"
#include "store_internal.h"

static const char s_stats_key[] = "retired";
static const char s_rotation_key[] = "rotation-owed";

static int s_get_copy(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t key_len, uint8_t **value, size_t *len)
{
    MDB_val v;
    if (!value || !len)
        return relais_status_set(RELAIS_E_INVALID, "no room for the value read");
    int rc = store_get(txn, dbi, key, key_len, &v);
    return rc ? rc : store_copy_out(&v, value, len);
}

/* One read of `key` in database `db` outside any batch. */
static int s_read(relais_store_t *self, int db, const void *key, size_t key_len, uint8_t **value, size_t *len)
{
    MDB_txn *txn;
    if (!self)
        return relais_status_set(RELAIS_E_INVALID, "no store given");
    int rc = store_read_begin(self, db, &txn);
    if (rc)
        return rc;
    rc = s_get_copy(txn, self->dbi[db], key, key_len, value, len);
    mdb_txn_abort(txn);
    return rc;
}

static int s_put(relais_store_batch_t *self, int db, const void *key, size_t key_len, const uint8_t *value, size_t len)
{
    int rc = store_batch_ready(self);
    if (rc)
        return rc;
    if (!value || len == 0)
        return relais_status_set(RELAIS_E_INVALID, "a value to keep needs its bytes");
    return store_batch_put(self, db, store_val(key, key_len), store_val(value, len), 0);
}

/* ---- The lifecycle index ---------------------------------------------------------------- */

int relais_store_batch_lifecycle_get(relais_store_batch_t *self, const char *case_id, uint8_t **value, size_t *len)
{
    size_t id_len;
    int rc = store_batch_ready(self);
    if (!rc)
        rc = store_case_id_len(case_id, &id_len);
    return rc ? rc : s_get_copy(store_batch_txn(self, STORE_DB_LIFECYCLE), self->store->dbi[STORE_DB_LIFECYCLE], case_id, id_len, value, len);
}

int relais_store_batch_lifecycle_put(relais_store_batch_t *self, const char *case_id, const uint8_t *value,
                                     size_t len)
{
    size_t id_len;
    int rc = store_case_id_len(case_id, &id_len);
    return rc ? rc : s_put(self, STORE_DB_LIFECYCLE, case_id, id_len, value, len);
}

int relais_store_lifecycle_get(relais_store_t *self, const char *case_id, uint8_t **value, size_t *len)
{
    size_t id_len;
    int rc = store_case_id_len(case_id, &id_len);
    return rc ? rc : s_read(self, STORE_DB_LIFECYCLE, case_id, id_len, value, len);
}

typedef struct {
    relais_store_lifecycle_fn fn;
    void *ctx;
} s_lifecycle_walk_t;

static int s_lifecycle_pair(void *ctx, const MDB_val *k, const MDB_val *v)
{
    const s_lifecycle_walk_t *walk = ctx;
    char case_id[RELAIS_CASE_ID_MAX];
    if (k->mv_size == 0 || k->mv_size >= sizeof case_id || memchr(k->mv_data, 0, k->mv_size))
        return store_corrupt("a lifecycle entry's case id has a wrong size");
    memcpy(case_id, k->mv_data, k->mv_size);
    case_id[k->mv_size] = '\0';
    return walk->fn(walk->ctx, case_id, v->mv_data, v->mv_size);
}

int relais_store_lifecycle_iterate(relais_store_t *self, relais_store_lifecycle_fn fn, void *ctx)
{
    if (!self || !fn)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_lifecycle_iterate needs a store and a callback");
    s_lifecycle_walk_t walk = {fn, ctx};
    return store_walk(self, STORE_DB_LIFECYCLE, s_lifecycle_pair, &walk, "the lifecycle index");
}

/* ---- The archive's keys, and the data keys deleted --------------------------------------- */

int relais_store_batch_archive_put(relais_store_batch_t *self, uint64_t key_id, const uint8_t *box, size_t len)
{
    uint8_t key[STORE_SEQ_SIZE];
    store_put_u64(key, key_id);
    return s_put(self, STORE_DB_ARCHIVE, key, sizeof key, box, len);
}

int relais_store_archive_get(relais_store_t *self, uint64_t key_id, uint8_t **box, size_t *len)
{
    uint8_t key[STORE_SEQ_SIZE];
    store_put_u64(key, key_id);
    return s_read(self, STORE_DB_ARCHIVE, key, sizeof key, box, len);
}

static int s_del_id(relais_store_batch_t *self, int db, uint64_t id)
{
    int rc = store_batch_ready(self);
    if (rc)
        return rc;
    uint8_t key[STORE_SEQ_SIZE];
    store_put_u64(key, id);
    return store_batch_del(self, db, store_val(key, sizeof key));
}

int relais_store_batch_archive_del(relais_store_batch_t *self, uint64_t key_id)
{
    return s_del_id(self, STORE_DB_ARCHIVE, key_id);
}

int relais_store_batch_key_del(relais_store_batch_t *self, uint64_t key_id)
{
    return s_del_id(self, STORE_DB_KEYS, key_id);
}

/* ---- Forgetting a case ------------------------------------------------------------------ */

int relais_store_batch_case_unlink(relais_store_batch_t *self, uint64_t seq)
{
    char case_id[RELAIS_CASE_ID_MAX];
    uint8_t seq_key[STORE_SEQ_SIZE], key[RELAIS_CASE_ID_MAX + STORE_SEQ_SIZE];
    int rc = relais_store_batch_seq_case(self, seq, case_id, NULL, NULL);
    if (rc)
        return rc;
    size_t id_len = strlen(case_id);
    store_put_u64(seq_key, seq);
    memcpy(key, case_id, id_len);
    key[id_len] = 0x00;
    store_put_u64(key + id_len + 1, seq);
    rc = store_batch_del(self, STORE_DB_SEQCASE, store_val(seq_key, sizeof seq_key));
    if (rc == 0)
        rc = store_batch_del(self, STORE_DB_HISTORY, store_val(key, id_len + 1 + STORE_SEQ_SIZE));
    if (rc == RELAIS_E_NOT_FOUND)
        rc = store_corrupt("a case's event lacks its history entry");
    if (rc && !self->error)
        self->error = rc;
    return rc;
}

int relais_store_batch_referral_forget(relais_store_batch_t *self, uint64_t seq)
{
    int rc = store_batch_ready(self);
    if (rc)
        return rc;
    char handle[RELAIS_CASE_ID_LEN];
    relais_referral_handle(seq, handle);
    rc = store_batch_del(self, STORE_DB_CASES, store_val(handle, strlen(handle)));
    if (rc == 0 || rc == RELAIS_E_NOT_FOUND)
        rc = store_ref_forget(self, seq);
    return rc == RELAIS_E_NOT_FOUND ? 0 : rc;
}

/* The entries of one event of the case: its reverse entry, a meeting's record's entry and, for a
 * referral, its own. */
static int s_forget_event(relais_store_batch_t *self, uint64_t seq)
{
    uint8_t seq_key[STORE_SEQ_SIZE];
    store_put_u64(seq_key, seq);
    int rc = store_batch_del(self, STORE_DB_SEQCASE, store_val(seq_key, sizeof seq_key));
    if (rc == RELAIS_E_NOT_FOUND)
        return store_corrupt("a case's event lacks its reverse entry");
    if (rc == 0)
        rc = store_meeting_forget(self, seq);
    if (rc)
        return rc;
    char handle[RELAIS_CASE_ID_LEN];
    relais_referral_handle(seq, handle);
    rc = store_batch_del(self, STORE_DB_CASES, store_val(handle, strlen(handle)));
    if (rc == 0)
        rc = store_ref_forget(self, seq); /* a partner's reference goes with its referral */
    return rc == RELAIS_E_NOT_FOUND ? 0 : rc;
}

int relais_store_batch_case_forget(relais_store_batch_t *self, const char *case_id)
{
    size_t id_len;
    int rc = store_batch_ready(self);
    if (!rc)
        rc = store_case_id_len(case_id, &id_len);
    if (rc)
        return rc;
    rc = store_batch_del(self, STORE_DB_CASES, store_val(case_id, id_len));
    if (rc == RELAIS_E_NOT_FOUND)
        return relais_status_set(RELAIS_E_NOT_FOUND, "no case %s to forget", case_id);
    if (rc)
        return rc;
    uint8_t prefix[RELAIS_CASE_ID_MAX];
    memcpy(prefix, case_id, id_len);
    prefix[id_len] = 0x00;
    size_t prefix_len = id_len + 1;
    MDB_cursor *cur;
    int got = mdb_cursor_open(store_batch_txn(self, STORE_DB_HISTORY), self->store->dbi[STORE_DB_HISTORY], &cur);
    if (got) {
        self->error = store_lmdb_status(got, "open a cursor on the case histories");
        return self->error;
    }
    MDB_val k = store_val(prefix, prefix_len), v;
    /* Each event's entries are deleted as the walk passes it; mdb_cursor_del leaves the cursor
     * on the next entry, which MDB_GET_CURRENT reads. */
    got = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && got == 0 && k.mv_size == prefix_len + STORE_SEQ_SIZE &&
           memcmp(k.mv_data, prefix, prefix_len) == 0) {
        rc = s_forget_event(self, store_get_u64((const uint8_t *)k.mv_data + prefix_len));
        if (rc == 0 && (got = mdb_cursor_del(cur, 0)) != 0)
            rc = self->error = store_lmdb_status(got, "delete a case's history");
        if (rc == 0)
            got = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
    }
    mdb_cursor_close(cur);
    if (rc == 0 && got != 0 && got != MDB_NOTFOUND && got != EINVAL)
        rc = self->error = store_lmdb_status(got, "read a case's history");
    if (rc == 0)
        rc = store_blocks_forget(self, case_id, id_len);
    if (rc && !self->error)
        self->error = rc;
    return rc;
}

/* ---- The KEK's rotation owed -------------------------------------------------------------- */

int relais_store_batch_rotation_owed(relais_store_batch_t *self, int owed)
{
    static const uint8_t one = 1;
    if (owed)
        return s_put(self, STORE_DB_META, s_rotation_key, sizeof s_rotation_key - 1, &one, 1);
    int rc = store_batch_ready(self);
    if (rc == 0)
        rc = store_batch_del(self, STORE_DB_META, store_val(s_rotation_key, sizeof s_rotation_key - 1));
    return rc == RELAIS_E_NOT_FOUND ? 0 : rc;
}

int relais_store_rotation_owed(relais_store_t *self, int *owed)
{
    uint8_t *value = NULL;
    size_t len = 0;
    if (!owed)
        return relais_status_set(RELAIS_E_INVALID, "no room for the answer");
    int rc = s_read(self, STORE_DB_META, s_rotation_key, sizeof s_rotation_key - 1, &value, &len);
    free(value);
    *owed = rc == 0;
    return rc == RELAIS_E_NOT_FOUND ? 0 : rc;
}

/* ---- The retired cases' statistics ---------------------------------------------------------- */

int relais_store_batch_stats_get(relais_store_batch_t *self, uint8_t **value, size_t *len)
{
    int rc = store_batch_ready(self);
    return rc ? rc
              : s_get_copy(self->txn, self->store->dbi[STORE_DB_STATS], s_stats_key, sizeof s_stats_key - 1, value,
                           len);
}

int relais_store_batch_stats_put(relais_store_batch_t *self, const uint8_t *value, size_t len)
{
    return s_put(self, STORE_DB_STATS, s_stats_key, sizeof s_stats_key - 1, value, len);
}

int relais_store_stats_get(relais_store_t *self, uint8_t **value, size_t *len)
{
    return s_read(self, STORE_DB_STATS, s_stats_key, sizeof s_stats_key - 1, value, len);
}
