/* store_blocks.c -- the blocking index of likely duplicates: keyed hashes to the cases filed under them.
 *
 * A new case is compared with the open cases of a child born the same day whose names sound
 * alike; finding them by scanning every case would cost a decryption per case. The caller files
 * each case under a few keyed hashes (of the birth date and a phonetic key of a name), so a
 * lookup reads a handful of entries. The reverse entries let a case's entries go with it.
 */
#include "relais_store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "relais_proto.h"
#include "store_internal.h"

#define S_KEY_MAX (RELAIS_STORE_BLOCK_KEY_SIZE + RELAIS_CASE_ID_MAX)

static int s_check(relais_store_batch_t *self, const uint8_t *key, const char *case_id, size_t *id_len)
{
    int rc = store_batch_ready(self);
    if (rc == 0 && !key)
        rc = relais_status_set(RELAIS_E_INVALID, "a blocking entry needs its key");
    if (rc == 0 && case_id)
        rc = store_case_id_len(case_id, id_len);
    return rc;
}

int relais_store_batch_block_put(relais_store_batch_t *self, const uint8_t key[RELAIS_STORE_BLOCK_KEY_SIZE],
                                 const char *case_id, const uint8_t *value, size_t len)
{
    size_t id_len = 0;
    int rc = s_check(self, key, case_id ? case_id : "", &id_len);
    if (rc == 0 && (!value && len))
        rc = relais_status_set(RELAIS_E_INVALID, "a blocking entry of %zu bytes needs its bytes", len);
    if (rc)
        return rc;
    uint8_t entry[S_KEY_MAX], reverse[RELAIS_CASE_ID_MAX + 1 + RELAIS_STORE_BLOCK_KEY_SIZE];
    memcpy(entry, key, RELAIS_STORE_BLOCK_KEY_SIZE);
    memcpy(entry + RELAIS_STORE_BLOCK_KEY_SIZE, case_id, id_len);
    memcpy(reverse, case_id, id_len);
    reverse[id_len] = 0x00;
    memcpy(reverse + id_len + 1, key, RELAIS_STORE_BLOCK_KEY_SIZE);
    uint8_t *stored;
    size_t stored_len;
    int owned;
    size_t entry_len = RELAIS_STORE_BLOCK_KEY_SIZE + id_len;
    rc = store_value_in(self, RELAIS_STORE_VALUE_BLOCK, entry, entry_len, value, len, &stored, &stored_len, &owned);
    if (rc == 0)
        rc = store_batch_put(self, STORE_DB_BLOCKS, store_val(entry, entry_len), store_val(stored, stored_len), 0);
    if (rc == 0)
        rc = store_batch_put(self, STORE_DB_CASEBLOCKS, store_val(reverse, id_len + 1 + RELAIS_STORE_BLOCK_KEY_SIZE),
                             store_val("", 0), 0);
    if (owned)
        free(stored);
    return rc;
}

int relais_store_batch_block_scan(relais_store_batch_t *self, const uint8_t key[RELAIS_STORE_BLOCK_KEY_SIZE],
                                  relais_store_block_fn fn, void *ctx)
{
    int rc = s_check(self, key, NULL, NULL);
    if (rc == 0 && !fn)
        rc = relais_status_set(RELAIS_E_INVALID, "a blocking scan needs a function to call");
    if (rc)
        return rc;
    MDB_cursor *cur;
    int got = mdb_cursor_open(store_batch_txn(self, STORE_DB_BLOCKS), self->store->dbi[STORE_DB_BLOCKS], &cur);
    if (got)
        return store_lmdb_status(got, "open a cursor on the blocking index");
    MDB_val k = store_val(key, RELAIS_STORE_BLOCK_KEY_SIZE), v;
    for (got = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && got == 0;
         got = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size <= RELAIS_STORE_BLOCK_KEY_SIZE || k.mv_size >= S_KEY_MAX ||
            memcmp(k.mv_data, key, RELAIS_STORE_BLOCK_KEY_SIZE) != 0)
            break;
        char case_id[RELAIS_CASE_ID_MAX];
        size_t id_len = k.mv_size - RELAIS_STORE_BLOCK_KEY_SIZE;
        memcpy(case_id, (const uint8_t *)k.mv_data + RELAIS_STORE_BLOCK_KEY_SIZE, id_len);
        case_id[id_len] = '\0';
        uint8_t *value = NULL;
        size_t len = 0;
        rc = store_value_out(self->store, self, RELAIS_STORE_VALUE_BLOCK, k.mv_data, k.mv_size, &v, &value, &len);
        if (rc == 0)
            rc = fn(ctx, case_id, value, len);
        free(value);
    }
    mdb_cursor_close(cur);
    if (rc == 0 && got != 0 && got != MDB_NOTFOUND)
        rc = store_lmdb_status(got, "read the blocking index");
    return rc;
}

int relais_store_batch_block_forget(relais_store_batch_t *self, const char *case_id)
{
    size_t id_len = 0;
    int rc = s_check(self, (const uint8_t *)"", case_id, &id_len);
    return rc ? rc : store_blocks_forget(self, case_id, id_len);
}

int store_blocks_forget(relais_store_batch_t *b, const char *case_id, size_t id_len)
{
    uint8_t prefix[RELAIS_CASE_ID_MAX + 1];
    memcpy(prefix, case_id, id_len);
    prefix[id_len] = 0x00;
    size_t prefix_len = id_len + 1;
    MDB_cursor *cur;
    int got = mdb_cursor_open(store_batch_txn(b, STORE_DB_CASEBLOCKS), b->store->dbi[STORE_DB_CASEBLOCKS], &cur);
    if (got)
        return store_lmdb_status(got, "open a cursor on the blocking index");
    MDB_val k = store_val(prefix, prefix_len), v;
    int rc = 0;
    /* mdb_cursor_del leaves the cursor on the next entry, which MDB_GET_CURRENT reads. */
    got = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && got == 0 && k.mv_size == prefix_len + RELAIS_STORE_BLOCK_KEY_SIZE &&
           memcmp(k.mv_data, prefix, prefix_len) == 0) {
        uint8_t entry[S_KEY_MAX];
        memcpy(entry, (const uint8_t *)k.mv_data + prefix_len, RELAIS_STORE_BLOCK_KEY_SIZE);
        memcpy(entry + RELAIS_STORE_BLOCK_KEY_SIZE, case_id, id_len);
        rc = store_batch_del(b, STORE_DB_BLOCKS, store_val(entry, RELAIS_STORE_BLOCK_KEY_SIZE + id_len));
        if (rc == RELAIS_E_NOT_FOUND)
            rc = store_corrupt("a case's blocking entry lacks its forward entry");
        if (rc == 0 && (got = mdb_cursor_del(cur, 0)) != 0)
            rc = store_lmdb_status(got, "delete a case's blocking entry");
        if (rc == 0)
            got = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
    }
    mdb_cursor_close(cur);
    if (rc == 0 && got != 0 && got != MDB_NOTFOUND && got != EINVAL)
        rc = store_lmdb_status(got, "read a case's blocking entries");
    return rc;
}

typedef struct {
    relais_store_t *store;
    relais_store_block_entry_fn fn;
    void *ctx;
} s_walk_t;

static int s_entry(void *ctx, const MDB_val *k, const MDB_val *v)
{
    const s_walk_t *walk = ctx;
    if (k->mv_size <= RELAIS_STORE_BLOCK_KEY_SIZE || k->mv_size >= S_KEY_MAX)
        return store_corrupt("a blocking entry's key has a wrong size");
    char case_id[RELAIS_CASE_ID_MAX];
    size_t id_len = k->mv_size - RELAIS_STORE_BLOCK_KEY_SIZE;
    memcpy(case_id, (const uint8_t *)k->mv_data + RELAIS_STORE_BLOCK_KEY_SIZE, id_len);
    case_id[id_len] = '\0';
    uint8_t *value = NULL;
    size_t len = 0;
    int rc = store_value_out(walk->store, NULL, RELAIS_STORE_VALUE_BLOCK, k->mv_data, k->mv_size, v, &value, &len);
    if (rc == 0)
        rc = walk->fn(walk->ctx, k->mv_data, case_id, value, len);
    free(value);
    return rc;
}

int relais_store_block_iterate(relais_store_t *self, relais_store_block_entry_fn fn, void *ctx)
{
    if (!self || !fn)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_block_iterate needs a store and a callback");
    s_walk_t walk = {self, fn, ctx};
    return store_walk(self, STORE_DB_BLOCKS, s_entry, &walk, "the blocking index");
}
