/* store_meetings.c -- the partnership meetings' index: a meeting's id to its records, one per case reviewed.
 *
 * A meeting is recorded as one record per case it reviewed, each an event of its case and sealed
 * under the case's key. Listing the meetings, or showing one, must not open every record of the
 * log: this index names them. Its keys are in clear (a meeting's id is its date and a tag), its
 * values case ids; the reverse entries let a record's entry go with its case.
 */
#include "relais_store.h"

#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "relais_proto.h"
#include "store_internal.h"

#define S_KEY_MAX (RELAIS_MEETING_ID_LEN + STORE_SEQ_SIZE)

static int s_meeting_id_len(const char *meeting_id, size_t *len)
{
    *len = meeting_id ? strnlen(meeting_id, RELAIS_MEETING_ID_LEN) : 0;
    if (*len == 0 || *len >= RELAIS_MEETING_ID_LEN)
        return relais_status_set(RELAIS_E_INVALID, "a meeting id has 1 to %d bytes", RELAIS_MEETING_ID_LEN - 1);
    return 0;
}

/* meeting id || 0x00 || seq: a meeting's records together, in log order (an id holds no NUL). */
static size_t s_key(uint8_t key[S_KEY_MAX], const char *meeting_id, size_t id_len, uint64_t seq)
{
    memcpy(key, meeting_id, id_len);
    key[id_len] = 0x00;
    store_put_u64(key + id_len + 1, seq);
    return id_len + 1 + STORE_SEQ_SIZE;
}

int relais_store_batch_meeting_put(relais_store_batch_t *self, const char *meeting_id, uint64_t seq,
                                   const char *case_id)
{
    size_t id_len = 0, case_len = 0;
    int rc = store_batch_ready(self);
    if (rc == 0)
        rc = s_meeting_id_len(meeting_id, &id_len);
    if (rc == 0)
        rc = store_case_id_len(case_id, &case_len);
    if (rc)
        return rc;
    uint8_t key[S_KEY_MAX], seq_key[STORE_SEQ_SIZE];
    size_t key_len = s_key(key, meeting_id, id_len, seq);
    store_put_u64(seq_key, seq);
    rc = store_batch_put(self, STORE_DB_MEETINGS, store_val(key, key_len), store_val(case_id, case_len), 0);
    if (rc == 0)
        rc = store_batch_put(self, STORE_DB_MEETINGSEQ, store_val(seq_key, sizeof seq_key),
                             store_val(meeting_id, id_len), 0);
    return rc;
}

int store_meeting_forget(relais_store_batch_t *b, uint64_t seq)
{
    uint8_t seq_key[STORE_SEQ_SIZE], key[S_KEY_MAX];
    store_put_u64(seq_key, seq);
    MDB_val v;
    int rc = store_get(store_batch_txn(b, STORE_DB_MEETINGSEQ), b->store->dbi[STORE_DB_MEETINGSEQ], seq_key,
                       sizeof seq_key, &v);
    if (rc == RELAIS_E_NOT_FOUND)
        return 0; /* not a meeting's record */
    if (rc)
        return rc;
    if (v.mv_size == 0 || v.mv_size >= RELAIS_MEETING_ID_LEN || memchr(v.mv_data, 0, v.mv_size))
        return store_corrupt("a meeting record's reverse entry holds no meeting id");
    char meeting_id[RELAIS_MEETING_ID_LEN];
    memcpy(meeting_id, v.mv_data, v.mv_size);
    size_t key_len = s_key(key, meeting_id, v.mv_size, seq);
    rc = store_batch_del(b, STORE_DB_MEETINGS, store_val(key, key_len));
    if (rc == RELAIS_E_NOT_FOUND)
        return store_corrupt("a meeting record's reverse entry lacks its forward entry");
    return rc ? rc : store_batch_del(b, STORE_DB_MEETINGSEQ, store_val(seq_key, sizeof seq_key));
}

/* Calls `fn` for each entry whose key starts with `prefix` (all of them for an empty one). */
static int s_walk(relais_store_t *self, const uint8_t *prefix, size_t prefix_len, relais_store_meeting_fn fn,
                  void *ctx)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    int rc = store_read_begin(self, STORE_DB_MEETINGS, &txn);
    if (rc == RELAIS_E_NOT_FOUND)
        return 0; /* no index to walk */
    if (rc)
        return rc;
    int got = mdb_cursor_open(txn, self->dbi[STORE_DB_MEETINGS], &cur);
    if (got) {
        mdb_txn_abort(txn);
        return store_lmdb_status(got, "open a cursor on the meetings' index");
    }
    MDB_val k = store_val(prefix, prefix_len), v;
    for (got = mdb_cursor_get(cur, &k, &v, prefix_len ? MDB_SET_RANGE : MDB_FIRST); rc == 0 && got == 0;
         got = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (prefix_len && (k.mv_size < prefix_len || memcmp(k.mv_data, prefix, prefix_len) != 0))
            break;
        const uint8_t *key = k.mv_data;
        const uint8_t *nul = k.mv_size > STORE_SEQ_SIZE ? memchr(key, 0, k.mv_size - STORE_SEQ_SIZE) : NULL;
        size_t id_len = nul ? (size_t)(nul - key) : 0;
        if (!nul || id_len == 0 || id_len >= RELAIS_MEETING_ID_LEN || k.mv_size != id_len + 1 + STORE_SEQ_SIZE ||
            v.mv_size == 0 || v.mv_size >= RELAIS_CASE_ID_MAX || memchr(v.mv_data, 0, v.mv_size)) {
            rc = store_corrupt("a meeting index entry has a wrong size");
            break;
        }
        char meeting_id[RELAIS_MEETING_ID_LEN], case_id[RELAIS_CASE_ID_MAX];
        memcpy(meeting_id, key, id_len);
        meeting_id[id_len] = '\0';
        memcpy(case_id, v.mv_data, v.mv_size);
        case_id[v.mv_size] = '\0';
        rc = fn(ctx, meeting_id, store_get_u64(key + id_len + 1), case_id);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    if (rc == 0 && got != 0 && got != MDB_NOTFOUND)
        rc = store_lmdb_status(got, "read the meetings' index");
    return rc;
}

int relais_store_meeting_iterate(relais_store_t *self, relais_store_meeting_fn fn, void *ctx)
{
    if (!self || !fn)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_meeting_iterate needs a store and a callback");
    return s_walk(self, NULL, 0, fn, ctx);
}

int relais_store_meeting_records(relais_store_t *self, const char *meeting_id, relais_store_meeting_fn fn, void *ctx)
{
    size_t id_len = 0;
    if (!self || !fn)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_meeting_records needs a store and a callback");
    int rc = s_meeting_id_len(meeting_id, &id_len);
    if (rc)
        return rc;
    uint8_t prefix[RELAIS_MEETING_ID_LEN];
    memcpy(prefix, meeting_id, id_len);
    prefix[id_len] = 0x00;
    return s_walk(self, prefix, id_len + 1, fn, ctx);
}
