/* store_index.c -- the store's indexes: case state, case histories and their reverse, children's open cases, checkpoints. */
#include "relais_store.h"

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relais_proto.h"
#include "store_internal.h"

#define S_CP_HEAD_SIZE (8 + RELAIS_HASH_SIZE) /* time_ms || root, then the note */
#define S_HISTORY_KEY_MAX (RELAIS_CASE_ID_MAX + STORE_SEQ_SIZE)

int store_case_id_len(const char *case_id, size_t *len)
{
    *len = 0;
    if (!case_id)
        return relais_status_set(RELAIS_E_INVALID, "no case id given");
    *len = strnlen(case_id, RELAIS_CASE_ID_MAX);
    if (*len == 0 || *len >= RELAIS_CASE_ID_MAX)
        return relais_status_set(RELAIS_E_INVALID, "a case id has 1 to %d bytes", RELAIS_CASE_ID_MAX - 1);
    return 0;
}

/* ---- Sealed values ------------------------------------------------------------------------ */

void relais_store_set_sealer(relais_store_t *self, const relais_store_sealer_t *sealer)
{
    if (self)
        self->sealer = sealer ? *sealer : (relais_store_sealer_t){0};
}

int store_value_in(relais_store_batch_t *b, relais_store_value_t kind, const void *key, size_t key_len,
                      const uint8_t *plain, size_t len, uint8_t **stored, size_t *stored_len, int *owned)
{
    const relais_store_sealer_t *sealer = &b->store->sealer;
    *owned = 0;
    if (!sealer->seal) {
        *stored = (uint8_t *)plain;
        *stored_len = len;
        return 0;
    }
    int rc = sealer->seal(sealer->ctx, b, kind, key, key_len, plain, len, stored, stored_len);
    *owned = rc == 0;
    return rc;
}

int store_value_out(relais_store_t *self, relais_store_batch_t *b, relais_store_value_t kind, const void *key,
                       size_t key_len, const MDB_val *v, uint8_t **out, size_t *len)
{
    if (!self->sealer.open)
        return store_copy_out(v, out, len);
    return self->sealer.open(self->sealer.ctx, self, b, kind, key, key_len, v->mv_data, v->mv_size, out, len);
}

/* ---- Cases inside a batch --------------------------------------------------------------- */

static int s_case_get(relais_store_t *self, MDB_txn *txn, relais_store_batch_t *b, const char *case_id,
                      uint8_t **state, size_t *len)
{
    MDB_val v;
    size_t id_len;
    int rc = store_case_id_len(case_id, &id_len);
    if (rc)
        return rc;
    if (!state || !len)
        return relais_status_set(RELAIS_E_INVALID, "reading a case needs somewhere to put its state");
    rc = store_get(txn, self->dbi[STORE_DB_CASES], case_id, id_len, &v);
    if (rc == RELAIS_E_NOT_FOUND)
        return relais_status_set(rc, "no case '%s'", case_id);
    return rc ? rc : store_value_out(self, b, RELAIS_STORE_VALUE_CASE, case_id, id_len, &v, state, len);
}

static int s_child_get(const relais_store_t *self, MDB_txn *txn, const uint8_t *child_key, char *case_id)
{
    MDB_val v;
    if (!child_key || !case_id)
        return relais_status_set(RELAIS_E_INVALID, "looking a child up needs a child key and room for a case id");
    int rc = store_get(txn, self->dbi[STORE_DB_CHILDREN], child_key, RELAIS_CHILD_KEY_SIZE, &v);
    if (rc == RELAIS_E_NOT_FOUND)
        return relais_status_set(rc, "no open case for this child");
    if (rc)
        return rc;
    if (v.mv_size == 0 || v.mv_size >= RELAIS_CASE_ID_MAX)
        return store_corrupt("a child's case id has a wrong size");
    memcpy(case_id, v.mv_data, v.mv_size);
    case_id[v.mv_size] = '\0';
    return 0;
}

int relais_store_batch_case_get(relais_store_batch_t *self, const char *case_id, uint8_t **state, size_t *len)
{
    int rc = store_batch_ready(self);
    return rc ? rc : s_case_get(self->store, store_batch_txn(self, STORE_DB_CASES), self, case_id, state, len);
}

int relais_store_batch_case_put(relais_store_batch_t *self, const char *case_id, const uint8_t *state, size_t len)
{
    size_t id_len;
    int rc = store_batch_ready(self);
    if (!rc)
        rc = store_case_id_len(case_id, &id_len);
    if (rc)
        return rc;
    if (!state && len > 0)
        return relais_status_set(RELAIS_E_INVALID, "a case state of %zu bytes needs its bytes", len);
    uint8_t *stored;
    size_t stored_len;
    int owned;
    rc = store_value_in(self, RELAIS_STORE_VALUE_CASE, case_id, id_len, state, len, &stored, &stored_len, &owned);
    if (rc == 0)
        rc = store_batch_put(self, STORE_DB_CASES, store_val(case_id, id_len), store_val(stored, stored_len), 0);
    if (owned)
        free(stored);
    return rc;
}

/* The case of `seq` in `txn`: 0, RELAIS_E_NOT_FOUND or an error. */
static int s_seq_case(relais_store_t *self, MDB_txn *txn, relais_store_batch_t *b, uint64_t seq, char *case_id,
                      uint8_t **status, size_t *len)
{
    uint8_t key[S_HISTORY_KEY_MAX];
    MDB_val v, h;
    if (!case_id || (status && !len))
        return relais_status_set(RELAIS_E_INVALID, "reading a record's case needs room for its id");
    store_put_u64(key, seq);
    int rc = store_get(txn, self->dbi[STORE_DB_SEQCASE], key, STORE_SEQ_SIZE, &v);
    if (rc == RELAIS_E_NOT_FOUND)
        return relais_status_set(rc, "record %llu is no case's event", (unsigned long long)seq);
    if (rc)
        return rc;
    if (v.mv_size == 0 || v.mv_size >= RELAIS_CASE_ID_MAX || memchr(v.mv_data, 0, v.mv_size))
        return store_corrupt("a record's case id has a wrong size");
    memcpy(case_id, v.mv_data, v.mv_size);
    case_id[v.mv_size] = '\0';
    if (!status)
        return 0;
    /* The history entry under the same pair holds the status. */
    memcpy(key, case_id, v.mv_size);
    key[v.mv_size] = 0x00;
    store_put_u64(key + v.mv_size + 1, seq);
    size_t key_len = v.mv_size + 1 + STORE_SEQ_SIZE;
    rc = store_get(txn, self->dbi[STORE_DB_HISTORY], key, key_len, &h);
    if (rc == RELAIS_E_NOT_FOUND)
        return store_corrupt("a record's case lacks it in its history");
    return rc ? rc : store_value_out(self, b, RELAIS_STORE_VALUE_HISTORY, key, key_len, &h, status, len);
}

int relais_store_batch_case_link(relais_store_batch_t *self, const char *case_id, uint64_t seq, const uint8_t *status,
                                 size_t status_len)
{
    uint8_t key[S_HISTORY_KEY_MAX], seq_key[STORE_SEQ_SIZE];
    size_t id_len;
    int rc = store_batch_ready(self);
    if (!rc)
        rc = store_case_id_len(case_id, &id_len);
    if (rc)
        return rc;
    if (!status && status_len > 0)
        return relais_status_set(RELAIS_E_INVALID, "a status of %zu bytes needs its bytes", status_len);
    if (seq == 0 || seq > self->head)
        return relais_status_set(RELAIS_E_INVALID, "cannot link record %llu to case '%s': the log has %llu",
                                 (unsigned long long)seq, case_id, (unsigned long long)self->head);
    store_put_u64(seq_key, seq);
    memcpy(key, case_id, id_len);
    key[id_len] = 0x00;
    store_put_u64(key + id_len + 1, seq);
    /* A second link of one record would leave a history entry that the reverse index no
     * longer names: refused before anything is written, so the batch stays usable. */
    MDB_val old;
    rc = store_get(store_batch_txn(self, STORE_DB_SEQCASE), self->store->dbi[STORE_DB_SEQCASE], seq_key, sizeof seq_key, &old);
    if (rc == 0)
        return relais_status_set(RELAIS_E_INVALID, "record %llu is already linked to a case",
                                 (unsigned long long)seq);
    if (rc != RELAIS_E_NOT_FOUND)
        return rc;
    uint8_t *stored;
    size_t stored_len;
    int owned;
    rc = store_value_in(self, RELAIS_STORE_VALUE_HISTORY, key, id_len + 1 + STORE_SEQ_SIZE, status, status_len, &stored,
                    &stored_len, &owned);
    if (rc == 0)
        rc = store_batch_put(self, STORE_DB_SEQCASE, store_val(seq_key, sizeof seq_key), store_val(case_id, id_len), 0);
    if (rc == 0)
        rc = store_batch_put(self, STORE_DB_HISTORY, store_val(key, id_len + 1 + STORE_SEQ_SIZE),
                             store_val(stored, stored_len), 0);
    if (owned)
        free(stored);
    return rc;
}

int relais_store_batch_seq_case(relais_store_batch_t *self, uint64_t seq, char case_id[RELAIS_CASE_ID_MAX],
                                uint8_t **status, size_t *len)
{
    int rc = store_batch_ready(self);
    return rc ? rc : s_seq_case(self->store, store_batch_txn(self, STORE_DB_SEQCASE), self, seq, case_id, status, len);
}

int relais_store_batch_child_get(relais_store_batch_t *self, const uint8_t *child_key, char *case_id)
{
    int rc = store_batch_ready(self);
    return rc ? rc : s_child_get(self->store, store_batch_txn(self, STORE_DB_CHILDREN), child_key, case_id);
}

int relais_store_batch_child_put(relais_store_batch_t *self, const uint8_t *child_key, const char *case_id)
{
    size_t id_len;
    int rc = store_batch_ready(self);
    if (!rc)
        rc = store_case_id_len(case_id, &id_len);
    if (rc)
        return rc;
    if (!child_key)
        return relais_status_set(RELAIS_E_INVALID, "no child key given");
    return store_batch_put(self, STORE_DB_CHILDREN, store_val(child_key, RELAIS_CHILD_KEY_SIZE),
                           store_val(case_id, id_len), 0);
}

int relais_store_batch_child_del(relais_store_batch_t *self, const uint8_t *child_key)
{
    int rc = store_batch_ready(self);
    if (rc)
        return rc;
    if (!child_key)
        return relais_status_set(RELAIS_E_INVALID, "no child key given");
    MDB_val k = store_val(child_key, RELAIS_CHILD_KEY_SIZE);
    rc = mdb_del(store_batch_txn(self, STORE_DB_CHILDREN), self->store->dbi[STORE_DB_CHILDREN], &k, NULL);
    /* Deleting what is not there changes nothing, so the batch stays usable. */
    if (rc == MDB_NOTFOUND)
        return relais_status_set(RELAIS_E_NOT_FOUND, "no open case for this child");
    if (rc)
        self->error = store_lmdb_status(rc, "delete a child's case");
    return rc ? self->error : 0;
}

/* ---- Cases (read side) ------------------------------------------------------------------ */

int relais_store_case_get(relais_store_t *self, const char *case_id, uint8_t **state, size_t *len)
{
    MDB_txn *txn;
    if (!self)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_case_get needs a store");
    int rc = store_read_begin(self, STORE_DB_CASES, &txn);
    if (rc)
        return rc;
    rc = s_case_get(self, txn, NULL, case_id, state, len);
    mdb_txn_abort(txn);
    return rc;
}

/* Hands one kept value to `fn` as it was put. */
static int s_value_call(relais_store_t *self, relais_store_value_t kind, const void *key, size_t key_len,
                        const MDB_val *v, int (*call)(void *call_ctx, const uint8_t *value, size_t len),
                        void *call_ctx)
{
    if (!self->sealer.open)
        return call(call_ctx, v->mv_data, v->mv_size);
    uint8_t *plain = NULL;
    size_t len = 0;
    int rc = store_value_out(self, NULL, kind, key, key_len, v, &plain, &len);
    if (rc == 0)
        rc = call(call_ctx, plain, len);
    free(plain);
    return rc;
}

typedef struct {
    relais_store_case_fn fn;
    void *ctx;
    const char *id;
} s_case_call_t;

static int s_case_call(void *call_ctx, const uint8_t *value, size_t len)
{
    s_case_call_t *c = call_ctx;
    return c->fn(c->ctx, c->id, value, len);
}

static int s_case_walk(relais_store_t *self, MDB_cursor *cur, const char *after, relais_store_case_fn fn, void *ctx)
{
    char id[RELAIS_CASE_ID_MAX];
    MDB_val k, v;
    int rc;
    if (after && after[0]) {
        k.mv_data = (void *)after;
        k.mv_size = strlen(after);
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        if (rc == 0 && k.mv_size == strlen(after) && memcmp(k.mv_data, after, k.mv_size) == 0)
            rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    } else {
        rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    }
    for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size == 0 || k.mv_size >= sizeof id || memchr(k.mv_data, 0, k.mv_size))
            return store_corrupt("a case id has a wrong size");
        memcpy(id, k.mv_data, k.mv_size);
        id[k.mv_size] = '\0';
        s_case_call_t call = {fn, ctx, id};
        rc = s_value_call(self, RELAIS_STORE_VALUE_CASE, k.mv_data, k.mv_size, &v, s_case_call, &call);
        if (rc)
            return rc;
    }
    return rc == MDB_NOTFOUND ? 0 : store_lmdb_status(rc, "read the cases");
}

int relais_store_case_iterate(relais_store_t *self, relais_store_case_fn fn, void *ctx)
{
    return relais_store_case_iterate_after(self, NULL, fn, ctx);
}

int relais_store_case_iterate_after(relais_store_t *self, const char *after, relais_store_case_fn fn, void *ctx)
{
    MDB_cursor *cur;
    MDB_txn *txn;
    if (!self || !fn || (after && strlen(after) >= RELAIS_CASE_ID_MAX))
        return relais_status_set(RELAIS_E_INVALID, "relais_store_case_iterate needs a store, a callback and a "
                                                   "case id that fits");
    int rc = store_read_begin(self, STORE_DB_CASES, &txn);
    if (rc == RELAIS_E_NOT_FOUND)
        return 0; /* no index to walk */
    if (rc)
        return rc;
    rc = mdb_cursor_open(txn, self->dbi[STORE_DB_CASES], &cur);
    if (rc) {
        rc = store_lmdb_status(rc, "open a cursor on the cases");
        goto out_abort_txn;
    }
    rc = s_case_walk(self, cur, after, fn, ctx);
    mdb_cursor_close(cur);
out_abort_txn:
    mdb_txn_abort(txn);
    return rc;
}

typedef struct {
    relais_store_event_fn fn;
    void *ctx;
    uint64_t seq;
} s_event_call_t;

static int s_event_call(void *call_ctx, const uint8_t *value, size_t len)
{
    s_event_call_t *c = call_ctx;
    return c->fn(c->ctx, c->seq, value, len);
}

/* Walks the history keys that start with `prefix` (case id || 0x00); they are contiguous
 * because a case id holds no NUL. */
static int s_history_walk(relais_store_t *self, MDB_cursor *cur, const uint8_t *prefix, size_t prefix_len,
                          relais_store_event_fn fn, void *ctx)
{
    MDB_val k = store_val(prefix, prefix_len), v;
    int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size < prefix_len || memcmp(k.mv_data, prefix, prefix_len) != 0)
            return 0;
        if (k.mv_size != prefix_len + STORE_SEQ_SIZE)
            return store_corrupt("a case history key has a wrong size");
        s_event_call_t call = {fn, ctx, store_get_u64((const uint8_t *)k.mv_data + prefix_len)};
        rc = s_value_call(self, RELAIS_STORE_VALUE_HISTORY, k.mv_data, k.mv_size, &v, s_event_call, &call);
        if (rc)
            return rc;
    }
    return rc == MDB_NOTFOUND ? 0 : store_lmdb_status(rc, "read a case history");
}

int relais_store_case_history(relais_store_t *self, const char *case_id, relais_store_event_fn fn, void *ctx)
{
    uint8_t prefix[RELAIS_CASE_ID_MAX];
    MDB_cursor *cur;
    MDB_txn *txn;
    size_t id_len;
    if (!self || !fn)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_case_history needs a store and a callback");
    int rc = store_case_id_len(case_id, &id_len);
    if (rc)
        return rc;
    memcpy(prefix, case_id, id_len);
    prefix[id_len] = 0x00;
    rc = store_read_begin(self, STORE_DB_HISTORY, &txn);
    if (rc == RELAIS_E_NOT_FOUND)
        return 0; /* no index to walk */
    if (rc)
        return rc;
    rc = mdb_cursor_open(txn, self->dbi[STORE_DB_HISTORY], &cur);
    if (rc) {
        rc = store_lmdb_status(rc, "open a cursor on the case histories");
        goto out_abort_txn;
    }
    rc = s_history_walk(self, cur, prefix, id_len + 1, fn, ctx);
    mdb_cursor_close(cur);
out_abort_txn:
    mdb_txn_abort(txn);
    return rc;
}

int relais_store_seq_case(relais_store_t *self, uint64_t seq, char case_id[RELAIS_CASE_ID_MAX], uint8_t **status,
                          size_t *len)
{
    MDB_txn *txn;
    if (!self)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_seq_case needs a store");
    int rc = store_read_begin(self, STORE_DB_SEQCASE, &txn);
    if (rc)
        return rc;
    rc = s_seq_case(self, txn, NULL, seq, case_id, status, len);
    mdb_txn_abort(txn);
    return rc;
}

int relais_store_child_case(relais_store_t *self, const uint8_t *child_key, char *case_id)
{
    MDB_txn *txn;
    if (!self)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_child_case needs a store");
    int rc = store_read_begin(self, STORE_DB_CHILDREN, &txn);
    if (rc)
        return rc;
    rc = s_child_get(self, txn, child_key, case_id);
    mdb_txn_abort(txn);
    return rc;
}

/* ---- Checkpoints ------------------------------------------------------------------------ */

/* Value: time_ms (i64 BE) || root || note text without its NUL. */
static int s_cp_encode(const relais_store_checkpoint_t *cp, uint8_t *buf, size_t *len)
{
    size_t note_len = strnlen(cp->note, RELAIS_CHECKPOINT_MAX);
    *len = 0;
    if (note_len == RELAIS_CHECKPOINT_MAX)
        return relais_status_set(RELAIS_E_INVALID, "a checkpoint note is NUL-terminated within %d bytes",
                                 RELAIS_CHECKPOINT_MAX);
    store_put_u64(buf, (uint64_t)cp->time_ms);
    memcpy(buf + 8, cp->root, RELAIS_HASH_SIZE);
    memcpy(buf + S_CP_HEAD_SIZE, cp->note, note_len);
    *len = S_CP_HEAD_SIZE + note_len;
    return 0;
}

static int s_cp_decode(const MDB_val *k, const MDB_val *v, relais_store_checkpoint_t *cp)
{
    if (k->mv_size != STORE_SEQ_SIZE || v->mv_size < S_CP_HEAD_SIZE ||
        v->mv_size - S_CP_HEAD_SIZE >= RELAIS_CHECKPOINT_MAX)
        return store_corrupt("a checkpoint has a wrong size");
    const uint8_t *p = v->mv_data;
    size_t note_len = v->mv_size - S_CP_HEAD_SIZE;
    cp->size = store_get_u64(k->mv_data);
    cp->time_ms = (int64_t)store_get_u64(p);
    memcpy(cp->root, p + 8, RELAIS_HASH_SIZE);
    memcpy(cp->note, p + S_CP_HEAD_SIZE, note_len);
    cp->note[note_len] = '\0';
    return 0;
}

/* 0 when `cp` may be stored (*same says it already is), RELAIS_E_INVALID when it would
 * disagree with the log or with a stored checkpoint. */
static int s_cp_check(relais_store_t *self, MDB_txn *txn, const relais_store_checkpoint_t *cp, const MDB_val *val,
                      int *same)
{
    store_tree_ctx_t tree = {self, txn};
    relais_hash_t root;
    uint8_t key[STORE_SEQ_SIZE];
    uint64_t head;
    MDB_val old;
    int rc = store_head(self, txn, &head);
    if (rc)
        return rc;
    if (cp->size > head)
        return relais_status_set(RELAIS_E_INVALID, "checkpoint of size %llu is beyond the log's head %llu",
                                 (unsigned long long)cp->size, (unsigned long long)head);
    rc = relais_merkle_root(store_subtree, &tree, cp->size, root);
    if (rc)
        return rc;
    if (memcmp(root, cp->root, RELAIS_HASH_SIZE) != 0)
        return relais_status_set(RELAIS_E_INVALID, "checkpoint root is not the log's root at size %llu",
                                 (unsigned long long)cp->size);
    store_put_u64(key, cp->size);
    rc = store_get(txn, self->dbi[STORE_DB_CHECKPOINTS], key, sizeof key, &old);
    *same = rc == 0 && old.mv_size == val->mv_size && memcmp(old.mv_data, val->mv_data, val->mv_size) == 0;
    if (rc == 0 && !*same)
        return relais_status_set(RELAIS_E_INVALID, "a different checkpoint of size %llu is already stored",
                                 (unsigned long long)cp->size);
    return rc == RELAIS_E_NOT_FOUND ? 0 : rc;
}

int relais_store_checkpoint_put(relais_store_t *self, const relais_store_checkpoint_t *cp)
{
    uint8_t buf[S_CP_HEAD_SIZE + RELAIS_CHECKPOINT_MAX], key[STORE_SEQ_SIZE];
    MDB_txn *txn;
    size_t len;
    int same = 0;
    if (!self || !cp)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_checkpoint_put needs a store and a checkpoint");
    if (self->read_only)
        return relais_status_set(RELAIS_E_INVALID, "the store in %s is open read-only", self->dir);
    int rc = s_cp_encode(cp, buf, &len);
    if (rc)
        return rc;
    store_put_u64(key, cp->size);
    MDB_val k = store_val(key, sizeof key), v = store_val(buf, len);
    rc = mdb_txn_begin(self->env, NULL, 0, &txn);
    if (rc)
        return store_lmdb_status(rc, "begin a write transaction");
    rc = s_cp_check(self, txn, cp, &v, &same);
    if (rc || same)
        goto out_abort_txn;
    rc = mdb_put(txn, self->dbi[STORE_DB_CHECKPOINTS], &k, &v, 0);
    if (rc) {
        rc = store_lmdb_status(rc, "store a checkpoint");
        goto out_abort_txn;
    }
    rc = mdb_txn_commit(txn);
    return rc ? store_lmdb_status(rc, "commit a checkpoint") : 0;

out_abort_txn:
    mdb_txn_abort(txn);
    return rc;
}

/* Calls `fn` for the checkpoints from the one `op` finds on; with no `fn`, copies that
 * one into *cp. */
static int s_cp_walk(relais_store_t *self, MDB_cursor_op op, relais_store_checkpoint_fn fn, void *ctx,
                     relais_store_checkpoint_t *cp)
{
    MDB_cursor *cur;
    MDB_txn *txn;
    MDB_val k, v;
    int found;
    int rc = store_read_begin(self, STORE_DB_CHECKPOINTS, &txn);
    if (rc)
        return rc;
    rc = mdb_cursor_open(txn, self->dbi[STORE_DB_CHECKPOINTS], &cur);
    if (rc) {
        rc = store_lmdb_status(rc, "open a cursor on the checkpoints");
        goto out_abort_txn;
    }
    for (found = mdb_cursor_get(cur, &k, &v, op); found == 0; found = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        rc = s_cp_decode(&k, &v, cp);
        if (!rc && fn)
            rc = fn(ctx, cp);
        if (rc || !fn)
            break;
    }
    if (found == MDB_NOTFOUND && !fn)
        rc = relais_status_set(RELAIS_E_NOT_FOUND, "the store holds no checkpoint");
    else if (found != 0 && found != MDB_NOTFOUND)
        rc = store_lmdb_status(found, "read the checkpoints");
    mdb_cursor_close(cur);
out_abort_txn:
    mdb_txn_abort(txn);
    return rc;
}

int relais_store_checkpoint_latest(relais_store_t *self, relais_store_checkpoint_t *out)
{
    if (!self || !out)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_checkpoint_latest needs a store and an output");
    return s_cp_walk(self, MDB_LAST, NULL, NULL, out);
}

int relais_store_checkpoint_get(relais_store_t *self, uint64_t size, relais_store_checkpoint_t *out)
{
    uint8_t key[STORE_SEQ_SIZE];
    MDB_txn *txn;
    MDB_val v;
    if (!self || !out)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_checkpoint_get needs a store and an output");
    int rc = store_read_begin(self, STORE_DB_CHECKPOINTS, &txn);
    if (rc)
        return rc;
    store_put_u64(key, size);
    MDB_val k = store_val(key, sizeof key);
    rc = store_get(txn, self->dbi[STORE_DB_CHECKPOINTS], key, sizeof key, &v);
    if (rc == RELAIS_E_NOT_FOUND)
        rc = relais_status_set(RELAIS_E_NOT_FOUND, "no checkpoint of size %llu in the store", (unsigned long long)size);
    else if (rc == 0)
        rc = s_cp_decode(&k, &v, out);
    mdb_txn_abort(txn);
    return rc;
}

int relais_store_checkpoint_iterate(relais_store_t *self, relais_store_checkpoint_fn fn, void *ctx)
{
    relais_store_checkpoint_t cp;
    if (!self || !fn)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_checkpoint_iterate needs a store and a callback");
    return s_cp_walk(self, MDB_FIRST, fn, ctx, &cp);
}

/* ---- Wrapped data keys ----------------------------------------------------------------------- */

static int s_copy_out(const MDB_val *v, uint8_t **out, size_t *len)
{
    *out = malloc(v->mv_size ? v->mv_size : 1);
    if (!*out)
        return relais_status_set(RELAIS_E_NOMEM, "out of memory reading a data key");
    memcpy(*out, v->mv_data, v->mv_size);
    *len = v->mv_size;
    return 0;
}

int relais_store_batch_key_put(relais_store_batch_t *self, uint64_t key_id, const uint8_t *wrapped, size_t len)
{
    int rc = store_batch_ready(self);
    if (rc)
        return rc;
    if (!wrapped || len == 0)
        return relais_status_set(RELAIS_E_INVALID, "a data key needs its wrapped bytes");
    uint8_t key[STORE_SEQ_SIZE];
    store_put_u64(key, key_id);
    return store_batch_put(self, STORE_DB_KEYS, store_val(key, sizeof key), store_val(wrapped, len), 0);
}

static int s_key_get(const relais_store_t *self, MDB_txn *txn, uint64_t key_id, uint8_t **wrapped, size_t *len)
{
    uint8_t key[STORE_SEQ_SIZE];
    MDB_val v;
    store_put_u64(key, key_id);
    int rc = store_get(txn, self->dbi[STORE_DB_KEYS], key, sizeof key, &v);
    return rc ? rc : s_copy_out(&v, wrapped, len);
}

int relais_store_batch_key_get(relais_store_batch_t *self, uint64_t key_id, uint8_t **wrapped, size_t *len)
{
    int rc = store_batch_ready(self);
    if (rc)
        return rc;
    if (!wrapped || !len)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_batch_key_get needs somewhere to put the key");
    return s_key_get(self->store, self->txn, key_id, wrapped, len);
}

int relais_store_key_get(relais_store_t *self, uint64_t key_id, uint8_t **wrapped, size_t *len)
{
    MDB_txn *txn;
    if (!self || !wrapped || !len)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_key_get needs a store and somewhere to put the key");
    int rc = store_read_begin(self, STORE_DB_KEYS, &txn);
    if (rc)
        return rc;
    rc = s_key_get(self, txn, key_id, wrapped, len);
    mdb_txn_abort(txn);
    return rc;
}

typedef struct {
    relais_store_key_fn fn;
    void *ctx;
} s_key_walk_t;

static int s_key_pair(void *ctx, const MDB_val *k, const MDB_val *v)
{
    const s_key_walk_t *walk = ctx;
    if (k->mv_size != STORE_SEQ_SIZE)
        return store_corrupt("a data key's id is not 8 bytes");
    return walk->fn(walk->ctx, store_get_u64(k->mv_data), v->mv_data, v->mv_size);
}

int relais_store_key_iterate(relais_store_t *self, relais_store_key_fn fn, void *ctx)
{
    if (!self || !fn)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_key_iterate needs a store and a callback");
    s_key_walk_t walk = {fn, ctx};
    return store_walk(self, STORE_DB_KEYS, s_key_pair, &walk, "the data keys");
}

int relais_store_key_range(relais_store_t *self, relais_store_batch_t *batch, relais_store_keys_t which,
                           uint64_t first, uint64_t last, relais_store_key_fn fn, void *ctx)
{
    if (!self || !fn || (batch && batch->store != self))
        return relais_status_set(RELAIS_E_INVALID, "relais_store_key_range needs a store, its batch or none, and a "
                                                   "callback");
    int db = which == RELAIS_STORE_KEYS_ARCHIVED ? STORE_DB_ARCHIVE : STORE_DB_KEYS;
    MDB_txn *txn = NULL;
    int rc = batch ? store_batch_ready(batch) : store_read_begin(self, db, &txn);
    if (rc == RELAIS_E_NOT_FOUND)
        return 0;
    if (rc)
        return rc;
    MDB_cursor *cur;
    int got = mdb_cursor_open(batch ? store_batch_txn(batch, db) : txn, self->dbi[db], &cur);
    if (got) {
        if (txn)
            mdb_txn_abort(txn);
        return store_lmdb_status(got, "open a cursor on the data keys");
    }
    uint8_t from[STORE_SEQ_SIZE];
    store_put_u64(from, first);
    MDB_val k = store_val(from, sizeof from), v;
    for (got = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); got == 0 && rc == 0;
         got = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != STORE_SEQ_SIZE) {
            rc = store_corrupt("a data key's id is not 8 bytes");
            break;
        }
        uint64_t id = store_get_u64(k.mv_data);
        if (id > last)
            break;
        rc = fn(ctx, id, v.mv_data, v.mv_size);
    }
    if (rc == 0 && got != 0 && got != MDB_NOTFOUND)
        rc = store_lmdb_status(got, "read the data keys");
    mdb_cursor_close(cur);
    if (txn)
        mdb_txn_abort(txn);
    return rc;
}

int relais_store_archive_iterate(relais_store_t *self, relais_store_key_fn fn, void *ctx)
{
    if (!self || !fn)
        return relais_status_set(RELAIS_E_INVALID, "relais_store_archive_iterate needs a store and a callback");
    s_key_walk_t walk = {fn, ctx};
    return store_walk(self, STORE_DB_ARCHIVE, s_key_pair, &walk, "the archived keys");
}

int store_walk(relais_store_t *self, int db, store_pair_fn fn, void *ctx, const char *what)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    char sentence[96];
    int rc = store_read_begin(self, db, &txn);
    if (rc == RELAIS_E_NOT_FOUND)
        return 0; /* no index to walk */
    if (rc)
        return rc;
    rc = mdb_cursor_open(txn, self->dbi[db], &cur);
    if (rc) {
        mdb_txn_abort(txn);
        snprintf(sentence, sizeof sentence, "open a cursor on %s", what);
        return store_lmdb_status(rc, sentence);
    }
    MDB_val k, v;
    int result = 0, got;
    for (got = mdb_cursor_get(cur, &k, &v, MDB_FIRST); got == 0 && result == 0;
         got = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
        result = fn(ctx, &k, &v);
    if (result == 0 && got != 0 && got != MDB_NOTFOUND) {
        snprintf(sentence, sizeof sentence, "read %s", what);
        result = store_lmdb_status(got, sentence);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return result;
}
